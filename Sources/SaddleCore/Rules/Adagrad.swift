/// Adagrad (Duchi, Hazan & Singer 2011, eq. (1) with diagonal `G`), by default in the PyTorch
/// `torch.optim.Adagrad` convention: `ε` added outside the square root, no learning-rate decay
/// (use a schedule instead).
///
/// With `g` the incoming direction: `s ← s + g²`, `d ← η(t)·g / (√s + ε)`, with `s` starting
/// at `initialAccumulatorValue` (0 by default, as in PyTorch). `epsilonInsideRoot: true`
/// gives optax's form `d ← η(t)·g / √(s + ε)` (optax `adagrad` always puts ε inside; its
/// defaults are `ε = 1e-7` and an initial accumulator of `0.1`).
public struct Adagrad: ElementwiseUpdateRule {
  /// The learning rate `η`.
  public var learningRate: LearningRate
  /// `ε`, added to `√s` (or to `s` under the root, see ``epsilonInsideRoot``).
  public var epsilon: Double
  /// The starting value of every element of the accumulator `s`.
  public var initialAccumulatorValue: Double
  /// Whether `ε` is added inside the square root (optax) rather than to it (PyTorch, the
  /// default).
  public var epsilonInsideRoot: Bool

  /// Adagrad with PyTorch's defaults `η = 0.01`, `ε = 1e-10` outside the root, initial
  /// accumulator 0.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `ε > 0` and `initialAccumulatorValue ≥ 0` (both finite).
  public init(
    learningRate: LearningRate = Adagrad.Parameters.learningRate.default,
    epsilon: Double = Adagrad.Parameters.epsilon.default,
    initialAccumulatorValue: Double = Adagrad.Parameters.initialAccumulatorValue.default,
    epsilonInsideRoot: Bool = Adagrad.Parameters.epsilonInsideRoot.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "Adagrad: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(
      epsilon > 0 && epsilon.isFinite, "Adagrad: epsilon must be finite and > 0, got \(epsilon)")
    precondition(
      initialAccumulatorValue >= 0 && initialAccumulatorValue.isFinite,
      "Adagrad: initialAccumulatorValue must be finite and ≥ 0, got \(initialAccumulatorValue)")
    self.learningRate = learningRate
    self.epsilon = epsilon
    self.initialAccumulatorValue = initialAccumulatorValue
    self.epsilonInsideRoot = epsilonInsideRoot
  }

  /// The sum of squared gradients and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `s`, the running sum of `g²`.
    public var sumOfSquares: ParameterVector
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      sumOfSquares: ParameterVector(
        count: layout.count, repeating: Float(initialAccumulatorValue)))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    let e = Float(epsilon)
    return Kernel(
      s: state.sumOfSquares.unsafeMutableBaseAddress(), eta: Float(eta),
      epsilonInside: epsilonInsideRoot ? e : 0, epsilonOutside: epsilonInsideRoot ? 0 : e)
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "adagrad.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "adagrad.count": Double(state.count),
    ]
  }

  /// `s ← s + d²`, `d ← η·d / (√(s + ε_in) + ε_out)`, with one of `ε_in`, `ε_out` zero.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let s: UnsafeMutablePointer<Float>
    @usableFromInline let eta: Float
    @usableFromInline let epsilonInside: Float
    @usableFromInline let epsilonOutside: Float

    @inlinable
    init(s: UnsafeMutablePointer<Float>, eta: Float, epsilonInside: Float, epsilonOutside: Float) {
      self.s = s
      self.eta = eta
      self.epsilonInside = epsilonInside
      self.epsilonOutside = epsilonOutside
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let sv = loadLanes(s, index) + g * g
      storeLanes(sv, s, index)
      direction = eta * g / (clampedSquareRoot(sv + epsilonInside) + epsilonOutside)
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let sv = s[index] + g * g
      s[index] = sv
      let inner = sv + epsilonInside
      direction = eta * g / ((inner < 0 ? 0 : inner).squareRoot() + epsilonOutside)
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendAdagrad(self)
    }
  }
}

extension Adagrad: SchemaDeclaring {
  /// The parameters of the `adagrad` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `epsilon`: ε in the denominator.
    public static let epsilon = Parameter.number(
      "epsilon", default: 1e-10, in: .greaterThan(0), doc: "ε in the denominator")
    /// `initialAccumulatorValue`: starting value of s.
    public static let initialAccumulatorValue = Parameter.number(
      "initialAccumulatorValue", default: 0, in: .atLeast(0), doc: "starting value of s")
    /// `epsilonInsideRoot`: optax's √(s + ε) instead of PyTorch's √s + ε.
    public static let epsilonInsideRoot = Parameter.bool(
      "epsilonInsideRoot", default: false, doc: "optax's √(s + ε) instead of PyTorch's √s + ε")
  }

  /// `adagrad` in specs and `saddle list`.
  public static let schema = StageSchema(
    "adagrad", summary: "s ← s + g², d ← η·g/(√s + ε) (Duchi et al. 2011; PyTorch)",
    parameters: [
      Parameters.learningRate, Parameters.epsilon, Parameters.initialAccumulatorValue,
      Parameters.epsilonInsideRoot,
    ])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), epsilon: try p.read(Parameters.epsilon),
      initialAccumulatorValue: try p.read(Parameters.initialAccumulatorValue),
      epsilonInsideRoot: try p.read(Parameters.epsilonInsideRoot))
  }
}
