/// Shifted power iteration for the minimum eigenpair of the Hessian, from Hessian-vector
/// products.
///
/// Iterates `v ← normalize(σv − Hv)`: the dominant eigenvalue of `σI − H` is `σ − λ_min` as
/// long as `σ > (λ_max + λ_min)/2`, and the convergence factor per iteration is
/// `max_{i≠min} |σ − λᵢ| / (σ − λ_min)`. The shift `σ` is `.fixed(σ)` or `.automatic`: on the
/// first call, `normIterations` plain power iterations on `H` (from a seeded random vector)
/// estimate `‖H‖`; afterwards `σ ← max(σ, ‖Hv‖)` with the products already computed (free).
///
/// Per call: `iterations = k` products, each `w = Hv`, `C = v·w` (an exact Rayleigh quotient up
/// to the HVP error), then `v ← normalize(σv − w)`. The estimate reports the updated `v` and the
/// last `C` (measured before the last update; the two agree as the iteration converges). `v` is
/// warm-started across calls.
///
/// Cost per call: `k` HVPs (`2k` gradients with finite differences, `k` exact products), plus
/// `normIterations` HVPs on the first call when the shift is automatic.
public struct PowerIteration: CurvatureEstimator, Sendable {
  /// How the shift `σ` is chosen.
  public enum Shift: Sendable, Hashable, Codable {
    /// `σ` from a few power iterations on `H` at the first call, then the running max of `‖Hv‖`.
    case automatic(normIterations: Int = 10)
    /// A fixed `σ`; must exceed `(λ_max + λ_min)/2`.
    case fixed(Double)
  }

  /// Iterations (HVPs) per call, `k ≥ 1`.
  public var iterations: Int
  /// How products are computed.
  public var hvp: HVPMethod
  /// The shift.
  public var shift: Shift

  /// Shifted power iteration with `iterations ≥ 1` products per call.
  public init(
    iterations: Int = PowerIteration.Parameters.iterations.default, hvp: HVPMethod = .automatic,
    shift: Shift = .automatic()
  ) {
    precondition(iterations >= 1, "PowerIteration: iterations must be ≥ 1, got \(iterations)")
    if case .automatic(let k) = shift {
      precondition(k >= 1, "PowerIteration: normIterations must be ≥ 1, got \(k)")
    }
    self.iterations = iterations
    self.hvp = hvp
    self.shift = shift
  }

  /// The warm-started vector, the shift and the last curvature.
  public struct State: Codable, Sendable {
    /// The current iterate `v` (unit).
    public var direction: ParameterVector
    /// The shift `σ` in use (`nil` until estimated).
    public var shift: Double?
    /// The last Rayleigh quotient.
    public var curvature: Double?
    /// The seed for the norm-estimation vector.
    var seed: UInt64

    var product: ParameterVector?
    var workspace = HVPWorkspace()

    enum CodingKeys: String, CodingKey { case direction, shift, curvature, seed }

    init(direction: ParameterVector, seed: UInt64) {
      self.direction = direction
      self.seed = seed
    }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    var generator = SeededGenerator(seed: mixSeed(seed, 0x90_7E4))
    var v = ParameterVector(count: layout.count)
    fillUnitGaussian(&v, groups: [0..<layout.count], using: &generator)
    return State(direction: v, seed: mixSeed(seed, 0x51_6A))
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let n = context.parameters.count
    prepareScratch(&state.product, count: n)
    if state.shift == nil {
      switch shift {
      case .fixed(let sigma): state.shift = sigma
      case .automatic(let k):
        // Plain power iteration on H: ‖Hv‖ → max|λ| from below.
        var generator = SeededGenerator(seed: state.seed)
        var v = ParameterVector(count: n)
        fillUnitGaussian(&v, groups: [0..<n], using: &generator)
        var estimate = 0.0
        for _ in 0..<k {
          hvp.product(
            at: context.parameters, along: v, into: &state.product!, objective: &objective,
            workspace: &state.workspace)
          estimate = state.product!.norm
          guard estimate > 0, estimate.isFinite else { break }
          v.assign(state.product!)
          v.scale(by: Float(1 / estimate))
        }
        state.shift = estimate.isFinite ? estimate : 0
      }
    }
    var curvature = state.curvature ?? 0
    for _ in 0..<iterations {
      hvp.product(
        at: context.parameters, along: state.direction, into: &state.product!,
        objective: &objective, workspace: &state.workspace)
      let c = state.direction.dot(state.product!)
      guard c.isFinite else { break }
      curvature = c
      if case .automatic = shift { state.shift = Swift.max(state.shift!, state.product!.norm) }
      // v ← σv − Hv, renormalized; keep v if the update vanishes (v an eigenvector at σ).
      let sigma = Float(state.shift!)
      let vp = state.direction.unsafeMutableBaseAddress()
      let wp = state.product!.unsafeBaseAddress
      var norm2 = 0.0
      for i in 0..<n { norm2 += Double(sigma * vp[i] - wp[i]) * Double(sigma * vp[i] - wp[i]) }
      guard norm2 > 0, norm2.isFinite else { break }
      for i in 0..<n { vp[i] = sigma * vp[i] - wp[i] }
      state.direction.normalize()
    }
    state.curvature = curvature
    return CurvatureEstimate(direction: state.direction, curvature: curvature, step: context.step)
  }
}

extension PowerIteration: SchemaDeclaring {
  /// The parameters of the `power-iteration` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `iterations`: power iterations per call.
    public static let iterations = Parameter.integer(
      "iterations", default: 10, in: .closed(1, 10_000), doc: "power iterations per call")
  }

  /// `power-iteration` in specs and `saddle list`.
  public static let schema = StageSchema(
    "power-iteration",
    summary: "shifted power iteration on σI − H with finite-difference or exact HVPs",
    parameters: [Parameters.iterations] + HVPMethod.parameters)

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(iterations: try p.read(Parameters.iterations), hvp: try HVPMethod(parameters: p))
  }
}
