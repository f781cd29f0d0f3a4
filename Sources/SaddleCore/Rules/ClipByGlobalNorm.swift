/// Rescales the whole direction so its Euclidean norm is at most `maxNorm`, in the optax
/// `clip_by_global_norm` convention (no `ε` in the divisor; PyTorch's `clip_grad_norm_` divides
/// by `‖d‖ + 1e-6`).
///
/// `d ← d·min(1, c / ‖d‖)`, with `‖d‖` over all parameters (Pascanu, Mikolov & Bengio 2013).
/// Not elementwise: the norm is a reduction over the whole direction (accumulated in
/// `Double`), then one scaling pass. Records the norm before clipping as the metric
/// `"clip.norm"`. A non-finite norm leaves the direction unchanged, so the optimizer reports it.
public struct ClipByGlobalNorm: UpdateRule {
  /// The largest norm `c` the direction may have.
  public var maxNorm: Double

  /// Clipping to norm `maxNorm`.
  ///
  /// - Precondition: `maxNorm` is finite and `> 0`.
  public init(maxNorm: Double) {
    precondition(
      maxNorm > 0 && maxNorm.isFinite,
      "ClipByGlobalNorm: maxNorm must be finite and > 0, got \(maxNorm)")
    self.maxNorm = maxNorm
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout EmptyState
  ) {
    let norm = context.direction.norm
    context.metrics["clip.norm"] = norm
    if norm > maxNorm && norm.isFinite {
      context.direction.scale(by: Float(maxNorm / norm))
    }
  }
}
