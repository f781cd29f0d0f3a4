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
  }
}
