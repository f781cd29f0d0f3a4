/// The Lanczos method (Lanczos 1950; Golub & Van Loan §10.1): `k` Hessian-vector products
/// build an orthonormal basis `Q` of the Krylov space `span{q₁, Hq₁, …, H^{k−1}q₁}` and the
/// tridiagonal `T = QᵀHQ`; the eigenpairs `(θᵢ, sᵢ)` of `T` give the Ritz pairs `(θᵢ, Qsᵢ)`.
///
/// Full reorthogonalization (two Gram–Schmidt passes against every earlier basis vector) keeps
/// `Q` orthonormal in `Float`; `T` is solved by ``SymmetricEigen`` (Jacobi, Double). The
/// extreme Ritz values converge first, so `θ_min ≥ λ_min` approaches `λ_min` quickly
/// (Kaniel–Paige bounds). The estimate reports the minimum Ritz pair; all pairs are kept in
/// ``State/ritzValues`` and ``State/ritzVector(_:)`` (used by saddle-free Newton).
///
/// `q₁` is the previous minimum Ritz vector (warm start) or a seeded random vector. If the
/// Krylov space is invariant (`βⱼ ≈ 0`), iteration stops early with fewer products.
///
/// Cost per call: `min(k, n)` HVPs (`2k` gradients with finite differences, `k` exact
/// products, fewer on early breakdown).
public struct Lanczos: CurvatureEstimator, Sendable {
  /// Krylov dimension `k ≥ 1` (capped at the parameter count).
  public var rank: Int
  /// How products are computed.
  public var hvp: HVPMethod

  /// Lanczos with `rank ≥ 1` steps per call.
  public init(rank: Int = Lanczos.Parameters.rank.default, hvp: HVPMethod = .automatic) {
    precondition(rank >= 1, "Lanczos: rank must be ≥ 1, got \(rank)")
    self.rank = rank
    self.hvp = hvp
  }

  /// The warm-started vector and the last Ritz values (the basis is scratch, not encoded).
  public struct State: Codable, Sendable {
    /// The minimum Ritz vector of the last call (the next start vector).
    public var direction: ParameterVector
    /// All Ritz values of the last call, ascending.
    public var ritzValues: [Double] = []
    /// The Ritz vectors' coordinates in the Krylov basis (scratch).
    var ritzCoordinates: [[Double]] = []
    var engine = LanczosEngine()

    enum CodingKeys: String, CodingKey { case direction, ritzValues }

    init(direction: ParameterVector) { self.direction = direction }

    /// The Ritz vector of `ritzValues[index]` from the last call (allocates; for inspection).
    public func ritzVector(_ index: Int) -> ParameterVector {
      var y = ParameterVector(count: direction.count)
      for (j, s) in ritzCoordinates[index].enumerated() {
        y.add(engine.basis[j], scaledBy: Float(s))
      }
      return y
    }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    var generator = SeededGenerator(seed: mixSeed(seed, 0x1A_4C05))
    var v = ParameterVector(count: layout.count)
    fillUnitGaussian(&v, groups: [0..<layout.count], using: &generator)
    return State(direction: v)
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let (values, coordinates) = state.engine.run(
      start: state.direction, steps: rank, at: context.parameters, hvp: hvp,
      objective: &objective)
    state.ritzValues = values
    state.ritzCoordinates = coordinates
    guard let lowest = values.first, lowest.isFinite else {
      return CurvatureEstimate(direction: state.direction, curvature: 0, step: context.step)
    }
    state.engine.combine(coordinates[0], into: &state.direction)
    state.direction.normalize()
    return CurvatureEstimate(direction: state.direction, curvature: lowest, step: context.step)
  }
}

/// The Lanczos recurrence with full reorthogonalization; buffers are allocated once.
struct LanczosEngine: Sendable {
  var basis: [ParameterVector] = []
  var product: ParameterVector?
  var workspace = HVPWorkspace()
  /// Basis vectors built in the last run.
  var size = 0

  /// Runs up to `steps` products from `start` (a zero start gives an empty result). Returns the
  /// Ritz values (ascending) and the Ritz vectors' coordinates in the basis.
  mutating func run(
    start: ParameterVector, steps: Int, at parameters: ParameterVector, hvp: HVPMethod,
    objective: inout Objective
  ) -> ([Double], [[Double]]) {
    let n = parameters.count
    let k = Swift.min(steps, n)
    size = 0
    let startNorm = start.norm
    guard k > 0, startNorm > 0, startNorm.isFinite else { return ([], []) }
    if basis.count < k || basis.first?.count != n {
      basis = (0..<k).map { _ in ParameterVector(count: n) }
    }
    prepareScratch(&product, count: n)
    var alpha = [Double](repeating: 0, count: k)
    var beta = [Double](repeating: 0, count: k)
    basis[0].assign(start)
    basis[0].scale(by: Float(1 / startNorm))
    for j in 0..<k {
      hvp.product(
        at: parameters, along: basis[j], into: &product!, objective: &objective,
        workspace: &workspace)
      size = j + 1
      alpha[j] = basis[j].dot(product!)
      guard alpha[j].isFinite else { return ([], []) }
      guard j + 1 < k else { break }
      // w = Hq_j − α_j q_j − β_{j−1} q_{j−1}, then two full reorthogonalization passes.
      product!.add(basis[j], scaledBy: Float(-alpha[j]))
      if j > 0 { product!.add(basis[j - 1], scaledBy: Float(-beta[j - 1])) }
      for _ in 0..<2 {
        for i in 0...j {
          let c = basis[i].dot(product!)
          product!.add(basis[i], scaledBy: Float(-c))
        }
      }
      let b = product!.norm
      let scale = Swift.max(abs(alpha[j]), j > 0 ? beta[j - 1] : 0, 1e-30)
      if !(b > 1e-6 * scale) || !b.isFinite { break }
      beta[j] = b
      basis[j + 1].assign(product!)
      basis[j + 1].scale(by: Float(1 / b))
    }
    let m = size
    var t = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      t[i * m + i] = alpha[i]
      if i + 1 < m {
        t[i * m + i + 1] = beta[i]
        t[(i + 1) * m + i] = beta[i]
      }
    }
    let (values, vectors) = SymmetricEigen.decompose(t, dimension: m)
    return (values, vectors)
  }

  /// `result ← Σⱼ coordinates[j]·q_j`.
  func combine(_ coordinates: [Double], into result: inout ParameterVector) {
    result.fill(with: 0)
    for (j, s) in coordinates.enumerated() { result.add(basis[j], scaledBy: Float(s)) }
  }

  /// `Qᵀv`, the coordinates of `v` in the basis of the last run.
  func coordinates(of v: ParameterVector) -> [Double] {
    (0..<size).map { basis[$0].dot(v) }
  }
}

extension Lanczos: SchemaDeclaring {
  /// The parameters of the `lanczos` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `rank`: Krylov dimension k.
    public static let rank = Parameter.integer(
      "rank", default: 10, in: .closed(1, 1000), doc: "Krylov dimension k")
  }

  /// `lanczos` in specs and `saddle list`.
  public static let schema = StageSchema(
    "lanczos", summary: "k-step Lanczos, reorthogonalized; minimum Ritz pair",
    parameters: [Parameters.rank] + HVPMethod.parameters)

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(rank: try p.read(Parameters.rank), hvp: try HVPMethod(parameters: p))
  }
}
