/// Saddle-free Newton in a Krylov subspace (Dauphin, Pascanu, Gulcehre, Cho, Ganguli & Bengio
/// 2014): `Δ = −Σᵢ (vᵢ·g)/(|λᵢ| + λ) vᵢ` over the Ritz pairs `(λᵢ, vᵢ)` of a `k`-step Lanczos
/// run, i.e. `−|H|⁻¹g` with `|H|` built from absolute eigenvalues, damped by `λ`.
///
/// The Krylov space is started from the incoming direction `g` (the gradient when first), so
/// `g` lies in it and its component in the orthogonal complement is zero up to rounding: the
/// complement gets no step (the choice between "gradient step" and "nothing" is moot). Near a
/// strict saddle this doubles the unstable component per step, like gradient descent with
/// `η = 1/|λ_min|`. The damping is chosen per step from `dampings` by the lowest loss
/// `L(θ + Δ_λ)` (as the paper does; one loss evaluation per candidate, none when there is a
/// single candidate). The direction becomes `−Δ`, so the optimizer moves `θ ← θ + Δ`: use it
/// as the last stage (a later stage would change the step the damping was chosen for).
///
/// Cost per step: `min(k, n)` HVPs (`2k` gradients with finite differences) plus
/// `dampings.count` loss evaluations when there is more than one candidate; nothing when
/// `g = 0`.
public struct SaddleFreeNewton: UpdateRule, Sendable {
  /// Krylov dimension `k ≥ 1`.
  public var rank: Int
  /// Candidate dampings `λ > 0` (at least one).
  public var dampings: [Double]
  /// How products are computed.
  public var hvp: HVPMethod

  /// Saddle-free Newton with `rank ≥ 1` and non-empty positive `dampings`.
  public init(
    rank: Int = 10, dampings: [Double] = [1e-3, 1e-2, 1e-1, 1], hvp: HVPMethod = .automatic
  ) {
    precondition(rank >= 1, "SaddleFreeNewton: rank must be ≥ 1")
    precondition(
      !dampings.isEmpty && dampings.allSatisfy { $0 > 0 && $0.isFinite },
      "SaddleFreeNewton: dampings must be a non-empty list of positive numbers")
    self.rank = rank
    self.dampings = dampings
    self.hvp = hvp
  }

  /// The last choice and Ritz values (the Krylov basis is scratch).
  public struct State: Codable, Sendable {
    /// The damping chosen at the last step.
    public var damping: Double?
    /// The Ritz values of the last step, ascending.
    public var ritzValues: [Double] = []
    var engine = LanczosEngine()
    var step: ParameterVector?
    var best: ParameterVector?
    var point: ParameterVector?

    enum CodingKeys: String, CodingKey { case damping, ritzValues }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    let (values, vectors) = state.engine.run(
      start: context.direction, steps: rank, at: context.parameters, hvp: hvp,
      objective: &objective)
    state.ritzValues = values
    guard !values.isEmpty else {
      context.direction.fill(with: 0)
      return
    }
    let projection = state.engine.coordinates(of: context.direction)
    // Coefficients of g in the Ritz basis: cᵢ = sᵢ·(Qᵀg).
    let ritzCoefficients = vectors.map { s in zip(s, projection).reduce(0) { $0 + $1.0 * $1.1 } }
    prepareScratch(&state.step, count: n)
    prepareScratch(&state.best, count: n)
    prepareScratch(&state.point, count: n)
    var bestLoss = Double.infinity
    var bestDamping = dampings[0]
    for damping in dampings {
      // Δ_λ in basis coordinates: Σᵢ −cᵢ/(|λᵢ| + λ)·sᵢ.
      var coordinates = [Double](repeating: 0, count: state.engine.size)
      for (i, s) in vectors.enumerated() {
        let denominator = abs(values[i]) + damping
        guard denominator > 0 else { continue }
        let factor = -ritzCoefficients[i] / denominator
        for j in 0..<s.count { coordinates[j] += factor * s[j] }
      }
      state.engine.combine(coordinates, into: &state.step!)
      if dampings.count == 1 {
        state.best!.assign(state.step!)
        bestDamping = damping
        break
      }
      state.point!.assign(context.parameters)
      state.point!.add(state.step!)
      let loss = objective.loss(at: state.point!)
      // The first candidate is the fallback when every loss is NaN.
      if loss < bestLoss || damping == dampings[0] && !(bestLoss < .infinity) {
        bestLoss = loss
        bestDamping = damping
        state.best!.assign(state.step!)
      }
    }
    state.damping = bestDamping
    context.direction.assign(state.best!)
    context.direction.scale(by: -1)
    context.metrics["saddleFreeNewton.damping"] = bestDamping
  }

  public func summary(of state: State) -> [String: Double] {
    state.damping.map { ["saddleFreeNewton.damping": $0] } ?? [:]
  }
}
