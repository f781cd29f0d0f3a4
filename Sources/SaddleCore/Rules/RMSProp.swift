/// RMSProp (Tieleman & Hinton 2012, Coursera lecture 6.5), by default in the PyTorch
/// `torch.optim.RMSprop` convention: not centered, no momentum, no bias correction, and `ε`
/// added outside the square root.
///
/// With `g` the incoming direction: `v ← αv + (1 − α)g²`, `d ← η(t)·g / (√v + ε)`, with `v`
/// starting at zero. `epsilonInsideRoot: true` gives optax's `rmsprop` form (its default,
/// `eps_in_sqrt=True`): `d ← η(t)·g / √(v + ε)`. `centered: true` (Graves 2013, eq. 38–40;
/// PyTorch and optax `centered=True`) also keeps `m ← αm + (1 − α)g` and divides by the
/// estimated standard deviation: `√(v − m²) + ε`, or `√(v − m² + ε)` with ε inside.
/// (optax's default decay is `α = 0.9`, PyTorch's `0.99`.)
public struct RMSProp: ElementwiseUpdateRule {
  /// The learning rate `η`.
  public var learningRate: LearningRate
  /// The smoothing constant `α` of the squared-gradient average.
  public var alpha: Double
  /// `ε`, added to `√v` (or to `v` under the root, see ``epsilonInsideRoot``).
  public var epsilon: Double
  /// Whether `ε` is added inside the square root (optax, `eps_in_sqrt=True`) rather than to
  /// it (PyTorch, the default).
  public var epsilonInsideRoot: Bool
  /// Whether to divide by the centered second moment `v − m²` (an estimate of the variance).
  public var centered: Bool

  /// RMSProp with PyTorch's defaults `η = 0.01`, `α = 0.99`, `ε = 1e-8` outside the root,
  /// not centered.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `0 ≤ α < 1` and `ε > 0` (finite).
  public init(
    learningRate: LearningRate = RMSProp.Parameters.learningRate.default,
    alpha: Double = RMSProp.Parameters.alpha.default,
    epsilon: Double = RMSProp.Parameters.epsilon.default,
    epsilonInsideRoot: Bool = RMSProp.Parameters.epsilonInsideRoot.default,
    centered: Bool = RMSProp.Parameters.centered.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "RMSProp: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(alpha >= 0 && alpha < 1, "RMSProp: alpha must be in [0, 1), got \(alpha)")
    precondition(
      epsilon > 0 && epsilon.isFinite, "RMSProp: epsilon must be finite and > 0, got \(epsilon)")
    self.learningRate = learningRate
    self.alpha = alpha
    self.epsilon = epsilon
    self.epsilonInsideRoot = epsilonInsideRoot
    self.centered = centered
  }

  /// The squared-gradient average, the gradient average when centered, and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `v`, the running average of `g²`.
    public var squareAverage: ParameterVector
    /// Updates made so far.
    public var count = 0
    /// `m`, the running average of `g` (only when ``RMSProp/centered``).
    public var gradientAverage: ParameterVector?
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      squareAverage: ParameterVector(count: layout.count),
      gradientAverage: centered ? ParameterVector(count: layout.count) : nil)
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    if centered && state.gradientAverage == nil {
      state.gradientAverage = ParameterVector(count: state.squareAverage.count)
    }
    let e = Float(epsilon)
    return Kernel(
      v: state.squareAverage.unsafeMutableBaseAddress(),
      m: centered ? state.gradientAverage!.unsafeMutableBaseAddress() : nil, eta: Float(eta),
      alpha: Float(alpha),
      // 1 − α in Double: Float(0.99) is off by 1e-8, which would be 1e-6 of 1 − α.
      oneMinusAlpha: Float(1 - alpha), epsilonInside: epsilonInsideRoot ? e : 0,
      epsilonOutside: epsilonInsideRoot ? 0 : e)
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "rmsprop.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "rmsprop.count": Double(state.count),
    ]
  }

  /// `v ← αv + (1 − α)d²` (and `m ← αm + (1 − α)d` when centered),
  /// `d ← η·d / (√(v − m² + ε_in) + ε_out)` with `m = 0` when not centered and one of
  /// `ε_in`, `ε_out` zero.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let v: UnsafeMutablePointer<Float>
    @usableFromInline let m: UnsafeMutablePointer<Float>?
    @usableFromInline let eta: Float
    @usableFromInline let alpha: Float
    @usableFromInline let oneMinusAlpha: Float
    @usableFromInline let epsilonInside: Float
    @usableFromInline let epsilonOutside: Float

    @inlinable
    init(
      v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>?, eta: Float, alpha: Float,
      oneMinusAlpha: Float, epsilonInside: Float, epsilonOutside: Float
    ) {
      self.v = v
      self.m = m
      self.eta = eta
      self.alpha = alpha
      self.oneMinusAlpha = oneMinusAlpha
      self.epsilonInside = epsilonInside
      self.epsilonOutside = epsilonOutside
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let vv = alpha * loadLanes(v, index) + oneMinusAlpha * (g * g)
      storeLanes(vv, v, index)
      var variance = vv
      if let m {
        let mm = alpha * loadLanes(m, index) + oneMinusAlpha * g
        storeLanes(mm, m, index)
        variance = vv - mm * mm
      }
      direction = eta * g / (clampedSquareRoot(variance + epsilonInside) + epsilonOutside)
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let vv = alpha * v[index] + oneMinusAlpha * (g * g)
      v[index] = vv
      var variance = vv
      if let m {
        let mm = alpha * m[index] + oneMinusAlpha * g
        m[index] = mm
        variance = vv - mm * mm
      }
      let inner = variance + epsilonInside
      direction = eta * g / ((inner < 0 ? 0 : inner).squareRoot() + epsilonOutside)
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendRMSProp(self)
    }
  }
}

extension RMSProp: SchemaDeclaring {
  /// The parameters of the `rmsprop` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `alpha`: squared-gradient decay α.
    public static let alpha = Parameter.number(
      "alpha", default: 0.99, in: .halfOpen(0, 1), doc: "squared-gradient decay α")
    /// `epsilon`: ε in the denominator.
    public static let epsilon = Parameter.number(
      "epsilon", default: 1e-8, in: .greaterThan(0), doc: "ε in the denominator")
    /// `epsilonInsideRoot`: optax's √(v + ε) instead of PyTorch's √v + ε.
    public static let epsilonInsideRoot = Parameter.bool(
      "epsilonInsideRoot", default: false, doc: "optax's √(v + ε) instead of PyTorch's √v + ε")
    /// `centered`: divide by √(v − ḡ²): centered RMSProp.
    public static let centered = Parameter.bool(
      "centered", default: false, doc: "divide by √(v − ḡ²): centered RMSProp")
  }

  /// `rmsprop` in specs and `saddle list`.
  public static let schema = StageSchema(
    "rmsprop", summary: "v ← αv + (1−α)g², d ← η·g/(√v + ε) (Hinton 2012; PyTorch)",
    parameters: [
      Parameters.learningRate, Parameters.alpha, Parameters.epsilon, Parameters.epsilonInsideRoot,
      Parameters.centered,
    ])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), alpha: try p.read(Parameters.alpha),
      epsilon: try p.read(Parameters.epsilon),
      epsilonInsideRoot: try p.read(Parameters.epsilonInsideRoot),
      centered: try p.read(Parameters.centered))
  }
}
