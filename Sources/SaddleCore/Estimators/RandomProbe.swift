/// Curvature along random directions (Rayleigh quotients from Hessian-vector products), the
/// most negative one refined by locally optimal steps, plus a Hutchinson trace estimate.
///
/// Each call draws `m = probes` directions `uⱼ` uniform on the unit sphere and computes
/// `qⱼ = uⱼᵀHuⱼ`. The candidates are the `uⱼ` and the previous direction (warm start); the one
/// with the smallest quotient is refined `refinements = r` times by a two-dimensional
/// Rayleigh–Ritz step in `span{u, Hu − qu}` (steepest descent on the Rayleigh quotient with
/// exact line search, Knyazev 2001), which costs one product each.
///
/// **Accuracy promise** (tested):
/// 1. `C` is a Rayleigh quotient, so `λ_min ≤ C ≤ minⱼ qⱼ` up to the HVP error, and each
///    refinement can only lower it.
/// 2. `E[qⱼ] = tr(H)/n` and `Var[qⱼ] = 2/(n(n+2))·Σᵢ(λᵢ − λ̄)²`, so the Hutchinson estimate
///    `T = (n/m)Σⱼ qⱼ` (Hutchinson 1989, with spherical probes) is unbiased with standard
///    deviation `√(2n/(m(n+2)))·‖H − λ̄I‖_F ≤ √(2/m)·‖H − λ̄I‖_F`, `λ̄ = tr(H)/n`: the error
///    shrinks as `1/√evaluations`.
/// 3. A single random probe sees negative curvature only through the spectrum's mean and
///    spread (`qⱼ ≈ λ̄ ± √(2/n)·std(λ)`), so finding an isolated `λ_min` relies on the
///    refinements (and warm start across calls), whose error contracts per step at least as
///    fast as gradient descent on the Rayleigh quotient.
///
/// Cost per call: `m + r` HVPs on the first call, `m + 1 + r` afterwards (the warm-start
/// candidate's product), fewer if a residual vanishes. With finite differences each HVP is 2
/// gradient evaluations.
public struct RandomProbe: CurvatureEstimator, Sendable {
  /// Random directions per call, `m ≥ 1`.
  public var probes: Int
  /// Rayleigh–Ritz refinements of the best candidate per call, `r ≥ 0`.
  public var refinements: Int
  /// How products are computed.
  public var hvp: HVPMethod

  /// Random probing with `probes ≥ 1` directions and `refinements ≥ 0` refinement steps.
  public init(
    probes: Int = RandomProbe.Parameters.probes.default,
    refinements: Int = RandomProbe.Parameters.refinements.default, hvp: HVPMethod = .automatic
  ) {
    precondition(probes >= 1, "RandomProbe: probes must be ≥ 1, got \(probes)")
    precondition(refinements >= 0, "RandomProbe: refinements must be ≥ 0, got \(refinements)")
    self.probes = probes
    self.refinements = refinements
    self.hvp = hvp
  }

  /// The best direction, the last estimates and the probes' random stream.
  public struct State: Codable, Sendable {
    /// The best direction of the last call (unit), or `nil` before the first.
    public var direction: ParameterVector?
    /// The last curvature estimate `C`.
    public var curvature: Double?
    /// The last Hutchinson estimate of `tr(H)`.
    public var traceEstimate: Double?
    /// The random stream for probe directions.
    public var generator: SeededGenerator

    var probe: ParameterVector?
    var probeProduct: ParameterVector?
    var best: ParameterVector?
    var bestProduct: ParameterVector?
    var workspace = HVPWorkspace()

    enum CodingKeys: String, CodingKey { case direction, curvature, traceEstimate, generator }

    init(generator: SeededGenerator) { self.generator = generator }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(generator: SeededGenerator(seed: mixSeed(seed, 0x9_20BE)))
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let n = context.parameters.count
    prepareScratch(&state.probe, count: n)
    prepareScratch(&state.probeProduct, count: n)
    prepareScratch(&state.best, count: n)
    prepareScratch(&state.bestProduct, count: n)
    var bestQuotient = Double.infinity
    var sum = 0.0
    let warm = state.direction?.count == n
    for j in 0..<(probes + (warm ? 1 : 0)) {
      if j < probes {
        fillUnitGaussian(&state.probe!, groups: [0..<n], using: &state.generator)
      } else {
        state.probe!.assign(state.direction!)
      }
      hvp.product(
        at: context.parameters, along: state.probe!, into: &state.probeProduct!,
        objective: &objective, workspace: &state.workspace)
      let q = state.probe!.dot(state.probeProduct!)
      if j < probes { sum += q }
      if q < bestQuotient || j == 0 {
        bestQuotient = q
        swap(&state.best, &state.probe)
        swap(&state.bestProduct, &state.probeProduct)
      }
    }
    state.traceEstimate = Double(n) * sum / Double(probes)
    var curvature = bestQuotient
    for _ in 0..<refinements {
      guard
        let refined = refine(
          context, &objective, &state, quotient: curvature)
      else { break }
      curvature = refined
    }
    state.curvature = curvature
    prepareScratch(&state.direction, count: n)
    state.direction!.assign(state.best!)
    return CurvatureEstimate(direction: state.direction!, curvature: curvature, step: context.step)
  }

  /// One Rayleigh–Ritz step in `span{u, p}`, `p = normalize(Hu − qu)`: `u ← xu + yp` and
  /// `Hu ← xHu + yHp` for the smaller eigenpair of the 2×2 projected matrix. Returns the new
  /// quotient, or `nil` when the residual vanishes (u is an eigenvector) or is not finite.
  private func refine(
    _ context: StepContext, _ objective: inout Objective, _ state: inout State, quotient q: Double
  ) -> Double? {
    // p ← Hu − qu (in `probe`), normalized.
    state.probe!.assign(state.bestProduct!, plus: Float(-q), times: state.best!)
    let residual = state.probe!.norm
    let scale = Swift.max(abs(q), state.bestProduct!.norm, 1e-30)
    guard residual > 1e-6 * scale, residual.isFinite else { return nil }
    state.probe!.scale(by: Float(1 / residual))
    // Keep p orthogonal to u in Float.
    let overlap = state.probe!.dot(state.best!)
    state.probe!.add(state.best!, scaledBy: Float(-overlap))
    state.probe!.normalize()
    hvp.product(
      at: context.parameters, along: state.probe!, into: &state.probeProduct!,
      objective: &objective, workspace: &state.workspace)
    let a = q
    let b = 0.5 * (state.best!.dot(state.probeProduct!) + state.probe!.dot(state.bestProduct!))
    let c = state.probe!.dot(state.probeProduct!)
    let (values, vectors) = SymmetricEigen.decompose([a, b, b, c], dimension: 2)
    guard values[0].isFinite else { return nil }
    let x = Float(vectors[0][0])
    let y = Float(vectors[0][1])
    state.best!.scale(by: x)
    state.best!.add(state.probe!, scaledBy: y)
    state.bestProduct!.scale(by: x)
    state.bestProduct!.add(state.probeProduct!, scaledBy: y)
    let norm = state.best!.normalize()
    if norm > 0 { state.bestProduct!.scale(by: Float(1 / norm)) }
    return state.best!.dot(state.bestProduct!)
  }
}

extension RandomProbe: SchemaDeclaring {
  /// The parameters of the `random-probe` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `probes`: random directions per call.
    public static let probes = Parameter.integer(
      "probes", default: 8, in: .closed(1, 10_000), doc: "random directions per call")
    /// `refinements`: power steps refining the most negative probe.
    public static let refinements = Parameter.integer(
      "refinements", default: 2, in: .closed(0, 1000),
      doc: "power steps refining the most negative probe")
  }

  /// `random-probe` in specs and `saddle list`.
  public static let schema = StageSchema(
    "random-probe",
    summary: "Rayleigh quotients along random directions, most negative refined; Hutchinson trace",
    parameters: [Parameters.probes, Parameters.refinements] + HVPMethod.parameters)

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      probes: try p.read(Parameters.probes), refinements: try p.read(Parameters.refinements),
      hvp: try HVPMethod(parameters: p))
  }
}
