/// The DEO reference code's dimer update (Hu, Cao & Liu 2025, "DimerTrainer"): if `g·N < 0`
/// then `θ ← θ + s(g·N)N`, moving the parameters directly, before the base rule's step on the
/// raw gradient.
///
/// Properties (documented in `reference/deo-and-dimer.md`): to first order it *raises* the
/// loss — `ΔL ≈ g·(s(g·N)N) = s(g·N)² > 0` — and its gate depends on the arbitrary sign of
/// `N`. It is here to reproduce the reference ("faithful" mode) with correct gradients; the
/// corrected form is ``ProjectOutMinimumCurvature`` + ``NegativeCurvatureStep``. Per-segment
/// estimates apply it per segment, as the reference does per tensor. Cost: no evaluations.
public struct DimerReferenceStep: UpdateRule, Sendable {
  /// The dimer strength `s ≥ 0` (0.1 in the reference class, 5.0 in its script).
  public var strength: Double

  /// The reference update with strength `s ≥ 0`.
  public init(strength: Double = DimerReferenceStep.Parameters.strength.default) {
    precondition(strength >= 0 && strength.isFinite, "DimerReferenceStep: strength ≥ 0")
    self.strength = strength
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout EmptyState
  ) {
    guard let estimate = context.curvature, estimate.direction.count == context.direction.count
    else { return }
    var moved = 0
    forEachCurvatureGroup(of: estimate, layout: context.layout) { range, _ in
      let gn = context.gradient.dot(estimate.direction, in: range)
      guard gn < 0 else { return }
      // The move writes θ directly: refuse one that would make a parameter non-finite.
      let scale = Float(strength * gn)
      let p = context.parameters
      guard range.allSatisfy({ (p[$0] + scale * estimate.direction[$0]).isFinite }) else {
        context.reportNonFinite(.update, stage: "dimer-reference-step")
        return
      }
      context.parameters.add(estimate.direction, scaledBy: scale, in: range)
      moved += 1
    }
    context.metrics["dimerReferenceStep.moved"] = Double(moved)
  }
}

extension DimerReferenceStep: SchemaDeclaring {
  /// The parameters of the `dimer-reference-step` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `strength`: s in θ ← θ + s(g·N)N.
    public static let strength = Parameter.number(
      "strength", default: 0.1, in: .atLeast(0), doc: "s in θ ← θ + s(g·N)N")
  }

  /// `dimer-reference-step` in specs and `saddle list`.
  public static let schema = StageSchema(
    "dimer-reference-step",
    summary: "DEO reference code: θ ← θ + s(g·N)N when g·N < 0 (raises the loss to first order)",
    parameters: [Parameters.strength])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(strength: try p.read(Parameters.strength))
  }
}
