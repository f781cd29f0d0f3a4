import Foundation

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), in the PyTorch
/// `torch.optim.AdamW` convention: bias-corrected moments, `ε` added outside the square root,
/// and the decay scaled by the learning rate (`θ ← θ − ηλθ − η·adam`).
///
/// With `g` the incoming direction, `θ` the parameters and `t` counting updates from 1:
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
/// `d ← η(t)·[(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) + λθ]`.
/// The decay acts on `θ`, not on the gradient, so it never enters the moments (unlike
/// ``WeightDecay`` placed before ``Adam``, which is L2 regularization).
public struct AdamW: ElementwiseUpdateRule {
  /// The learning rate `η`.
  public var learningRate: LearningRate
  /// First-moment decay `β₁`.
  public var beta1: Double
  /// Second-moment decay `β₂`.
  public var beta2: Double
  /// `ε`, added to `√v̂`.
  public var epsilon: Double
  /// The decoupled weight-decay rate `λ` (multiplied by `η`).
  public var weightDecay: Double

  /// AdamW with PyTorch's defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`, `λ = 0.01`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`),
  ///   `0 ≤ β₁, β₂ < 1`, `ε > 0` and `λ ≥ 0` (all finite).
  public init(
    learningRate: LearningRate = AdamW.Parameters.learningRate.default,
    beta1: Double = AdamW.Parameters.beta1.default, beta2: Double = AdamW.Parameters.beta2.default,
    epsilon: Double = AdamW.Parameters.epsilon.default,
    weightDecay: Double = AdamW.Parameters.weightDecay.default
  ) {
    precondition(
      learningRate.validationProblem() == nil,
      "AdamW: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    precondition(beta1 >= 0 && beta1 < 1, "AdamW: beta1 must be in [0, 1), got \(beta1)")
    precondition(beta2 >= 0 && beta2 < 1, "AdamW: beta2 must be in [0, 1), got \(beta2)")
    precondition(
      epsilon > 0 && epsilon.isFinite, "AdamW: epsilon must be finite and > 0, got \(epsilon)")
    precondition(
      weightDecay >= 0 && weightDecay.isFinite,
      "AdamW: weightDecay must be finite and ≥ 0, got \(weightDecay)")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// First and second moments and the update count (the same as ``Adam``'s).
  public typealias State = Adam.State

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      firstMoment: ParameterVector(count: layout.count),
      secondMoment: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let (adam, eta) = Adam.kernel(
      learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, state: &state)
    return Kernel(adam: adam, decay: Float(eta * weightDecay))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "adamw.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "adamw.count": Double(state.count),
    ]
  }

  /// One AdamW update: Adam's, plus the decoupled decay `η·λ·θ`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let adam: Adam.Kernel
    /// `η·λ`.
    @usableFromInline let decay: Float

    @inlinable
    init(adam: Adam.Kernel, decay: Float) {
      self.adam = adam
      self.decay = decay
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      adam.apply(&direction, parameters: parameters, at: index)
      direction += decay * parameters
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      adam.apply(&direction, parameter: parameter, at: index)
      direction += decay * parameter
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendAdam(adam) && program.appendWeightDecay(rate: decay)
    }
  }
}

extension AdamW: SchemaDeclaring {
  /// The parameters of the `adamw` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-3)
    /// `beta1`: first-moment decay β₁ (Adam's declaration).
    public static let beta1 = Adam.Parameters.beta1
    /// `beta2`: second-moment decay β₂ (Adam's declaration).
    public static let beta2 = Adam.Parameters.beta2
    /// `epsilon`: ε added to √v̂ (Adam's declaration).
    public static let epsilon = Adam.Parameters.epsilon
    /// `weightDecay`: decoupled weight decay λ.
    public static let weightDecay = Parameter.number(
      "weightDecay", default: 1e-2, in: .atLeast(0), doc: "decoupled weight decay λ")
  }

  /// `adamw` in specs and `saddle list`.
  public static let schema = StageSchema(
    "adamw",
    summary: "Adam with decoupled weight decay, d ← η(adam + λθ) (Loshchilov & Hutter 2019)",
    parameters: [
      Parameters.learningRate, Parameters.beta1, Parameters.beta2, Parameters.epsilon,
      Parameters.weightDecay,
    ])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate), beta1: try p.read(Parameters.beta1),
      beta2: try p.read(Parameters.beta2), epsilon: try p.read(Parameters.epsilon),
      weightDecay: try p.read(Parameters.weightDecay))
  }
}
