/// A step along the negative-curvature direction: when `C < −ε`,
/// `d ← d + s·sign(g·N)·N`, so the parameters move by `−s·sign(g·N)·N` — downhill along `N`
/// to first order (`ΔL ≈ −s|g·N| − ½s²|C|`).
///
/// The classic escape step of negative-curvature descent (NEON, Xu et al. 2018; Neon2,
/// Allen-Zhu & Li 2018; Curtis & Robinson 2019). `g` is the step's raw gradient; the sign of `N`
/// does not matter. At `g·N = 0` (an exact saddle) the sign is drawn from
/// ``StepContext/random`` (seeded). Size `.fixed(s)` or `.proportional(scale)` with
/// `s = scale·|C|` (e.g. `scale = 1/L` for an `L`-Lipschitz Hessian, as in negative-curvature
/// descent). Per-segment estimates step each segment with its own `N_s`, `C_s`.
///
/// Place it after the base rule so Adam-style normalization does not rescale the move.
/// Cost: no evaluations.
public struct NegativeCurvatureStep: UpdateRule, Sendable {
  /// How far to move along `N`.
  public enum Size: Sendable, Hashable, Codable {
    /// A fixed distance `s ≥ 0`.
    case fixed(Double)
    /// `s = scale·|C|`, `scale ≥ 0`.
    case proportional(scale: Double)

    /// The distance for curvature `c`.
    public func distance(curvature c: Double) -> Double {
      switch self {
      case .fixed(let s): return s
      case .proportional(let scale): return scale * abs(c)
      }
    }
  }

  /// The step size rule.
  public var size: Size
  /// The curvature threshold `ε ≥ 0`: act only when `C < −ε`.
  public var threshold: Double

  /// A negative-curvature step of `size` when `C < −threshold` (`threshold ≥ 0`).
  public init(
    size: Size = .fixed(NegativeCurvatureStep.Parameters.stepSize.default),
    threshold: Double = NegativeCurvatureStep.Parameters.threshold.default
  ) {
    precondition(threshold >= 0, "NegativeCurvatureStep: threshold must be ≥ 0")
    switch size {
    case .fixed(let s): precondition(s >= 0 && s.isFinite, "NegativeCurvatureStep: size ≥ 0")
    case .proportional(let k):
      precondition(k >= 0 && k.isFinite, "NegativeCurvatureStep: scale ≥ 0")
    }
    self.size = size
    self.threshold = threshold
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout EmptyState
  ) {
    guard let estimate = context.curvature, estimate.direction.count == context.direction.count
    else { return }
    var taken = 0
    forEachCurvatureGroup(of: estimate, layout: context.layout) { range, curvature in
      guard curvature < -threshold else { return }
      let s = size.distance(curvature: curvature)
      guard s > 0, s.isFinite else { return }
      let sign = signOrRandom(
        context.gradient.dot(estimate.direction, in: range), using: &context.random)
      context.direction.add(estimate.direction, scaledBy: Float(s) * sign, in: range)
      taken += 1
    }
    context.metrics["negativeCurvatureStep.taken"] = Double(taken)
  }
}

extension NegativeCurvatureStep: SchemaDeclaring {
  /// The parameters of the `negative-curvature-step` stage.
  public enum Parameters {
    /// `stepScale`: a size proportional to the curvature, instead of `stepSize`.
    public static let stepScale = Parameter.number(
      "stepScale", in: .atLeast(0), defaultText: "none (instead of stepSize)",
      doc: "size = stepScale·|C| (give stepSize or stepScale, not both)")
    /// `stepSize`: the fixed distance along `N`.
    public static let stepSize = Parameter.number(
      "stepSize", default: 1e-2, in: .atLeast(0), doc: "fixed distance s along N")
    /// `threshold`: act only when `C < −threshold`.
    public static let threshold = Parameter.number(
      "threshold", default: 0, in: .atLeast(0), doc: "curvature threshold ε: act when C < −ε")
  }

  /// `negative-curvature-step` in specs and `saddle list`.
  public static let schema = StageSchema(
    "negative-curvature-step",
    summary: "θ ← θ − s·sign(g·N)·N when C < −ε (size fixed, or stepScale·|C|)",
    parameters: [Parameters.stepScale, Parameters.stepSize, Parameters.threshold])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(size: try Size(parameters: p), threshold: try p.read(Parameters.threshold))
  }

  /// Reads a step from `p` with `stepSize` (a preset's default) and `threshold`.
  public init(parameters p: StageParameters, stepSize: Parameter<Double>) throws(SpecError) {
    self.init(
      size: try Size(parameters: p, stepSize: stepSize),
      threshold: try p.read(Parameters.threshold))
  }
}

extension NegativeCurvatureStep.Size {
  /// Reads `stepSize` (default from `stepSize`) or `stepScale` (not both) from a spec.
  public init(
    parameters p: StageParameters,
    stepSize: Parameter<Double> = NegativeCurvatureStep.Parameters.stepSize
  ) throws(SpecError) {
    if p.has("stepScale") && p.has("stepSize") {
      throw SpecError(
        location: p.location, field: "stepScale", "give stepSize or stepScale, not both")
    }
    if p.has("stepScale") {
      self = .proportional(scale: try p.read(NegativeCurvatureStep.Parameters.stepScale))
    } else {
      self = .fixed(try p.read(stepSize))
    }
  }
}
