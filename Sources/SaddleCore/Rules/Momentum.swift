/// Heavy-ball momentum (Polyak 1964), in the PyTorch `SGD(momentum: μ)` convention without
/// dampening.
///
/// With `g` the incoming direction: `b ← μb + g`, `d ← η(t)·b`. The buffer starts at zero, so
/// the first step is `b = g` exactly as PyTorch initializes it. Combined with the optimizer's
/// `θ ← θ − d` this is PyTorch's `torch.optim.SGD(lr=η, momentum=μ)`.
public struct Momentum: ElementwiseUpdateRule {
  /// The learning rate `η` (constant or scheduled).
  public var learningRate: LearningRate
  /// The momentum coefficient `μ`.
  public var momentum: Double

  /// Heavy-ball momentum with step `learningRate` and coefficient `momentum`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`)
  ///   and `0 ≤ momentum < 1`.
  public init(learningRate: LearningRate, momentum: Double = Momentum.Parameters.momentum.default) {
    precondition(
      learningRate.validationProblem() == nil,
      "Momentum: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(
      momentum >= 0 && momentum < 1, "Momentum: momentum must be in [0, 1), got \(momentum)")
    self.learningRate = learningRate
    self.momentum = momentum
  }

  /// The velocity buffer and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `b`, the momentum buffer.
    public var velocity: ParameterVector
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(velocity: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    Self.kernel(learningRate: learningRate, momentum: momentum, state: &state, lookAhead: false)
  }

  /// This step's kernel for heavy-ball (`lookAhead` false) or Nesterov momentum.
  static func kernel(
    learningRate: LearningRate, momentum: Double, state: inout State, lookAhead: Bool
  ) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    return Kernel(
      b: state.velocity.unsafeMutableBaseAddress(), eta: Float(eta), mu: Float(momentum),
      lookAhead: lookAhead)
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "momentum.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "momentum.count": Double(state.count),
    ]
  }

  /// `b ← μb + d`, then `d ← η·b` (heavy ball) or `d ← η(d + μb)` (Nesterov's look-ahead).
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let b: UnsafeMutablePointer<Float>
    @usableFromInline let eta: Float
    @usableFromInline let mu: Float
    @usableFromInline let lookAhead: Bool

    @inlinable
    init(b: UnsafeMutablePointer<Float>, eta: Float, mu: Float, lookAhead: Bool) {
      self.b = b
      self.eta = eta
      self.mu = mu
      self.lookAhead = lookAhead
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let bv = mu * loadLanes(b, index) + g
      storeLanes(bv, b, index)
      direction = lookAhead ? eta * (g + mu * bv) : eta * bv
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let bv = mu * b[index] + g
      b[index] = bv
      direction = lookAhead ? eta * (g + mu * bv) : eta * bv
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendMomentum(self)
    }
  }
}

extension Momentum: SchemaDeclaring {
  /// The parameters of the `momentum` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `momentum`: momentum μ.
    public static let momentum = Parameter.number(
      "momentum", default: 0.9, in: .halfOpen(0, 1), doc: "momentum μ")
  }

  /// `momentum` in specs and `saddle list`.
  public static let schema = StageSchema(
    "momentum", summary: "heavy ball: b ← μb + g, d ← η·b (Polyak 1964; PyTorch)",
    parameters: [Parameters.learningRate, Parameters.momentum])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), momentum: try p.read(Parameters.momentum))
  }
}
