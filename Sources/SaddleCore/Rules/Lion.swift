/// Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization
/// Algorithms"), with decoupled weight decay scaled by the learning rate as in the paper's
/// Algorithm 2 (and the `lion-pytorch` / optax `lion` implementations).
///
/// With `g` the incoming direction and `θ` the parameters:
/// `c = β₁m + (1 − β₁)g`, `d ← η(t)·(sign(c) + λθ)`, then `m ← β₂m + (1 − β₂)g`.
/// `sign(0) = 0`; a NaN in `c` stays NaN so the optimizer reports it.
public struct Lion: ElementwiseUpdateRule {
  /// The learning rate `η` (typically 3–10× smaller than Adam's).
  public var learningRate: LearningRate
  /// The interpolation factor `β₁` of the update direction.
  public var beta1: Double
  /// The decay `β₂` of the momentum.
  public var beta2: Double
  /// The decoupled weight-decay rate `λ` (multiplied by `η`).
  public var weightDecay: Double

  /// Lion with the paper's defaults `η = 1e-4`, `β₁ = 0.9`, `β₂ = 0.99`, `λ = 0`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `0 ≤ β₁, β₂ < 1` and `λ ≥ 0` (finite).
  public init(
    learningRate: LearningRate = Lion.Parameters.learningRate.default,
    beta1: Double = Lion.Parameters.beta1.default, beta2: Double = Lion.Parameters.beta2.default,
    weightDecay: Double = Lion.Parameters.weightDecay.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "Lion: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(beta1 >= 0 && beta1 < 1, "Lion: beta1 must be in [0, 1), got \(beta1)")
    precondition(beta2 >= 0 && beta2 < 1, "Lion: beta2 must be in [0, 1), got \(beta2)")
    precondition(
      weightDecay >= 0 && weightDecay.isFinite,
      "Lion: weightDecay must be finite and ≥ 0, got \(weightDecay)")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.weightDecay = weightDecay
  }

  /// The momentum and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `m`, the momentum (an exponential average of `g` with decay `β₂`).
    public var momentum: ParameterVector
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(momentum: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    return Kernel(
      m: state.momentum.unsafeMutableBaseAddress(), eta: Float(eta), beta1: Float(beta1),
      beta2: Float(beta2),
      // 1 − β in Double: Float(0.99) is off by 1e-8, which would be 1e-6 of 1 − β₂.
      oneMinusBeta1: Float(1 - beta1), oneMinusBeta2: Float(1 - beta2),
      decay: Float(eta * weightDecay))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "lion.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "lion.count": Double(state.count),
    ]
  }

  /// `c = β₁m + (1 − β₁)d`, `m ← β₂m + (1 − β₂)d`, `d ← η·sign(c) + ηλ·θ`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let m: UnsafeMutablePointer<Float>
    @usableFromInline let eta: Float
    @usableFromInline let beta1: Float
    @usableFromInline let beta2: Float
    @usableFromInline let oneMinusBeta1: Float
    @usableFromInline let oneMinusBeta2: Float
    /// `η·λ`.
    @usableFromInline let decay: Float

    @inlinable
    init(
      m: UnsafeMutablePointer<Float>, eta: Float, beta1: Float, beta2: Float,
      oneMinusBeta1: Float, oneMinusBeta2: Float, decay: Float
    ) {
      self.m = m
      self.eta = eta
      self.beta1 = beta1
      self.beta2 = beta2
      self.oneMinusBeta1 = oneMinusBeta1
      self.oneMinusBeta2 = oneMinusBeta2
      self.decay = decay
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let mOld = loadLanes(m, index)
      let c = beta1 * mOld + oneMinusBeta1 * g
      storeLanes(beta2 * mOld + oneMinusBeta2 * g, m, index)
      // c·0 is ±0 for finite c and NaN for NaN (or ±∞, which the next lines overwrite).
      var sign = c * 0
      sign.replace(with: 1, where: c .> 0)
      sign.replace(with: -1, where: c .< 0)
      direction = eta * sign + decay * parameters
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let mOld = m[index]
      let c = beta1 * mOld + oneMinusBeta1 * g
      m[index] = beta2 * mOld + oneMinusBeta2 * g
      let sign: Float = c > 0 ? 1 : c < 0 ? -1 : c * 0
      direction = eta * sign + decay * parameter
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendLion(self)
    }
  }
}

extension Lion: SchemaDeclaring {
  /// The parameters of the `lion` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-4)
    /// `beta1`: interpolation β₁ for the sign.
    public static let beta1 = Parameter.number(
      "beta1", default: 0.9, in: .halfOpen(0, 1), doc: "interpolation β₁ for the sign")
    /// `beta2`: momentum decay β₂.
    public static let beta2 = Parameter.number(
      "beta2", default: 0.99, in: .halfOpen(0, 1), doc: "momentum decay β₂")
    /// `weightDecay`: decoupled weight decay λ.
    public static let weightDecay = Parameter.number(
      "weightDecay", default: 0, in: .atLeast(0), doc: "decoupled weight decay λ")
  }

  /// `lion` in specs and `saddle list`.
  public static let schema = StageSchema(
    "lion", summary: "d ← η(sign(β₁m + (1−β₁)g) + λθ) (Chen et al. 2023)",
    parameters: [
      Parameters.learningRate, Parameters.beta1, Parameters.beta2, Parameters.weightDecay,
    ])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), beta1: try p.read(Parameters.beta1),
      beta2: try p.read(Parameters.beta2), weightDecay: try p.read(Parameters.weightDecay))
  }
}
