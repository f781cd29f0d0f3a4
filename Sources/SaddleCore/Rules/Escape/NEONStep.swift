/// Negative-curvature search from gradient differences and escape as one stage (`neon`), with
/// two searches:
///
/// - ``Search/normalizedPower`` (default): a **normalized power iteration on `I − ηH`** with
///   `Hu ≈ ∇L(θ + u) − ∇L(θ)` — `u ← u − η(∇L(θ + u) − ∇L(θ))`, `‖u‖` rescaled to `radius` after
///   each step, warm-started from the previous `u`. This is a NEON-*style* search, not Xu, Jin
///   & Yang's procedure (2018, "First-order stochastic algorithms for escaping from saddle
///   points in almost linear time", NeurIPS 2018, pp. 5530–5540; arXiv 1711.01944: "first-order
///   procedures to extract negative curvature from the Hessian matrix through a principled
///   sequence starting from noise"; only the abstract was read — its iteration, stopping test
///   and algorithm numbers are not verified); the curvature along `u` is
///   `C = u·(∇L(θ + u) − ∇L(θ))/‖u‖²` from the last evaluation.
/// - `Search.oja`: **NEON2's Oja-based search** (Allen-Zhu & Li 2018, "NEON2: Finding Local
///   Minima via First-Order Oracles", NeurIPS 2018, pp. 3716–3726; arXiv 1711.06673;
///   NEON2^online; only the abstract was read — "replace the Hessian-vector product
///   computations with only gradient computations" — so the algorithm numbering and the
///   constants are not verified): from a fresh seeded random `w₀` with
///   `‖w₀‖ = σ` (`startRadius`, tiny), iterate Oja's update with gradient-difference HVPs
///   `w ← w − η(∇L(θ + w) − ∇L(θ))` **without normalizing**, for at most `iterations` steps; if
///   `‖w‖ ≥ radius` the growth certifies negative curvature and `v = w/‖w‖` is returned
///   (curvature `C` = the Rayleigh quotient of the last difference), otherwise the search
///   returns nothing (⊥: no negative curvature below about `−log(radius/σ)/(η·iterations)`) and
///   no move is made. On the step's batch for stochastic models, as NEON2^online samples one
///   component per iteration.
///
/// The stage stores `(û, C)` in ``StepContext/curvature`` and, if `C < −ε`, moves as
/// ``NegativeCurvatureStep`` does: `d ← d + s·sign(g·û)·û`. It runs only when `‖g‖ ≤ g_thres`.
///
/// Place it after the base rule. Valid ranges: `threshold ≥ 0`, `radius > 0`, `iterations ≥ 1`,
/// `rate ∈ (0, 2/(λ_max − λ_min))`, `curvatureThreshold ≥ 0`, `0 < startRadius < radius`.
/// Cost: at most `iterations` gradient evaluations on steps where it triggers, none otherwise.
public struct NEONStep: UpdateRule, Sendable {
  /// Which negative-curvature search.
  public enum Search: Sendable, Hashable, Codable {
    /// Normalized power iteration at scale `radius`, warm-started (NEON-style).
    case normalizedPower
    /// NEON2's Oja iteration from `‖w₀‖ = startRadius`, stopping when `‖w‖ ≥ radius`.
    case oja(startRadius: Double)
  }

  /// The search.
  public var search: Search = .normalizedPower
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
    threshold: Double = NEONStep.Parameters.threshold.default,
    radius: Double = NEONStep.Parameters.radius.default,
    iterations: Int = NEONStep.Parameters.iterations.default,
    rate: Double = NEONStep.Parameters.rate.default,
    curvatureThreshold: Double = 0,
    size: NegativeCurvatureStep.Size = .fixed(NegativeCurvatureStep.Parameters.stepSize.default),
    search: Search = .normalizedPower
  ) {
    if case .oja(let sigma) = search {
      precondition(sigma > 0 && sigma < radius, "NEONStep: 0 < startRadius < radius")
    }
    self.search = search
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
    var curvature = 0.0
    if case .oja(let sigma) = search {
      var generator = SeededGenerator(seed: mixSeed(state.seed, UInt64(state.searches)))
      fillUnitGaussian(&state.direction!, groups: [0..<n], using: &generator)
      state.direction!.scale(by: Float(sigma))
      var found = false
      for _ in 0..<iterations {
        state.point!.assign(context.parameters)
        state.point!.add(state.direction!)
        _ = objective.lossAndGradient(at: state.point!, into: &state.difference!)
        state.difference!.add(context.gradient, scaledBy: -1)
        let norm = state.direction!.norm
        let c = state.direction!.dot(state.difference!) / (norm * norm)
        guard c.isFinite else { break }
        curvature = c
        state.direction!.add(state.difference!, scaledBy: Float(-rate))
        if state.direction!.norm >= radius {
          found = true
          break
        }
      }
      state.searches += 1
      context.metrics["neon2.found"] = found ? 1 : 0
      guard found else { return }
      state.curvature = curvature
      state.unit!.assign(state.direction!)
      state.unit!.normalize()
      move(&context, curvature: curvature, unit: state.unit!)
      return
    }
    normalizeTo(&state.direction!, radius)
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
    move(&context, curvature: curvature, unit: state.unit!)
  }

  /// Records the estimate's curvature and, when `C < −ε`, adds `s·sign(g·û)·û`.
  private func move(_ context: inout StepContext, curvature: Double, unit: ParameterVector) {
    context.metrics["curvature"] = curvature
    if context.curvature == nil {
      context.curvature = CurvatureEstimate(
        direction: unit, curvature: curvature, step: context.step)
    }
    guard curvature < -curvatureThreshold else { return }
    let s = size.distance(curvature: curvature)
    guard s > 0, s.isFinite else { return }
    let sign = signOrRandom(context.gradient.dot(unit), using: &context.random)
    context.direction.add(unit, scaledBy: Float(s) * sign)
    context.metrics["negativeCurvatureStep.taken"] = 1
  }

  /// `v ← r·v/‖v‖` (unchanged when `v = 0`).
  private func normalizeTo(_ v: inout ParameterVector, _ r: Double) {
    let norm = v.norm
    if norm > 0, norm.isFinite { v.scale(by: Float(r / norm)) }
  }
}

extension NEONStep: SchemaDeclaring {
  /// The parameters of the `neon` stage (and the `neon-gd` preset).
  public enum Parameters {
    /// `radius`: the search's scale `r`.
    public static let radius = Parameter.number(
      "radius", default: 1e-3, in: .greaterThan(0), doc: "search scale r = ‖u‖")
    /// `threshold`: search only when `‖g‖ ≤ g_thres`.
    public static let threshold = Parameter.number(
      "threshold", default: 1e-3, in: .atLeast(0), doc: "search only when ‖g‖ ≤ g_thres")
    /// `iterations`: gradient evaluations per search.
    public static let iterations = Parameter.integer(
      "iterations", default: 10, in: .closed(1, 10_000), doc: "gradient evaluations per search")
    /// `rate`: the search's step `η`.
    public static let rate = Parameter.number(
      "rate", default: 0.1, in: .greaterThan(0), doc: "search step η < 2/(λ_max − λ_min)")
    /// `search`: normalized power iteration, or NEON2's Oja iteration.
    public static let search = Parameter.choice(
      "search", default: "power", from: ["power", "oja"],
      doc: "normalized power iteration (NEON), or Oja's iteration from startRadius (NEON2)")
    /// `startRadius`: NEON2's starting norm, below `radius`.
    public static let startRadius = Parameter.number(
      "startRadius", default: 1e-6, in: .greaterThan(0), defaultText: "radius·1e-3",
      doc: "Oja's starting norm ‖w₀‖, 0 < startRadius < radius (search = oja)")
  }

  /// The fields in listing order.
  public static let parameters: [any ParameterDeclaration] = [
    Parameters.radius, Parameters.threshold, Parameters.iterations, Parameters.rate,
    NegativeCurvatureStep.Parameters.stepScale, NegativeCurvatureStep.Parameters.stepSize,
    Parameters.search, Parameters.startRadius,
  ]

  /// `neon` in specs and `saddle list`.
  public static let schema = StageSchema(
    "neon", summary: "normalized power iteration on gradient differences, or NEON2's Oja search",
    parameters: parameters)

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    let radius = try p.read(Parameters.radius)
    self.init(
      threshold: try p.read(Parameters.threshold), radius: radius,
      iterations: try p.read(Parameters.iterations), rate: try p.read(Parameters.rate),
      size: try NegativeCurvatureStep.Size(parameters: p),
      search: try Search(parameters: p, radius: radius))
  }
}

extension NEONStep.Search {
  /// Reads `search` and `startRadius` (default `radius·1e-3`, below `radius`).
  public init(parameters p: StageParameters, radius: Double) throws(SpecError) {
    let kind = try p.read(NEONStep.Parameters.search)
    let sigma = try p.read(
      NEONStep.Parameters.startRadius.defaulting(to: radius * 1e-3, text: "radius·1e-3"))
    guard kind == "oja" else {
      self = .normalizedPower
      return
    }
    guard sigma < radius else {
      throw SpecError(
        location: p.location, field: "startRadius",
        "\(sigma) is out of range (accepted: 0 < x < radius = \(radius))")
    }
    self = .oja(startRadius: sigma)
  }
}
