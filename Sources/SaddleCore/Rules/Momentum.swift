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
  public init(learningRate: LearningRate, momentum: Double = 0.9) {
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

  public func makeState(for layout: ParameterLayout) -> State {
    State(velocity: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    return Kernel(
      b: state.velocity.unsafeMutableBaseAddress(), eta: Float(eta), mu: Float(momentum))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "momentum.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "momentum.count": Double(state.count),
    ]
  }

  /// `b ← μb + d`, `d ← η·b`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let b: UnsafeMutablePointer<Float>
    @usableFromInline let eta: Float
    @usableFromInline let mu: Float

    @inlinable
    init(b: UnsafeMutablePointer<Float>, eta: Float, mu: Float) {
      self.b = b
      self.eta = eta
      self.mu = mu
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let bv = mu * loadLanes(b, index) + direction
      storeLanes(bv, b, index)
      direction = eta * bv
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let bv = mu * b[index] + direction
      b[index] = bv
      direction = eta * bv
    }
  }
}
