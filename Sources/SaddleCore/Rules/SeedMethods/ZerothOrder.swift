/// Zeroth-order oracles of Zhang, Xiong & Gu (2022), "Zeroth-Order Negative Curvature Finding:
/// Escaping Saddle Points without Gradients" (NeurIPS 2022; seed 001): gradient estimates,
/// Hessian-vector products and a negative-curvature search from loss values only.
///
/// What was read of the paper (arXiv 2210.01496; abstract and the introduction's Table 1 only):
/// two frameworks, ZO-NCF-Online and ZO-NCF-Deterministic, "that can replace Hessian-vector
/// product computations without increasing the iteration complexity", applied to ZO-GD,
/// ZO-SGD, ZO-SCSG and ZO-SPIDER; Table 1 lists the deterministic result (Theorem 4,
/// ZO-GD-NCF) with the coordinate-wise gradient estimator (CoordGE) and NCF, and the Gaussian
/// estimator (GaussGE) only for other methods (ZPSGD, ZO-SCRN). The algorithm boxes were not
/// reachable, so no algorithm or equation numbers are cited (algorithm numbering not
/// verified): the estimators here are the standard ones (coordinate-wise central differences;
/// Gaussian smoothing of Nesterov & Spokoiny 2017) and the search is NEON's power iteration on
/// `I − ηH` with zeroth-order HVPs — not checked against the paper's own search loop.

/// A zeroth-order gradient estimate `ĝ(x) ≈ ∇f(x)` from loss values only.
///
/// - ``Kind/coordinate``: `ĝᵢ = (f(x + μeᵢ) − f(x − μeᵢ))/(2μ)` for every coordinate — `2d`
///   loss evaluations, error `O(μ²‖∇³f‖)` plus rounding. (In `Float` the displaced coordinate
///   is rounded, so the divisor is the actual displacement `(x + μ) − (x − μ)` as stored.)
/// - ``Kind/gaussian(samples:)``: `ĝ = (1/q)Σⱼ (f(x + μuⱼ) − f(x))/μ · uⱼ`, `uⱼ ~ N(0, I)` — an
///   unbiased estimate of the gradient of the Gaussian smoothing `f_μ(x) = E f(x + μu)`
///   (Nesterov & Spokoiny 2017, their gradient-free oracle); `q` evaluations given `f(x)`.
public struct ZerothOrderGradient: Sendable, Hashable, Codable {
  /// Which estimator.
  public enum Kind: Sendable, Hashable, Codable {
    /// Coordinate-wise central differences (`2d` losses per estimate, deterministic).
    case coordinate
    /// Gaussian smoothing with `samples ≥ 1` directions (`samples` losses, random).
    case gaussian(samples: Int)
  }

  /// The estimator.
  public var kind: Kind
  /// The smoothing (finite-difference) distance `μ > 0`.
  public var smoothing: Double

  /// An estimator of `kind` with distance `smoothing > 0`.
  public init(
    _ kind: Kind = .coordinate,
    smoothing: Double = ZerothOrderGradient.Parameters.smoothing.default
  ) {
    precondition(smoothing > 0 && smoothing.isFinite, "ZerothOrderGradient: smoothing must be > 0")
    if case .gaussian(let q) = kind { precondition(q >= 1, "ZerothOrderGradient: samples ≥ 1") }
    self.kind = kind
    self.smoothing = smoothing
  }

  /// Loss evaluations per estimate in dimension `d`.
  public func cost(dimension d: Int) -> Int {
    switch kind {
    case .coordinate: return 2 * d
    case .gaussian(let q): return q
    }
  }

  /// Writes `ĝ(x)` into `gradient`. `loss` is `f(x)` (used by the Gaussian estimator), `point`
  /// and `probe` are scratch buffers of `x.count` elements, `generator` draws the Gaussian
  /// directions. Every evaluation goes through `objective` (counted as a loss evaluation).
  public func estimate(
    at x: ParameterVector, loss: Double, objective: inout Objective,
    into gradient: inout ParameterVector, point: inout ParameterVector,
    probe: inout ParameterVector, generator: inout SeededGenerator
  ) {
    let n = x.count
    switch kind {
    case .coordinate:
      point.assign(x)
      let mu = Float(smoothing)
      for i in 0..<n {
        let xi = x[i]
        let step = Swift.max(mu, 2 * xi.ulp)
        point[i] = xi + step
        let up = Double(point[i])
        let fPlus = objective.loss(at: point)
        point[i] = xi - step
        let down = Double(point[i])
        let fMinus = objective.loss(at: point)
        point[i] = xi
        gradient[i] = Float((fPlus - fMinus) / (up - down))
      }
    case .gaussian(let q):
      gradient.fill(with: 0)
      for _ in 0..<q {
        probe.fillGaussian(using: &generator)
        point.assign(x, plus: Float(smoothing), times: probe)
        let f = objective.loss(at: point)
        gradient.add(probe, scaledBy: Float((f - loss) / smoothing / Double(q)))
      }
    }
  }
}

/// The zeroth-order Hessian-vector product `Ĥ(x)v = (ĝ(x + rv) − ĝ(x))/r` for a unit `v`, with
/// the coordinate-wise ``ZerothOrderGradient`` (the difference of two zeroth-order gradients,
/// replacing each HVP of NEON as ZO-NCF does; Zhang, Xiong & Gu 2022 — the estimator's exact
/// form and equation number not verified). `2d` loss evaluations given
/// `ĝ(x)`; error `O(r‖∇³f‖ + μ²/r·‖∇³f‖)`, exact up to rounding on quadratics.
public struct ZerothOrderHessianVectorProduct: Sendable, Hashable, Codable {
  /// The coordinate estimator used at both points.
  public var gradient: ZerothOrderGradient
  /// The displacement `r > 0` along `v`.
  public var radius: Double

  /// A ZO HVP with coordinate smoothing `smoothing` and displacement `radius`.
  public init(
    smoothing: Double = ZerothOrderNCFSearch.Parameters.hvpSmoothing.default,
    radius: Double = ZerothOrderNCFSearch.Parameters.hvpRadius.default
  ) {
    precondition(radius > 0 && radius.isFinite, "ZerothOrderHessianVectorProduct: radius > 0")
    gradient = ZerothOrderGradient(.coordinate, smoothing: smoothing)
    self.radius = radius
  }

  /// Writes `Ĥ(x)v` into `result` given `gradientAtX = ĝ(x)`; `displaced`, `point` and `probe`
  /// are scratch. `v` should be a unit vector.
  public func product(
    at x: ParameterVector, gradientAtX: ParameterVector, along v: ParameterVector,
    objective: inout Objective, into result: inout ParameterVector,
    displaced: inout ParameterVector, point: inout ParameterVector, probe: inout ParameterVector,
    generator: inout SeededGenerator
  ) {
    displaced.assign(x, plus: Float(radius), times: v)
    gradient.estimate(
      at: displaced, loss: .nan, objective: &objective, into: &result, point: &point,
      probe: &probe, generator: &generator)
    result.add(gradientAtX, scaledBy: -1)
    result.scale(by: Float(1 / radius))
  }
}

/// ZO-NCF (Zhang, Xiong & Gu 2022, after their ZO-NCF-Deterministic framework; algorithm
/// numbering not verified): NEON's negative-curvature search with every Hessian-vector product
/// replaced by a zeroth-order one.
///
/// From a fresh seeded random unit `u₀` (uniform on the sphere, as NEON draws it), iterate the
/// normalized power method on `I − ηH`: `cₜ = uₜᵀĤuₜ`, `uₜ₊₁ = (uₜ − ηĤuₜ)/‖uₜ − ηĤuₜ‖`, with
/// ``ZerothOrderHessianVectorProduct``. Returns `(uₜ, cₜ)` of the last iteration. For
/// `η < 1/λ_max` the component along the most negative eigenvector grows by
/// `(1 + η|λ_min|)/(1 − ηλ)` relative to each other one per iteration.
///
/// Cost: `2d` losses for `ĝ(x)` (free when the caller has it) plus `2d` per iteration; no
/// gradients. Used as an estimator stage (`zo-ncf-search`) or inside ``ZerothOrderNCF``.
public struct ZerothOrderNCFSearch: CurvatureEstimator, Sendable {
  /// The zeroth-order HVP.
  public var hvp: ZerothOrderHessianVectorProduct
  /// Power-iteration steps per search, `≥ 1`.
  public var iterations: Int
  /// `η > 0` (below `1/λ_max` for the iteration to favour negative curvature).
  public var rate: Double

  /// A search of `iterations` ZO power steps with rate `rate`.
  public init(
    hvp: ZerothOrderHessianVectorProduct = .init(),
    iterations: Int = ZerothOrderNCFSearch.Parameters.iterations.default,
    rate: Double = ZerothOrderNCFSearch.Parameters.rate.default
  ) {
    precondition(iterations >= 1, "ZerothOrderNCFSearch: iterations must be ≥ 1")
    precondition(rate > 0 && rate.isFinite, "ZerothOrderNCFSearch: rate must be > 0")
    self.hvp = hvp
    self.iterations = iterations
    self.rate = rate
  }

  /// The warm-start direction, the random stream and scratch buffers.
  public struct State: Codable, Sendable {
    /// The last search's direction (unit), or `nil` before the first search.
    public var direction: ParameterVector?
    /// The last curvature estimate.
    public var curvature: Double?
    /// Random stream (initial direction, Gaussian estimates).
    public var generator: SeededGenerator
    var gradientAtX: ParameterVector?
    var product: ParameterVector?
    var displaced: ParameterVector?
    var point: ParameterVector?
    var probe: ParameterVector?

    enum CodingKeys: String, CodingKey { case direction, curvature, generator }

    init(generator: SeededGenerator) { self.generator = generator }

    mutating func prepare(_ n: Int) {
      prepareScratch(&gradientAtX, count: n)
      prepareScratch(&product, count: n)
      prepareScratch(&displaced, count: n)
      prepareScratch(&point, count: n)
      prepareScratch(&probe, count: n)
    }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(generator: SeededGenerator(seed: mixSeed(seed, 0x20_4CF)))
  }

  /// Runs the search at `x`; `gradientAtX` is `ĝ(x)` if the caller has it (else it is
  /// estimated, `2d` losses).
  public func search(
    at x: ParameterVector, gradientAtX: ParameterVector?, objective: inout Objective,
    state: inout State
  ) -> (direction: ParameterVector, curvature: Double) {
    let n = x.count
    state.prepare(n)
    if let gradientAtX {
      state.gradientAtX!.assign(gradientAtX)
    } else {
      hvp.gradient.estimate(
        at: x, loss: .nan, objective: &objective, into: &state.gradientAtX!,
        point: &state.point!, probe: &state.probe!, generator: &state.generator)
    }
    // A fresh random start for every search, as NEON/NEON2 draw one (a warm start from the
    // last search would carry almost no component along a new saddle's escape direction).
    var u = state.direction ?? ParameterVector(count: n)
    state.direction = nil
    if u.count != n { u = ParameterVector(count: n) }
    fillUnitGaussian(&u, groups: [0..<n], using: &state.generator)
    var curvature = state.curvature ?? 0
    for t in 0..<iterations {
      hvp.product(
        at: x, gradientAtX: state.gradientAtX!, along: u, objective: &objective,
        into: &state.product!, displaced: &state.displaced!, point: &state.point!,
        probe: &state.probe!, generator: &state.generator)
      let c = u.dot(state.product!)
      guard c.isFinite else { break }
      curvature = c
      if t == iterations - 1 { break }
      u.add(state.product!, scaledBy: Float(-rate))
      if !(u.normalize() > 0) { fillUnitGaussian(&u, groups: [0..<n], using: &state.generator) }
    }
    state.direction = u
    state.curvature = curvature
    return (u, curvature)
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let (u, c) = search(
      at: context.parameters, gradientAtX: nil, objective: &objective, state: &state)
    return CurvatureEstimate(direction: u, curvature: c, step: context.step)
  }
}

extension EstimatorStage: StepOracleDeclaring {
  /// A ``ZerothOrderNCFSearch`` stage needs only the loss; other estimators read `∇L(θ)`.
  public var stepOracle: StepOracle {
    estimator is ZerothOrderNCFSearch ? .loss : .lossAndGradient
  }
}

/// The zeroth-order optimizer of Zhang, Xiong & Gu (2022) — ZO gradient descent paired with
/// ZO-NCF (their ZO-GD-NCF, Table 1 / Theorem 4: CoordGE + NCF; algorithm numbering not
/// verified): **function values only**. Deviation: the `gaussian` descent estimator is an
/// option of this stage, not the paper's deterministic pairing (which uses CoordGE).
///
/// Each step estimates `ĝ(θ)` (``ZerothOrderGradient``). If `‖ĝ‖ > ε_g` it takes the ZO-GD step
/// `θ ← θ − ηĝ`. Otherwise it runs ``ZerothOrderNCFSearch`` at `θ` (reusing `ĝ(θ)` when the
/// descent estimator is coordinate-wise) and, if the curvature `c < −δ`, moves along the found
/// direction with a random sign, `θ ← θ ± s·u` (`s` fixed, or `stepScale·|c|` as NEON's
/// `|c|/ρ`); if `c ≥ −δ` the point is an approximate second-order stationary point and the
/// (tiny) ZO-GD step is taken (`metrics["zo-ncf.stationary"] = 1`). The paper stops there and
/// returns `θ`; as a running optimizer it keeps taking ZO-GD steps and does not search again
/// until `‖ĝ‖ > ε_g` has been seen (``State/certified``), so a converged run costs `1 + cost(ĝ)`
/// losses per step.
///
/// The optimizer evaluates only `L(θ)` per step (``StepOracle/loss``) and never a gradient:
/// cost per step `1 + cost(ĝ)` losses, plus `2d·iterations` (coordinate) on search steps.
public struct ZerothOrderNCF: UpdateRule, StepOracleDeclaring, Sendable {
  /// The descent step `η`.
  public var learningRate: LearningRate
  /// The descent estimator.
  public var gradient: ZerothOrderGradient
  /// `ε_g ≥ 0`: search for negative curvature when `‖ĝ‖ ≤ ε_g`.
  public var gradientThreshold: Double
  /// The negative-curvature search.
  public var search: ZerothOrderNCFSearch
  /// `δ ≥ 0`: move along the search direction when `c < −δ`.
  public var curvatureThreshold: Double
  /// The move along the direction.
  public var size: NegativeCurvatureStep.Size

  /// The combined zeroth-order optimizer.
  public init(
    learningRate: LearningRate, gradient: ZerothOrderGradient = .init(),
    gradientThreshold: Double = ZerothOrderNCF.Parameters.gradientThreshold.default,
    search: ZerothOrderNCFSearch = .init(),
    curvatureThreshold: Double = ZerothOrderNCF.Parameters.curvatureThreshold.default,
    size: NegativeCurvatureStep.Size = .fixed(ZerothOrderNCF.Parameters.stepSize.default)
  ) {
    precondition(gradientThreshold >= 0, "ZerothOrderNCF: gradientThreshold must be ≥ 0")
    precondition(curvatureThreshold >= 0, "ZerothOrderNCF: curvatureThreshold must be ≥ 0")
    self.learningRate = learningRate
    self.gradient = gradient
    self.gradientThreshold = gradientThreshold
    self.search = search
    self.curvatureThreshold = curvatureThreshold
    self.size = size
  }

  /// Function values only: the optimizer evaluates `L(θ)`, no gradient.
  public var stepOracle: StepOracle { .loss }

  /// The search state, the step count and scratch buffers.
  public struct State: Codable, Sendable {
    /// The negative-curvature search's state.
    public var search: ZerothOrderNCFSearch.State
    /// Steps taken.
    public var count = 0
    /// Searches run.
    public var searches = 0
    /// Negative-curvature moves taken.
    public var moves = 0
    /// Whether the last search certified the current region as second-order stationary (no
    /// search until `‖ĝ‖ > ε_g` again).
    public var certified = false
    var estimate: ParameterVector?
    var point: ParameterVector?
    var probe: ParameterVector?

    enum CodingKeys: String, CodingKey { case search, count, searches, moves, certified }

    init(search: ZerothOrderNCFSearch.State) { self.search = search }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(search: search.makeState(for: layout, seed: seed))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    prepareScratch(&state.estimate, count: n)
    prepareScratch(&state.point, count: n)
    prepareScratch(&state.probe, count: n)
    gradient.estimate(
      at: context.parameters, loss: context.loss, objective: &objective, into: &state.estimate!,
      point: &state.point!, probe: &state.probe!, generator: &state.search.generator)
    let eta = learningRate.value(at: state.count)
    state.count += 1
    let norm = state.estimate!.norm
    context.metrics["zo-ncf.gradientNorm"] = norm
    context.direction.assign(state.estimate!)
    context.direction.scale(by: Float(eta))
    guard norm <= gradientThreshold else {
      state.certified = false
      return
    }
    guard !state.certified else { return }
    let reuse = gradient.kind == .coordinate && gradient.smoothing == search.hvp.gradient.smoothing
    let (u, c) = search.search(
      at: context.parameters, gradientAtX: reuse ? state.estimate : nil, objective: &objective,
      state: &state.search)
    state.searches += 1
    context.metrics["curvature"] = c
    context.curvature = CurvatureEstimate(direction: u, curvature: c, step: context.step)
    guard c < -curvatureThreshold else {
      context.metrics["zo-ncf.stationary"] = 1
      state.certified = true
      return
    }
    let s = size.distance(curvature: c)
    guard s > 0, s.isFinite else { return }
    let sign: Float = context.random.next() & 1 == 0 ? 1 : -1
    context.direction.assign(u)
    context.direction.scale(by: sign * Float(s))
    state.moves += 1
    context.metrics["negativeCurvatureStep.taken"] = 1
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "zo-ncf.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "zo-ncf.searches": Double(state.searches), "zo-ncf.moves": Double(state.moves),
    ]
  }
}

extension ZerothOrderGradient {
  /// The fields of the zeroth-order gradient estimate (read by `zo-ncf`).
  public enum Parameters {
    /// `estimator`: coordinate differences or Gaussian smoothing.
    public static let estimator = Parameter.choice(
      "estimator", default: "coordinate", from: ["coordinate", "gaussian"],
      doc: "coordinate central differences (2d losses), or Gaussian smoothing (samples losses)")
    /// `samples`: Gaussian directions per estimate.
    public static let samples = Parameter.integer(
      "samples", default: 10, in: .closed(1, 100_000),
      doc: "random directions per estimate (estimator = gaussian)")
    /// `smoothing`: the difference step.
    public static let smoothing = Parameter.number(
      "smoothing", default: 1e-3, in: .greaterThan(0), doc: "difference step μ")
  }

  /// The fields in listing order.
  public static let parameters: [any ParameterDeclaration] = [
    Parameters.estimator, Parameters.samples, Parameters.smoothing,
  ]

  /// Reads the estimate's fields from a spec.
  public init(parameters p: StageParameters) throws(SpecError) {
    let kind = try p.read(Parameters.estimator)
    let samples = try p.read(Parameters.samples)
    let smoothing = try p.read(Parameters.smoothing)
    self.init(
      kind == "coordinate" ? .coordinate : .gaussian(samples: samples), smoothing: smoothing)
  }
}

extension ZerothOrderNCFSearch: SchemaDeclaring {
  /// The parameters of the `zo-ncf-search` estimator (and `zo-ncf`).
  public enum Parameters {
    /// `hvpSmoothing`: the zeroth-order HVP's difference step.
    public static let hvpSmoothing = Parameter.number(
      "hvpSmoothing", default: 1e-3, in: .greaterThan(0),
      doc: "difference step of the zeroth-order gradients in each HVP")
    /// `hvpRadius`: the zeroth-order HVP's displacement.
    public static let hvpRadius = Parameter.number(
      "hvpRadius", default: 1e-2, in: .greaterThan(0),
      doc: "displacement r of H·v ≈ (ĝ(θ + rv) − ĝ(θ))/r")
    /// `iterations`: power iterations per search.
    public static let iterations = Parameter.integer(
      "iterations", default: 20, in: .closed(1, 10_000), doc: "power iterations per search")
    /// `rate`: the power iteration's step.
    public static let rate = Parameter.number(
      "rate", default: 0.1, in: .greaterThan(0), doc: "power-iteration step η")
  }

  /// `zo-ncf-search` in specs and `saddle list`.
  public static let schema = StageSchema(
    "zo-ncf-search",
    summary: "ZO-NCF: NEON power iteration with zeroth-order HVPs (Zhang, Xiong & Gu 2022)",
    parameters: [
      Parameters.hvpSmoothing, Parameters.hvpRadius, Parameters.iterations, Parameters.rate,
    ])

  /// Builds the estimator from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      hvp: ZerothOrderHessianVectorProduct(
        smoothing: try p.read(Parameters.hvpSmoothing), radius: try p.read(Parameters.hvpRadius)),
      iterations: try p.read(Parameters.iterations), rate: try p.read(Parameters.rate))
  }
}

extension ZerothOrderNCF: SchemaDeclaring {
  /// The parameters of the `zo-ncf` preset beyond its gradient's and search's.
  public enum Parameters {
    /// `learningRate`: η.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `gradientThreshold`: search only when the estimated `‖g‖` is below it.
    public static let gradientThreshold = Parameter.number(
      "gradientThreshold", default: 1e-3, in: .atLeast(0),
      doc: "search for negative curvature when ‖ĝ‖ ≤ this")
    /// `curvatureThreshold`: move only when the curvature is below its negative.
    public static let curvatureThreshold = Parameter.number(
      "curvatureThreshold", default: 1e-2, in: .atLeast(0),
      doc: "move along the direction found when its curvature < −this")
    /// `stepSize`: the negative-curvature move, 0.1.
    public static let stepSize = NegativeCurvatureStep.Parameters.stepSize.defaulting(to: 0.1)
  }

  /// `zo-ncf` in specs and `saddle list` (registered as a preset).
  public static let schema = StageSchema(
    "zo-ncf",
    summary: "zeroth-order GD + ZO-NCF, function values only (Zhang, Xiong & Gu 2022)",
    parameters: [Parameters.learningRate] + ZerothOrderGradient.parameters
      + [Parameters.gradientThreshold] + ZerothOrderNCFSearch.schema.parameters
      + [
        Parameters.curvatureThreshold, NegativeCurvatureStep.Parameters.stepScale,
        Parameters.stepSize,
      ])

  /// Builds the rule from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      learningRate: try p.read(Parameters.learningRate),
      gradient: try ZerothOrderGradient(parameters: p),
      gradientThreshold: try p.read(Parameters.gradientThreshold),
      search: try ZerothOrderNCFSearch(parameters: p),
      curvatureThreshold: try p.read(Parameters.curvatureThreshold),
      size: try NegativeCurvatureStep.Size(parameters: p, stepSize: Parameters.stepSize))
  }
}
