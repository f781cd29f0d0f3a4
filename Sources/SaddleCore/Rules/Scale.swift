/// Multiplies the direction by a constant: `d ← s·d` (optax `scale`).
///
/// A negative factor turns descent into ascent; for a step size that changes over time use
/// ``SGD`` with a ``LearningRate`` schedule.
public struct Scale: ElementwiseUpdateRule {
  /// The factor `s`.
  public var factor: Double

  /// Scaling by `factor`.
  ///
  /// - Precondition: `factor` is finite.
  public init(factor: Double) {
    precondition(factor.isFinite, "Scale: factor must be finite, got \(factor)")
    self.factor = factor
  }

  public func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel {
    Kernel(factor: Float(factor))
  }

  /// `d ← s·d`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let factor: Float
    @inlinable init(factor: Float) { self.factor = factor }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction *= factor
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      direction *= factor
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendScale(factor)
    }
  }
}

extension Scale: SchemaDeclaring {
  /// The parameters of the `scale` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `factor`: factor s.
    public static let factor = Parameter.number(
      "factor", default: 1, doc: "factor s")
  }

  /// `scale` in specs and `saddle list`.
  public static let schema = StageSchema(
    "scale", summary: "d ← s·d (sets the step's size: counts as scaling it)", scalesStep: true,
    parameters: [Parameters.factor])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(factor: try p.read(Parameters.factor))
  }
}
