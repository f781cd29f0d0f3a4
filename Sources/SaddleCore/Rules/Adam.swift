import Foundation
import _SaddleKernels

/// Adam (Kingma & Ba 2015), with PyTorch/optax conventions: bias-corrected moments and `ε`
/// added outside the square root.
///
/// With `g` the incoming direction and `t` counting updates from 1:
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
/// `d ← η(t)·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)`.
public struct Adam: ElementwiseUpdateRule {
  /// The learning rate `η`.
  public var learningRate: LearningRate
  /// First-moment decay `β₁`.
  public var beta1: Double
  /// Second-moment decay `β₂`.
  public var beta2: Double
  /// `ε`, added to `√v̂`.
  public var epsilon: Double

  /// Adam with the usual defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `0 ≤ β₁, β₂ < 1` and `ε > 0` (finite).
  public init(
    learningRate: LearningRate = Adam.Parameters.learningRate.default,
    beta1: Double = Adam.Parameters.beta1.default, beta2: Double = Adam.Parameters.beta2.default,
    epsilon: Double = Adam.Parameters.epsilon.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "Adam: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(beta1 >= 0 && beta1 < 1, "Adam: beta1 must be in [0, 1), got \(beta1)")
    precondition(beta2 >= 0 && beta2 < 1, "Adam: beta2 must be in [0, 1), got \(beta2)")
    precondition(
      epsilon > 0 && epsilon.isFinite, "Adam: epsilon must be finite and > 0, got \(epsilon)")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// First and second moments and the update count.
  public struct State: Codable, Sendable, Equatable {
    /// `m`, the first-moment estimate.
    public var firstMoment: ParameterVector
    /// `v`, the second-moment estimate.
    public var secondMoment: ParameterVector
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      firstMoment: ParameterVector(count: layout.count),
      secondMoment: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    Self.kernel(
      learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, state: &state
    ).kernel
  }

  /// This step's Adam kernel and learning rate `η(t)` (shared with ``AdamW``).
  static func kernel(
    learningRate: LearningRate, beta1: Double, beta2: Double, epsilon: Double,
    state: inout State
  ) -> (kernel: Kernel, eta: Double) {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    let t = Double(state.count)
    let kernel = Kernel(
      m: state.firstMoment.unsafeMutableBaseAddress(),
      v: state.secondMoment.unsafeMutableBaseAddress(),
      beta1: Float(beta1), beta2: Float(beta2),
      // 1 − β in Double: Float(0.999) is off by 1.3e-8, which would be 1.3e-5 of 1 − β₂.
      oneMinusBeta1: Float(1 - beta1), oneMinusBeta2: Float(1 - beta2),
      stepSize: Float(eta / (1 - pow(beta1, t))),
      secondCorrection: Float(1 / (1 - pow(beta2, t))), epsilon: Float(epsilon))
    return (kernel, eta)
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "adam.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "adam.count": Double(state.count),
    ]
  }

  /// One Adam update of the moments and the direction.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let m: UnsafeMutablePointer<Float>
    @usableFromInline let v: UnsafeMutablePointer<Float>
    @usableFromInline let beta1: Float
    @usableFromInline let beta2: Float
    @usableFromInline let oneMinusBeta1: Float
    @usableFromInline let oneMinusBeta2: Float
    @usableFromInline let stepSize: Float
    @usableFromInline let secondCorrection: Float
    @usableFromInline let epsilon: Float

    @inlinable
    init(
      m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, beta1: Float, beta2: Float,
      oneMinusBeta1: Float, oneMinusBeta2: Float, stepSize: Float, secondCorrection: Float,
      epsilon: Float
    ) {
      self.m = m
      self.v = v
      self.beta1 = beta1
      self.beta2 = beta2
      self.oneMinusBeta1 = oneMinusBeta1
      self.oneMinusBeta2 = oneMinusBeta2
      self.stepSize = stepSize
      self.secondCorrection = secondCorrection
      self.epsilon = epsilon
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let g = direction
      let mv = beta1 * loadLanes(m, index) + oneMinusBeta1 * g
      let vv = beta2 * loadLanes(v, index) + oneMinusBeta2 * (g * g)
      storeLanes(mv, m, index)
      storeLanes(vv, v, index)
      direction = stepSize * mv / (clampedSquareRoot(vv * secondCorrection) + epsilon)
    }

    /// Adam's operation of the C block program (alone and ending in the update, it runs
    /// as a dedicated fused C loop).
    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendAdam(self)
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let g = direction
      let mv = beta1 * m[index] + oneMinusBeta1 * g
      let vv = beta2 * v[index] + oneMinusBeta2 * (g * g)
      m[index] = mv
      v[index] = vv
      let r = vv * secondCorrection
      direction = stepSize * mv / ((r < 0 ? 0 : r).squareRoot() + epsilon)
    }
  }
}

extension Adam: SchemaDeclaring {
  /// The parameters of the `adam` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-3)
    /// `beta1`: first-moment decay β₁.
    public static let beta1 = Parameter.number(
      "beta1", default: 0.9, in: .halfOpen(0, 1), doc: "first-moment decay β₁")
    /// `beta2`: second-moment decay β₂.
    public static let beta2 = Parameter.number(
      "beta2", default: 0.999, in: .halfOpen(0, 1), doc: "second-moment decay β₂")
    /// `epsilon`: ε added to √v̂.
    public static let epsilon = Parameter.number(
      "epsilon", default: 1e-8, in: .greaterThan(0), doc: "ε added to √v̂")
  }

  /// `adam` in specs and `saddle list`.
  public static let schema = StageSchema(
    "adam", summary: "bias-corrected moments, d ← η·m̂/(√v̂ + ε) (Kingma & Ba 2015; PyTorch/optax)",
    parameters: [Parameters.learningRate, Parameters.beta1, Parameters.beta2, Parameters.epsilon])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), beta1: try p.read(Parameters.beta1),
      beta2: try p.read(Parameters.beta2), epsilon: try p.read(Parameters.epsilon))
  }
}
