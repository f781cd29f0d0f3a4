import SaddleCore

/// Ends a run whose optimizer has stopped evaluating: a method that has returned its point
/// (SSRGD at its `t_thres`) takes steps that evaluate nothing and move nothing, so a run
/// budgeted in evaluations would never reach its budget. After ``limit`` such steps in a row
/// the run ends where it is (its total cost is then below the budget). The whole
/// ``EvaluationCounts`` is compared, so a finite-sum step that evaluates one component
/// gradient (a fraction of a cost unit) is not idle.
struct IdleRun {
  /// Steps in a row that evaluated nothing before the run ends.
  static let limit = 1000

  private var idle = 0

  /// Records a step (`before` and `after` its evaluations); true when the run should end.
  mutating func stepIsLastOfIdleRun(before: EvaluationCounts, after: EvaluationCounts) -> Bool {
    idle = before == after ? idle + 1 : 0
    return idle >= Self.limit
  }
}

/// The run loop of study trials and ``EscapeRunner``: steps `state` until `maxSteps` steps or
/// `maxCost` evaluations, a non-finite value (returned as `failure`), or an ``IdleRun``. The
/// escape cost is the cost before the first step whose loss is below `escapeThreshold`, plus
/// that step's evaluation. `afterStep` sees each step's cost before it, its loss and the state.
func runToBudget<M: Model, R: UpdateRule>(
  _ optimizer: Optimizer<R>, state: inout OptimizerState<R.State>, model: M, seed: UInt64,
  maxSteps: Int, maxCost: Int, escapeThreshold: Double?,
  afterStep: (_ costBefore: Int, _ loss: Double, _ state: OptimizerState<R.State>) -> Void = {
    _, _, _ in
  }
) -> (escapeCost: Int?, failure: String?) {
  var escapeCost: Int?
  var idle = IdleRun()
  while state.step < maxSteps && state.evaluations.cost < maxCost {
    let counts = state.evaluations
    let loss: Double
    do {
      loss = try optimizer.step(&state, model: model, dataSeed: seed)
    } catch {
      return (escapeCost, error.description)
    }
    if let escapeThreshold, escapeCost == nil, loss < escapeThreshold {
      escapeCost = counts.cost + 1
    }
    afterStep(counts.cost, loss, state)
    // A method that has returned its point would never reach a cost budget.
    if idle.stepIsLastOfIdleRun(before: counts, after: state.evaluations) { break }
  }
  return (escapeCost, nil)
}
