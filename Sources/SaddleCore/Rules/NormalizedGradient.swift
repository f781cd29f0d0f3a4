/// Normalized gradient descent: `d ← η(t)·d/(‖d‖ + ε)`, a step of length `η` (with `ε = 0`)
/// whatever the size of the direction, so the iterates cross the flat region around a saddle at
/// constant speed where plain gradient descent slows down with `‖∇L‖` (Levy 2016, "The Power of
/// Normalization: Faster Evasion of Saddle Points", Algorithm 1; Murray, Swenson & Kar 2019,
/// "Revisiting Normalized Gradient Descent: Fast Evasion of Saddle Points", eq. 2).
///
/// `‖d‖` is the Euclidean norm over all parameters, accumulated in `Double`; a zero direction
/// (with `ε = 0`) stays zero and a non-finite norm leaves the direction unchanged, so the
/// optimizer reports it. Records the norm before scaling as the metric `"normalized.norm"`.
/// Not elementwise (a reduction, then one scaling pass). Cost: no evaluations.
public struct NormalizedGradient: UpdateRule {
  /// The step length `η` (constant or scheduled).
  public var learningRate: LearningRate
  /// `ε ≥ 0` added to the norm (0: exact normalization).
  public var epsilon: Double

  /// Normalized gradient descent with step length `learningRate`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`)
  ///   and `ε ≥ 0` (finite).
  public init(
    learningRate: LearningRate = NormalizedGradient.Parameters.learningRate.default,
    epsilon: Double = NormalizedGradient.Parameters.epsilon.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "NormalizedGradient: invalid learning rate \(learningRate) "
        + "(\(learningRate.validationProblem() ?? ""))")
    precondition(
      epsilon >= 0 && epsilon.isFinite,
      "NormalizedGradient: epsilon must be finite and ≥ 0, got \(epsilon)")
    self.learningRate = learningRate
    self.epsilon = epsilon
  }

  /// The number of updates made (drives the schedule).
  public struct State: Codable, Sendable, Equatable {
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout State
  ) {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    let norm = context.direction.norm
    context.metrics["normalized.norm"] = norm
    let divisor = norm + epsilon
    guard divisor > 0, divisor.isFinite else { return }
    context.direction.scale(by: Float(eta / divisor))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "normalized.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "normalized.count": Double(state.count),
    ]
  }
}

extension NormalizedGradient: SchemaDeclaring {
  /// The parameters of the `normalized-gd` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: the step length `η`.
    public static let learningRate = Parameter.learningRate(
      default: 1e-2, doc: "step length η: a number ≥ 0 or a schedule object")
    /// `epsilon`: added to the norm.
    public static let epsilon = Parameter.number(
      "epsilon", default: 0, in: .atLeast(0), doc: "ε in d/(‖d‖ + ε); 0: exact normalization")
  }

  /// `normalized-gd` in specs and `saddle list`.
  public static let schema = StageSchema(
    "normalized-gd",
    summary:
      "d ← η·d/(‖d‖ + ε): steps of length η, fast past saddles (Levy 2016; Murray et al. 2019)",
    parameters: [Parameters.learningRate, Parameters.epsilon])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), epsilon: try p.read(Parameters.epsilon))
  }
}
