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

extension ClipByGlobalNorm: SchemaDeclaring {
  /// The parameters of the `clip-norm` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `maxNorm`: largest norm c.
    public static let maxNorm = Parameter.number(
      "maxNorm", default: 1, in: .greaterThan(0), doc: "largest norm c")
  }

  /// `clip-norm` in specs and `saddle list`.
  public static let schema = StageSchema(
    "clip-norm", summary: "d ← d·min(1, c/‖d‖) (clip by global norm)",
    parameters: [Parameters.maxNorm])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(maxNorm: try p.read(Parameters.maxNorm))
  }
}
