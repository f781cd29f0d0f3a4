/// Clips every element of the direction to `[−limit, limit]` (optax `clip`, PyTorch
/// `clip_grad_value_`).
///
/// `dᵢ ← min(max(dᵢ, −c), c)`. NaN elements stay NaN, so the optimizer reports them instead
/// of clipping them into a finite value.
public struct ClipByValue: ElementwiseUpdateRule {
  /// The bound `c` on every element's magnitude.
  public var limit: Double

  /// Clipping to `[−limit, limit]`.
  ///
  /// - Precondition: `limit` is finite and `> 0`.
  public init(limit: Double) {
    precondition(
      limit > 0 && limit.isFinite, "ClipByValue: limit must be finite and > 0, got \(limit)")
    self.limit = limit
  }

  public func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel {
    Kernel(limit: Float(limit))
  }

  /// `d ← min(max(d, −c), c)`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let limit: Float
    @inlinable init(limit: Float) { self.limit = limit }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction.replace(with: limit, where: direction .> limit)
      direction.replace(with: -limit, where: direction .< -limit)
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      if direction > limit { direction = limit }
      if direction < -limit { direction = -limit }
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendClip(limit: limit)
    }
  }
}

extension ClipByValue: SchemaDeclaring {
  /// The parameters of the `clip-value` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `limit`: largest magnitude c per element.
    public static let limit = Parameter.number(
      "limit", default: 1, in: .greaterThan(0), doc: "largest magnitude c per element")
  }

  /// `clip-value` in specs and `saddle list`.
  public static let schema = StageSchema(
    "clip-value", summary: "d ← clamp(d, −c, c)",
    parameters: [Parameters.limit])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(limit: try p.read(Parameters.limit))
  }
}
