/// Projects the minimum-curvature direction out of the step: `d ← d − α(d·N)N` (DEO's
/// "projecting the gradient onto the subspace orthogonal to the minimum curvature direction",
/// Hu, Cao & Liu 2025, arXiv 2507.19968 — quoted from its abstract, the only text at hand; the
/// paper's equations were not available, so none is cited).
///
/// Reads ``StepContext/curvature``; with a per-segment estimate it projects each segment with
/// its own `N_s` (and gate `C_s`). `when: .negative` acts only where the curvature is negative.
/// No-op without an estimate.
///
/// **Caveat (tested):** at a strict saddle the gradient's component along `N` is exactly what
/// lets gradient descent escape; removing it stops escape along `N`. On `x² − y²` it gives
/// `d = (2x, 0)`, so `y` never grows. Use it with a stage that moves along `N`, such as
/// ``NegativeCurvatureStep`` (the corrected DEO preset).
///
/// Cost: no evaluations; one dot product and one axpy per segment.
public struct ProjectOutMinimumCurvature: UpdateRule, Sendable {
  /// When the projection applies.
  public enum Condition: String, Sendable, Hashable, Codable {
    /// Every step with an estimate.
    case always
    /// Only where the estimated curvature is negative.
    case negative
  }

  /// The fraction `α` of the component removed (`α = 1` projects it out); valid range
  /// `α ∈ [0, 2]` (`α = 2` reflects it).
  public var strength: Double
  /// When the projection applies.
  public var condition: Condition

  /// `d ← d − α(d·N)N`, always or only when `C < 0`.
  public init(
    strength: Double = ProjectOutMinimumCurvature.Parameters.strength.default,
    when condition: Condition = .always
  ) {
    precondition(strength.isFinite, "ProjectOutMinimumCurvature: strength must be finite")
    self.strength = strength
    self.condition = condition
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout EmptyState
  ) {
    guard let estimate = context.curvature, estimate.direction.count == context.direction.count
    else { return }
    var projected = 0
    forEachCurvatureGroup(of: estimate, layout: context.layout) { range, curvature in
      guard condition == .always || curvature < 0 else { return }
      let c = context.direction.dot(estimate.direction, in: range)
      context.direction.add(estimate.direction, scaledBy: Float(-strength * c), in: range)
      projected += 1
    }
    context.metrics["projectOut.groups"] = Double(projected)
  }
}

/// Calls `body(range, curvature)` for the whole vector of a global estimate, or for every
/// segment of a per-segment estimate.
func forEachCurvatureGroup(
  of estimate: CurvatureEstimate, layout: ParameterLayout,
  _ body: (Range<Int>, Double) -> Void
) {
  if let curvatures = estimate.segmentCurvatures, curvatures.count == layout.segments.count {
    for (segment, c) in zip(layout.segments, curvatures) where !segment.range.isEmpty {
      body(segment.range, c)
    }
  } else if let curvatures = estimate.segmentCurvatures {
    // Empty segments were skipped by the estimator: match the non-empty ones in order.
    let ranges = layout.segments.map(\.range).filter { !$0.isEmpty }
    for (range, c) in zip(ranges, curvatures) { body(range, c) }
  } else {
    body(0..<estimate.direction.count, estimate.curvature)
  }
}

extension ProjectOutMinimumCurvature: SchemaDeclaring {
  /// The parameters of the `project-out-minimum-curvature` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `strength`: α in d ← d − α(d·N)N.
    public static let strength = Parameter.number(
      "strength", default: 1, in: .closed(0, 10), doc: "α in d ← d − α(d·N)N")
    /// `when`: project always, or only when the curvature C < 0.
    public static let when = Parameter.choice(
      "when", default: "always", from: ["always", "negative"],
      doc: "project always, or only when the curvature C < 0")
  }

  /// `project-out-minimum-curvature` in specs and `saddle list`.
  public static let schema = StageSchema(
    "project-out-minimum-curvature",
    summary: "DEO projection d ← d − α(d·N)N (alone it removes the escape direction)",
    parameters: [Parameters.strength, Parameters.when])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      strength: try p.read(Parameters.strength),
      when: try p.read(Parameters.when) == "always" ? .always : .negative)
  }
}
