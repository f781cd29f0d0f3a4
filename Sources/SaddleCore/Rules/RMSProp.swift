/// RMSProp (Tieleman & Hinton 2012, Coursera lecture 6.5), in the PyTorch
/// `torch.optim.RMSprop` default convention: not centered, no momentum, no bias correction,
/// and `ε` added outside the square root.
///
/// With `g` the incoming direction: `v ← αv + (1 − α)g²`, `d ← η(t)·g / (√v + ε)`, with `v`
/// starting at zero. (optax `rmsprop` differs: it puts `ε` inside the square root.)
public struct RMSProp: ElementwiseUpdateRule {
  /// The learning rate `η`.
  public var learningRate: LearningRate
  /// The smoothing constant `α` of the squared-gradient average.
  public var alpha: Double
  /// `ε`, added to `√v`.
  public var epsilon: Double

  /// RMSProp with PyTorch's defaults `η = 0.01`, `α = 0.99`, `ε = 1e-8`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `0 ≤ α < 1` and `ε ≥ 0` (finite).
  public init(learningRate: LearningRate = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8) {
    precondition(
      learningRate.validationProblem() == nil,
      "RMSProp: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(alpha >= 0 && alpha < 1, "RMSProp: alpha must be in [0, 1), got \(alpha)")
    precondition(
      epsilon >= 0 && epsilon.isFinite, "RMSProp: epsilon must be finite and ≥ 0, got \(epsilon)")
    self.learningRate = learningRate
    self.alpha = alpha
    self.epsilon = epsilon
  }

  /// The squared-gradient average and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `v`, the running average of `g²`.
    public var squareAverage: ParameterVector
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(squareAverage: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    return Kernel(
      v: state.squareAverage.unsafeMutableBaseAddress(), eta: Float(eta), alpha: Float(alpha),
      // 1 − α in Double: Float(0.99) is off by 1e-8, which would be 1e-6 of 1 − α.
      oneMinusAlpha: Float(1 - alpha), epsilon: Float(epsilon))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "rmsprop.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "rmsprop.count": Double(state.count),
    ]
  }

  /// `v ← αv + (1 − α)d²`, `d ← η·d / (√v + ε)`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let v: UnsafeMutablePointer<Float>
    @usableFromInline let eta: Float
    @usableFromInline let alpha: Float
    @usableFromInline let oneMinusAlpha: Float
    @usableFromInline let epsilon: Float

    @inlinable
    init(
      v: UnsafeMutablePointer<Float>, eta: Float, alpha: Float, oneMinusAlpha: Float,
      epsilon: Float
    ) {
      self.v = v
      self.eta = eta
      self.alpha = alpha
      self.oneMinusAlpha = oneMinusAlpha
      self.epsilon = epsilon
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let vv = alpha * loadLanes(v, index) + oneMinusAlpha * (g * g)
      storeLanes(vv, v, index)
      direction = eta * g / (clampedSquareRoot(vv) + epsilon)
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let vv = alpha * v[index] + oneMinusAlpha * (g * g)
      v[index] = vv
      direction = eta * g / ((vv < 0 ? 0 : vv).squareRoot() + epsilon)
    }
  }
}
