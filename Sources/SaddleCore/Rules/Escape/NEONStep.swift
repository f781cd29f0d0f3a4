/// NEON-style negative-curvature finding and escape as one stage (Xu, Jin & Yang 2018,
/// "First-order stochastic algorithms for escaping from saddle points in almost linear time").
///
/// When `‖g‖ ≤ g_thres`, iterate `u ← u − η(∇L(θ + u) − ∇L(θ))` for `iterations` steps from
/// the previous `u` (warm start; a seeded random one at first), rescaling `‖u‖` to `radius`
/// after each step (the normalized form: a power iteration on `I − ηH` at scale `r`, where the
/// gradient difference `≈ Hu`). The curvature along `u` is `C = u·(∇L(θ + u) − ∇L(θ))/‖u‖²`
/// from the last evaluation. The stage stores `(û, C)` in ``StepContext/curvature`` and, if
/// `C < −ε`, moves as ``NegativeCurvatureStep`` does: `d ← d + s·sign(g·û)·û`.
///
/// Place it after the base rule. Valid ranges: `threshold ≥ 0`, `radius > 0`, `iterations ≥ 1`,
/// `rate ∈ (0, 2/(λ_max − λ_min))`, `curvatureThreshold ≥ 0`. Cost: `iterations` gradient
/// evaluations on steps where it triggers, none otherwise.
public struct NEONStep: UpdateRule, Sendable {
  /// `g_thres ≥ 0`: run only when `‖g‖ ≤ g_thres`.
  public var threshold: Double
  /// `‖u‖ = r > 0`.
  public var radius: Double
  /// Gradient evaluations per search, `≥ 1`.
  public var iterations: Int
  /// `η > 0`.
  public var rate: Double
  /// `ε ≥ 0`: move only when `C < −ε`.
  public var curvatureThreshold: Double
  /// The move along `û`.
  public var size: NegativeCurvatureStep.Size

  /// A NEON stage.
  public init(
    threshold: Double = 1e-3, radius: Double = 1e-3, iterations: Int = 10, rate: Double = 0.1,
    curvatureThreshold: Double = 0, size: NegativeCurvatureStep.Size = .fixed(1e-2)
  ) {
    precondition(threshold >= 0, "NEONStep: threshold must be ≥ 0")
    precondition(radius > 0 && radius.isFinite, "NEONStep: radius must be > 0")
    precondition(iterations >= 1, "NEONStep: iterations must be ≥ 1")
    precondition(rate > 0 && rate.isFinite, "NEONStep: rate must be > 0")
    precondition(curvatureThreshold >= 0, "NEONStep: curvatureThreshold must be ≥ 0")
    self.threshold = threshold
    self.radius = radius
    self.iterations = iterations
    self.rate = rate
    self.curvatureThreshold = curvatureThreshold
    self.size = size
  }

  /// The warm-started `u` and the last curvature.
  public struct State: Codable, Sendable {
    /// `u` (norm `radius`).
    public var direction: ParameterVector?
    /// The last curvature along `u`.
    public var curvature: Double?
    /// Searches run so far.
    public var searches = 0
    var seed: UInt64
    var point: ParameterVector?
    var difference: ParameterVector?
    var unit: ParameterVector?

    enum CodingKeys: String, CodingKey { case direction, curvature, searches, seed }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(seed: mixSeed(seed, 0x2E0_2))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    guard context.gradient.norm <= threshold else { return }
    let n = context.parameters.count
    if state.direction?.count != n {
      var generator = SeededGenerator(seed: state.seed)
      state.direction = ParameterVector(count: n)
      fillUnitGaussian(&state.direction!, groups: [0..<n], using: &generator)
    }
    prepareScratch(&state.point, count: n)
    prepareScratch(&state.difference, count: n)
    prepareScratch(&state.unit, count: n)
    normalizeTo(&state.direction!, radius)
    var curvature = 0.0
    for _ in 0..<iterations {
      state.point!.assign(context.parameters)
      state.point!.add(state.direction!)
      _ = objective.lossAndGradient(at: state.point!, into: &state.difference!)
      state.difference!.add(context.gradient, scaledBy: -1)
      let c = state.direction!.dot(state.difference!) / (radius * radius)
      guard c.isFinite else { break }
      curvature = c
      state.direction!.add(state.difference!, scaledBy: Float(-rate))
      normalizeTo(&state.direction!, radius)
    }
    state.searches += 1
    state.curvature = curvature
    state.unit!.assign(state.direction!)
    state.unit!.normalize()
    let estimate = CurvatureEstimate(
      direction: state.unit!, curvature: curvature, step: context.step)
    context.curvature = estimate
    context.metrics["curvature"] = curvature
    guard curvature < -curvatureThreshold else { return }
    let s = size.distance(curvature: curvature)
    guard s > 0, s.isFinite else { return }
    let sign = signOrRandom(context.gradient.dot(state.unit!), using: &context.random)
    context.direction.add(state.unit!, scaledBy: Float(s) * sign)
    context.metrics["negativeCurvatureStep.taken"] = 1
  }

  /// `v ← r·v/‖v‖` (unchanged when `v = 0`).
  private func normalizeTo(_ v: inout ParameterVector, _ r: Double) {
    let norm = v.norm
    if norm > 0, norm.isFinite { v.scale(by: Float(r / norm)) }
  }
}
