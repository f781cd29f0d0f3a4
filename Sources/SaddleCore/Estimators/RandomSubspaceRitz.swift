/// Random-subspace Rayleigh–Ritz on second differences of the loss (`random-subspace-ritz`):
/// a minimum-curvature estimate from loss values only, along a few random directions and the
/// previous direction.
///
/// This is *not* the zeroth-order negative-curvature finding of Zhang, Xiong & Gu (2022) —
/// that is ``ZerothOrderNCFSearch`` (NEON-style power iteration with zeroth-order HVPs) inside
/// the ``ZerothOrderNCF`` optimizer; this estimator was shipped under that name earlier and is
/// kept under its own.
///
/// The curvature along a direction `a` is `q(a) = (L(θ + ha) − 2L(θ) + L(θ − ha))/h² ≈ aᵀHa`
/// (exact on quadratics; error `O(h²‖∇⁴L‖)` plus rounding about `4ε·|L|/h²` and the `Float`
/// rounding of `θ ± ha`, `≈ ε_float‖θ‖‖∇L‖/h²`). Each call orthonormalizes the basis
/// `B = {N_prev, z₁, …, z_m}` (`zⱼ` Gaussian; `N_prev` omitted on the first call), fills the
/// projected Hessian `BᵀHB` — `q(bᵢ)` on the diagonal and `(q(bᵢ + bⱼ) − q(bᵢ) − q(bⱼ))/2` off
/// it — and returns its minimum eigenpair `(μ, Bs)`. This is a zeroth-order analogue of the
/// NEON power iteration (Xu, Jin & Yang 2018; zeroth-order variants: Balasubramanian & Ghadimi
/// 2022): NEON moves `u` within `span{u, Hu}`, this moves it optimally within
/// `span{u, z₁, …, z_m}`, which needs no gradient. `L(θ)` is the step's loss (free).
///
/// **Accuracy promise** (tested on quadratics, where second differences are exact up to
/// rounding): `C` is a Rayleigh quotient over a subspace containing `N_prev`, so
/// `λ_min ≤ C ≤ C_prev` at a fixed point — monotone, never overshooting. Each random `zⱼ`
/// carries an `O(1/√n)` component along the minimum eigenvector, so the error
/// `C − λ_min` contracts by a factor of about `1 − c·m·gap/(n·spread)` per call: reaching a
/// tolerance takes `O((n/m)·log(1/tol))` calls, i.e. `O(n·m·log(1/tol))` loss evaluations.
///
/// Cost per call: `p(p + 1)` loss evaluations with `p = m + 1` basis vectors (`m` on the first
/// call), e.g. 30 for `m = 4`; no gradients.
public struct RandomSubspaceRitz: CurvatureEstimator, Sendable {
  /// Random directions per call, `m ≥ 1`.
  public var probes: Int
  /// The finite-difference distance `h > 0`.
  public var smoothing: Double

  /// A loss-only estimator with `probes ≥ 1` random directions and distance `smoothing > 0`.
  public init(
    probes: Int = RandomSubspaceRitz.Parameters.probes.default,
    smoothing: Double = RandomSubspaceRitz.Parameters.smoothing.default
  ) {
    precondition(probes >= 1, "RandomSubspaceRitz: probes must be ≥ 1, got \(probes)")
    precondition(
      smoothing > 0 && smoothing.isFinite, "RandomSubspaceRitz: smoothing must be > 0")
    self.probes = probes
    self.smoothing = smoothing
  }

  /// The warm-started direction, the last curvature and the random stream.
  public struct State: Codable, Sendable {
    /// The direction of the last call (unit), or `nil` before the first.
    public var direction: ParameterVector?
    /// The last curvature estimate.
    public var curvature: Double?
    /// The random stream for probe directions.
    public var generator: SeededGenerator

    var basis: [ParameterVector] = []
    var point: ParameterVector?

    enum CodingKeys: String, CodingKey { case direction, curvature, generator }

    init(generator: SeededGenerator) { self.generator = generator }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(generator: SeededGenerator(seed: mixSeed(seed, 0x2E_0C0)))
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let n = context.parameters.count
    let capacity = probes + 1
    if state.basis.count != capacity || state.basis.first?.count != n {
      state.basis = (0..<capacity).map { _ in ParameterVector(count: n) }
    }
    prepareScratch(&state.point, count: n)
    // Build an orthonormal basis (modified Gram–Schmidt, twice), dropping dependent vectors.
    var size = 0
    let warm = state.direction?.count == n
    for j in 0..<(probes + (warm ? 1 : 0)) {
      if warm && j == 0 {
        state.basis[size].assign(state.direction!)
      } else {
        state.basis[size].fillGaussian(using: &state.generator)
      }
      for _ in 0..<2 {
        for i in 0..<size {
          let c = state.basis[i].dot(state.basis[size])
          state.basis[size].add(state.basis[i], scaledBy: Float(-c))
        }
      }
      let norm = state.basis[size].normalize()
      if norm > 1e-3, norm.isFinite, size < n { size += 1 }
    }
    guard size > 0 else {
      return CurvatureEstimate(
        direction: state.direction ?? ParameterVector(count: n), curvature: 0,
        step: context.step)
    }
    let l0 = context.loss
    let h = smoothing
    func quotient(_ i: Int, _ j: Int?, _ objective: inout Objective, _ state: inout State)
      -> Double
    {
      // θ ± h(bᵢ + bⱼ): the displacement vector is built in place in `point`.
      var losses = (0.0, 0.0)
      for k in 0..<2 {
        let sign: Float = k == 0 ? 1 : -1
        state.point!.assign(context.parameters, plus: sign * Float(h), times: state.basis[i])
        if let j { state.point!.add(state.basis[j], scaledBy: sign * Float(h)) }
        let l = objective.loss(at: state.point!)
        if sign > 0 { losses.0 = l } else { losses.1 = l }
      }
      return (losses.0 - 2 * l0 + losses.1) / (h * h)
    }
    var b = [Double](repeating: 0, count: size * size)
    for i in 0..<size { b[i * size + i] = quotient(i, nil, &objective, &state) }
    for i in 0..<size {
      for j in (i + 1)..<size {
        let q = quotient(i, j, &objective, &state)
        let off = 0.5 * (q - b[i * size + i] - b[j * size + j])
        b[i * size + j] = off
        b[j * size + i] = off
      }
    }
    let (values, vectors) = SymmetricEigen.decompose(b, dimension: size)
    prepareScratch(&state.direction, count: n)
    guard let lowest = values.first, lowest.isFinite else {
      return CurvatureEstimate(
        direction: state.direction!, curvature: state.curvature ?? 0, step: context.step)
    }
    state.direction!.fill(with: 0)
    for i in 0..<size { state.direction!.add(state.basis[i], scaledBy: Float(vectors[0][i])) }
    state.direction!.normalize()
    state.curvature = lowest
    return CurvatureEstimate(direction: state.direction!, curvature: lowest, step: context.step)
  }
}

extension RandomSubspaceRitz: SchemaDeclaring {
  /// The parameters of the `random-subspace-ritz` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `probes`: subspace dimension.
    public static let probes = Parameter.integer(
      "probes", default: 4, in: .closed(1, 10_000), doc: "subspace dimension")
    /// `smoothing`: second-difference step.
    public static let smoothing = Parameter.number(
      "smoothing", default: 1e-2, in: .greaterThan(0), doc: "second-difference step")
  }

  /// `random-subspace-ritz` in specs and `saddle list`.
  public static let schema = StageSchema(
    "random-subspace-ritz",
    summary: "Rayleigh–Ritz on loss second differences in a random subspace (loss values only)",
    parameters: [Parameters.probes, Parameters.smoothing])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(probes: try p.read(Parameters.probes), smoothing: try p.read(Parameters.smoothing))
  }
}
