/// Coupled (L2-style) weight decay: `d ← d + λθ`.
///
/// Adds the gradient of `½λ‖θ‖²` to the direction, as PyTorch's `weight_decay` argument of
/// `SGD`, `Adam`, `RMSprop` and `Adagrad` does (optax `add_decayed_weights`). Placed before an
/// adaptive rule, the decay passes through its moments (L2 regularization); for the decoupled
/// form of Loshchilov & Hutter (2019) use ``AdamW`` or place this after the adaptive rule and
/// scale `λ` by the learning rate.
public struct WeightDecay: ElementwiseUpdateRule {
  /// The decay rate `λ`.
  public var rate: Double

  /// Weight decay with rate `rate`.
  ///
  /// - Precondition: `rate` is finite and `≥ 0`.
  public init(rate: Double) {
    precondition(
      rate >= 0 && rate.isFinite, "WeightDecay: rate must be finite and ≥ 0, got \(rate)")
    self.rate = rate
  }

  public func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel {
    Kernel(rate: Float(rate))
  }

  /// `d ← d + λθ`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let rate: Float
    @inlinable init(rate: Float) { self.rate = rate }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction += rate * parameters
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      direction += rate * parameter
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendWeightDecay(rate: rate)
    }
  }
}

extension WeightDecay: SchemaDeclaring {
  /// The parameters of the `weight-decay` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `rate`: L2 coefficient λ.
    public static let rate = Parameter.number(
      "rate", default: 1e-4, in: .atLeast(0), doc: "L2 coefficient λ")
  }

  /// `weight-decay` in specs and `saddle list`.
  public static let schema = StageSchema(
    "weight-decay", summary: "d ← d + λθ (coupled L2)",
    parameters: [Parameters.rate])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(rate: try p.read(Parameters.rate))
  }
}
