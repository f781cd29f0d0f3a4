import SaddleCore
import SaddleModels

/// Measures the cost of escaping a saddle with any optimizer on any `Model` that declares the
/// saddle (`SaddleDeclaring`) — or on any model at all, given the saddle's value and an
/// escape depth — with exactly the definition a study uses (``StudyRunner``):
///
/// - the run starts at the model's `Model/initialParameters(seed:)`; a closed-form problem
///   starts, as in a study with `start: "saddle"`, at its first listed saddle plus a seeded
///   perturbation of norm ``perturbation``;
/// - it runs until the budget (cost and/or steps) is spent, with `dataSeed` = the seed;
/// - the escape cost is the cost (gradients + loss-only evaluations + 2·exact HVPs, every
///   stage counted) up to and including the step whose loss was first below
///   `f(θ_s) − δ` (`reference/test-problems.md`);
/// - a run that escaped but then ended non-finite, stopped on a non-finite value, or ended
///   above `f(θ_s)` has not escaped (escaping and then diverging is a failure).
///
/// ```swift
/// let runner = EscapeRunner(costBudget: 2_000)
/// let outcome = try runner.run(MyModel(), optimizer: Optimizer { Adam(learningRate: 1e-2) },
///                              seed: 1)
/// print(outcome.escapeCost ?? "not escaped")
/// ```
public struct EscapeRunner: Sendable {
  /// The cost budget of each run (`nil`: no cost limit).
  public var costBudget: Int?
  /// The step budget of each run (`nil`: no step limit).
  public var stepBudget: Int?
  /// The norm of the seeded perturbation added to a closed-form problem's saddle (`1e-8`, a
  /// study's default `perturbation`).
  public var perturbation: Double

  /// A runner with the given budgets; at least one must be set.
  ///
  /// - Precondition: one of the budgets is given and both given budgets are ≥ 1;
  ///   `perturbation ≥ 0` (finite).
  public init(costBudget: Int? = nil, stepBudget: Int? = nil, perturbation: Double = 1e-8) {
    precondition(
      costBudget != nil || stepBudget != nil, "EscapeRunner: give a cost or a step budget")
    precondition((costBudget ?? 1) >= 1 && (stepBudget ?? 1) >= 1, "EscapeRunner: budget < 1")
    precondition(
      perturbation >= 0 && perturbation.isFinite, "EscapeRunner: perturbation must be ≥ 0")
    self.costBudget = costBudget
    self.stepBudget = stepBudget
    self.perturbation = perturbation
  }

  /// The outcome of one run.
  public struct Outcome: Sendable, Equatable, Codable {
    /// The escape cost, or `nil` if the run did not escape (censored at ``counts``' cost).
    public var escapeCost: Int?
    /// Every evaluation of the whole run.
    public var counts: EvaluationCounts
    /// Steps taken.
    public var steps: Int
    /// The loss at the parameters where the run stopped.
    public var finalLoss: Double
    /// The non-finite failure that stopped the run, if any.
    public var failure: String?
    /// Whether the run escaped.
    public var escaped: Bool { escapeCost != nil }
  }

  /// Outcomes over several seeds and their censoring-aware median.
  public struct Summary: Sendable, Equatable {
    /// One outcome per seed, in seed order.
    public var outcomes: [Outcome]
    /// How many runs escaped.
    public var escaped: Int { outcomes.filter(\.escaped).count }
    /// The Kaplan–Meier median escape cost with its 95% interval; runs that did not escape are
    /// censored at the cost they spent (as in a study's report).
    public var median: KaplanMeier.Median {
      KaplanMeier(
        times: outcomes.map { Double($0.escapeCost ?? $0.counts.cost) },
        observed: outcomes.map(\.escaped)
      ).median
    }
  }

  /// Runs `optimizer` on `model` from `start` and measures the escape from a saddle of value
  /// `saddleValue` at depth `depth` (`δ > 0`).
  public func run<M: Model, R: UpdateRule>(
    _ model: M, optimizer: Optimizer<R>, start: ParameterVector, seed: UInt64,
    saddleValue: Double, depth: Double
  ) throws(SpecError) -> Outcome {
    guard depth > 0, depth.isFinite else {
      throw SpecError(location: "escape runner", field: "depth", "\(depth) (accepted: > 0)")
    }
    guard saddleValue.isFinite else {
      throw SpecError(
        location: "escape runner", field: "saddleValue", "\(saddleValue) (accepted: finite)")
    }
    guard start.count == model.layout.count else {
      throw SpecError(
        location: "escape runner", field: "start",
        "\(start.count) values (accepted: the model's \(model.layout.count) parameters)")
    }
    let threshold = saddleValue - depth
    var state = optimizer.makeState(parameters: start, layout: model.layout, seed: seed)
    var (escapeCost, failure) = runToBudget(
      optimizer, state: &state, model: model, seed: seed, maxSteps: stepBudget ?? Int.max,
      maxCost: costBudget ?? Int.max, escapeThreshold: threshold)
    let finalLoss = model.loss(
      at: state.parameters, on: model.batch(step: state.step, seed: seed))
    if escapeCost != nil, failure != nil || !finalLoss.isFinite || finalLoss > saddleValue {
      escapeCost = nil
    }
    return Outcome(
      escapeCost: escapeCost, counts: state.evaluations, steps: state.step,
      finalLoss: finalLoss, failure: failure)
  }

  /// Runs `optimizer` on a model that declares its saddle, from its start for `seed` (a
  /// closed-form problem: its first saddle plus the seeded ``perturbation``). `depth`
  /// overrides the model's `SaddleDeclaring/escapeDepth`.
  ///
  /// - Throws: `SpecError` if the model declares no saddle value, or neither it nor the caller
  ///   gives a depth.
  public func run<M: SaddleDeclaring, R: UpdateRule>(
    _ model: M, optimizer: Optimizer<R>, seed: UInt64, depth: Double? = nil
  ) throws(SpecError) -> Outcome {
    guard let saddleValue = model.saddleValue else {
      throw SpecError(location: "escape runner", "the model declares no saddle value")
    }
    guard let depth = depth ?? model.escapeDepth else {
      throw SpecError(
        location: "escape runner", field: "depth",
        "the model declares no escape depth; give one (δ > 0)")
    }
    return try run(
      model, optimizer: optimizer, start: start(of: model, seed: seed), seed: seed,
      saddleValue: saddleValue, depth: depth)
  }

  /// ``run(_:optimizer:seed:depth:)`` for each of `seeds` (a study's seeds are `1...n`).
  public func run<M: SaddleDeclaring, R: UpdateRule>(
    _ model: M, optimizer: Optimizer<R>, seeds: ClosedRange<UInt64>, depth: Double? = nil
  ) throws(SpecError) -> Summary {
    var outcomes: [Outcome] = []
    for seed in seeds {
      outcomes.append(try run(model, optimizer: optimizer, seed: seed, depth: depth))
    }
    return Summary(outcomes: outcomes)
  }

  /// Where a run with `seed` starts: a closed-form problem's first saddle plus the seeded
  /// perturbation, any other model's `initialParameters(seed:)`.
  public func start<M: Model>(of model: M, seed: UInt64) -> ParameterVector {
    if let closed = model as? any ClosedFormProblem, let saddle = closed.saddles.first {
      return ParameterVector(
        perturbedPoint(saddle.point, norm: perturbation, seed: seed).map { Float($0) })
    }
    return model.initialParameters(seed: seed)
  }
}
