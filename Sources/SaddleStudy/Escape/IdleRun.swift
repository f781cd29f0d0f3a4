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
