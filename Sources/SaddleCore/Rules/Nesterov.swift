/// Nesterov momentum (Nesterov 1983; Sutskever et al. 2013), in the PyTorch
/// `SGD(momentum: μ, nesterov: true)` convention without dampening.
///
/// With `g` the incoming direction: `b ← μb + g`, `d ← η(t)·(g + μb)` (the look-ahead form
/// that uses the updated buffer). The buffer starts at zero, so the first step is
/// `d = η(1 + μ)g`, as in PyTorch.
public struct Nesterov: ElementwiseUpdateRule {
  /// The learning rate `η` (constant or scheduled).
  public var learningRate: LearningRate
  /// The momentum coefficient `μ`.
  public var momentum: Double

  /// Nesterov momentum with step `learningRate` and coefficient `momentum`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`)
  ///   and `0 ≤ momentum < 1`.
  public init(learningRate: LearningRate, momentum: Double = Nesterov.Parameters.momentum.default) {
    precondition(
      learningRate.validationProblem() == nil,
      "Nesterov: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(
      momentum >= 0 && momentum < 1, "Nesterov: momentum must be in [0, 1), got \(momentum)")
    self.learningRate = learningRate
    self.momentum = momentum
  }

  /// The velocity buffer and the update count (the same as ``Momentum``'s).
  public typealias State = Momentum.State

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(velocity: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Momentum.Kernel {
    Momentum.kernel(
      learningRate: learningRate, momentum: momentum, state: &state, lookAhead: true)
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "nesterov.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "nesterov.count": Double(state.count),
    ]
  }
}

extension Nesterov: SchemaDeclaring {
  /// The parameters of the `nesterov` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `momentum`: momentum μ.
    public static let momentum = Parameter.number(
      "momentum", default: 0.9, in: .halfOpen(0, 1), doc: "momentum μ")
  }

  /// `nesterov` in specs and `saddle list`.
  public static let schema = StageSchema(
    "nesterov", summary: "b ← μb + g, d ← η(g + μb) (Nesterov 1983; PyTorch nesterov=True)",
    parameters: [Parameters.learningRate, Parameters.momentum])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), momentum: try p.read(Parameters.momentum))
  }
}
