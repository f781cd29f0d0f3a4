/// The constrained second-order method of Mokhtari, Ozdaglar & Jadbabaie (2018), "Escaping
/// Saddle Points in Constrained Optimization" (NeurIPS 2018, pp. 3629–3639; arXiv 1809.02162;
/// seed 001); preset `constrained-second-order`. For `min f(x)` subject to `x ∈ C`, `C` a
/// closed convex set (the paper's problem (1); here a box `[l, u]ᵈ` or a ball `‖x‖ ≤ R`
/// centred at 0). Read of the paper: abstract and start of the introduction only — two
/// stages (first-order information to reach a first-order stationary point, then second-order
/// information to escape), valid when a "ρ-approximate solution of a quadratic program
/// subject to C" can be found, reaching an `(ε, γ)`-SOSP in `O(max{ε⁻², ρ⁻³γ⁻³})` iterations.
/// The phases below follow that description; the algorithm box, the second-order test's
/// threshold (here `q(u) < −γ`) and the step `σ` were not checked against the paper's text
/// (algorithm numbering not verified).
///
/// 1. **First-order phase.** While the first-order gap exceeds `ε`, take a first-order step:
///    projected gradient `x ← Π_C(x − ηg)` with gap `‖x − Π_C(x − ηg)‖/η`, or Frank–Wolfe
///    `x ← (1 − η)x + ηv`, `v = argmin_{v∈C} gᵀv`, with gap `gᵀ(x − v)`.
/// 2. **Second-order phase.** When the gap is `≤ ε`, (approximately) solve the quadratic
///    subproblem `min_u q(u) = (u − x)ᵀ∇²f(x)(u − x)` over `u ∈ C` with `∇f(x)ᵀ(u − x) = 0`. If
///    `q(u) < −γ`, step `x ← (1 − σ)x + σu` — a convex combination, so a direction from the
///    boundary into the interior is kept (a face-restricted negative-curvature step drops it).
///    Otherwise `x` is an approximate second-order stationary point: the paper stops; this
///    stage keeps taking first-order steps and does not run the second-order phase again until
///    the gap exceeds `ε` (``State/certified``).
///
/// The subproblem oracle (the paper's ρ-approximate oracle, see its discussion of the
/// subproblem's complexity — a nonconvex QP is NP-hard in general):
/// - **ball**: exact. Writing `u − x` in an orthonormal basis `Q` of `g⊥` (a Householder
///   reflection), the problem is the trust-region subproblem `min (y − a)ᵀH̃(y − a)`,
///   `‖y‖ ≤ ρ`, `H̃ = QᵀHQ`, `a = Qᵀx`, `ρ² = R² − (ĝᵀx)²`, solved through the eigenvalues of
///   `H̃` and the secular equation (bisection on the multiplier, hard case included).
/// - **box**, `d ≤ exactFaceLimit` (default 8): exact by face enumeration. Every face (each
///   coordinate at its lower bound, its upper bound or free — `3ᵈ` faces) contributes the
///   stationary point of `q` on the face's affine hull under `gᵀw = 0` when `q` is convex there
///   (the KKT system) and the point is feasible; a face where `q` is not convex has its minimum
///   on a smaller face. The best point found is the global minimum.
/// - **box**, larger `d`: approximate — projected gradient descent on `q` over
///   `{l ≤ x + w ≤ u, gᵀw = 0}` (projection by bisection on the hyperplane's multiplier) from
///   `±` the most negative eigenvector of `H`; no ρ guarantee.
///
/// The Hessian is formed densely from `d` Hessian-vector products (exact or finite-difference,
/// ``HVPMethod``), so the second-order phase costs `d` HVPs; the first-order phase is free
/// beyond the step's gradient. Meant for low and moderate `d`.
public struct ConstrainedSecondOrder: UpdateRule, Sendable {
  /// The feasible set (centred at the origin).
  public enum FeasibleSet: Sendable, Hashable, Codable {
    /// `lower ≤ xᵢ ≤ upper` for every coordinate.
    case box(lower: Double, upper: Double)
    /// `‖x‖ ≤ radius`.
    case ball(radius: Double)
  }

  /// The first-order phase's step.
  public enum FirstOrder: String, Sendable, Hashable, Codable {
    /// `x ← Π_C(x − η∇f(x))`; the gap is `‖x − Π_C(x − ∇f(x))‖`.
    case projectedGradient = "projected-gradient"
    /// `x ← x + η(v − x)`, `v = argmin_{v ∈ C} ∇f(x)ᵀv`; the gap is `∇f(x)ᵀ(x − v)`.
    case frankWolfe = "frank-wolfe"
  }

  /// `C`.
  public var set: FeasibleSet
  /// The first-order step.
  public var firstOrder: FirstOrder
  /// `η` (projected gradient step, or Frank–Wolfe step size in `(0, 1]`).
  public var learningRate: Double
  /// `ε ≥ 0`: the gap below which the second-order phase runs.
  public var gapTolerance: Double
  /// `γ ≥ 0`: take the second-order step when `q(u) < −γ`.
  public var curvatureTolerance: Double
  /// `σ ∈ (0, 1]`: the convex-combination step.
  public var stepFraction: Double
  /// The largest `d` solved exactly by face enumeration on a box.
  public var exactFaceLimit: Int
  /// How Hessian-vector products are computed.
  public var hvp: HVPMethod

  /// The method; see the type's documentation.
  public init(
    set: FeasibleSet, firstOrder: FirstOrder = .projectedGradient,
    learningRate: Double = ConstrainedSecondOrder.Parameters.learningRate.default,
    gapTolerance: Double = ConstrainedSecondOrder.Parameters.gapTolerance.default,
    curvatureTolerance: Double = ConstrainedSecondOrder.Parameters.curvatureTolerance.default,
    stepFraction: Double = ConstrainedSecondOrder.Parameters.stepFraction.default,
    exactFaceLimit: Int = ConstrainedSecondOrder.Parameters.exactFaceLimit.default,
    hvp: HVPMethod = .automatic
  ) {
    switch set {
    case .box(let l, let u): precondition(l <= u, "ConstrainedSecondOrder: lower ≤ upper")
    case .ball(let r): precondition(r >= 0, "ConstrainedSecondOrder: radius ≥ 0")
    }
    precondition(learningRate > 0, "ConstrainedSecondOrder: learningRate > 0")
    precondition(firstOrder == .projectedGradient || learningRate <= 1, "FW step ≤ 1")
    precondition(gapTolerance >= 0 && curvatureTolerance >= 0, "tolerances ≥ 0")
    precondition(stepFraction > 0 && stepFraction <= 1, "ConstrainedSecondOrder: σ ∈ (0, 1]")
    self.set = set
    self.firstOrder = firstOrder
    self.learningRate = learningRate
    self.gapTolerance = gapTolerance
    self.curvatureTolerance = curvatureTolerance
    self.stepFraction = stepFraction
    self.exactFaceLimit = exactFaceLimit
    self.hvp = hvp
  }

  /// Counters and the certification flag.
  public struct State: Codable, Sendable {
    /// Second-order phases run.
    public var secondOrderPhases = 0
    /// Second-order steps taken (`q(u) < −γ`, so `x ← (1 − σ)x + σu`).
    public var secondOrderSteps = 0
    /// The last subproblem value `q(u)`.
    public var lastModelValue: Double?
    /// Whether the current point was certified second-order stationary.
    public var certified = false
    var workspace = HVPWorkspace()
    var basis: ParameterVector?
    var product: ParameterVector?

    enum CodingKeys: String, CodingKey {
      case secondOrderPhases, secondOrderSteps, lastModelValue, certified
    }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    let x = context.parameters.map { Double($0) }
    let g = context.gradient.map { Double($0) }
    // First-order step target and gap.
    var target: [Double]
    let gap: Double
    switch firstOrder {
    case .projectedGradient:
      target = project(zip(x, g).map { $0 - learningRate * $1 })
      gap =
        zip(x, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        / learningRate
    case .frankWolfe:
      let v = linearMinimizer(g)
      gap = (0..<n).reduce(0) { $0 + g[$1] * (x[$1] - v[$1]) }
      target = (0..<n).map { (1 - learningRate) * x[$0] + learningRate * v[$0] }
    }
    context.metrics["constrained.gap"] = gap
    if gap > gapTolerance { state.certified = false }
    if gap <= gapTolerance && !state.certified {
      state.secondOrderPhases += 1
      let h = hessian(at: context.parameters, objective: &objective, state: &state)
      let u = solveSubproblem(hessian: h, gradient: g, point: x)
      let w = (0..<n).map { u[$0] - x[$0] }
      var q = 0.0
      for i in 0..<n { for j in 0..<n { q += w[i] * h[i][j] * w[j] } }
      state.lastModelValue = q
      context.metrics["constrained.q"] = q
      if q < -curvatureTolerance {
        target = (0..<n).map { (1 - stepFraction) * x[$0] + stepFraction * u[$0] }
        state.secondOrderSteps += 1
        context.metrics["negativeCurvatureStep.taken"] = 1
      } else {
        state.certified = true
      }
    }
    // θ ← target, i.e. direction = θ − target.
    context.direction.withUnsafeMutableBufferPointer { d in
      for i in 0..<n { d[i] = Float(x[i] - target[i]) }
    }
  }

  /// `Π_C(y)`.
  func project(_ y: [Double]) -> [Double] {
    switch set {
    case .box(let l, let u): return y.map { Swift.min(Swift.max($0, l), u) }
    case .ball(let r):
      let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return norm <= r ? y : y.map { $0 * r / norm }
    }
  }

  /// `argmin_{v∈C} gᵀv`.
  func linearMinimizer(_ g: [Double]) -> [Double] {
    switch set {
    case .box(let l, let u): return g.map { $0 > 0 ? l : u }
    case .ball(let r):
      let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return norm > 0 ? g.map { -$0 * r / norm } : g.map { _ in 0 }
    }
  }

  /// The dense Hessian from `d` HVPs along the coordinate axes, symmetrized.
  func hessian(at parameters: ParameterVector, objective: inout Objective, state: inout State)
    -> [[Double]]
  {
    let n = parameters.count
    prepareScratch(&state.basis, count: n)
    prepareScratch(&state.product, count: n)
    var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for j in 0..<n {
      state.basis!.fill(with: 0)
      state.basis![j] = 1
      hvp.product(
        at: parameters, along: state.basis!, into: &state.product!, objective: &objective,
        workspace: &state.workspace)
      for i in 0..<n { h[i][j] = Double(state.product![i]) }
    }
    for i in 0..<n {
      for j in (i + 1)..<n {
        let s = 0.5 * (h[i][j] + h[j][i])
        h[i][j] = s
        h[j][i] = s
      }
    }
    return h
  }

  /// The subproblem's minimizer `u` (exact for the ball and for boxes up to `exactFaceLimit`).
  public func solveSubproblem(hessian h: [[Double]], gradient g: [Double], point x: [Double])
    -> [Double]
  {
    switch set {
    case .ball(let r): return QuadraticSubproblem.ball(h, g, x, radius: r)
    case .box(let l, let u):
      let lo = x.map { l - $0 }
      let hi = x.map { u - $0 }
      let w =
        x.count <= exactFaceLimit
        ? QuadraticSubproblem.boxFaces(h, g, lower: lo, upper: hi)
        : QuadraticSubproblem.boxProjectedGradient(h, g, lower: lo, upper: hi)
      return (0..<x.count).map { x[$0] + w[$0] }
    }
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "constrained.secondOrderPhases": Double(state.secondOrderPhases),
      "constrained.secondOrderSteps": Double(state.secondOrderSteps),
    ]
  }
}

/// Solvers of `min wᵀHw` subject to a set and `gᵀw = 0` (``ConstrainedSecondOrder``).
enum QuadraticSubproblem {
  static func value(_ h: [[Double]], _ w: [Double]) -> Double {
    var q = 0.0
    for i in w.indices { for j in w.indices { q += w[i] * h[i][j] * w[j] } }
    return q
  }

  /// Ball `‖x + w‖ ≤ R`, `gᵀw = 0`: the trust-region subproblem in `g⊥`; returns `u = x + w`.
  static func ball(_ h: [[Double]], _ g: [Double], _ x: [Double], radius: Double) -> [Double] {
    let n = x.count
    let gNorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
    // Orthonormal basis Q of g⊥ (all of ℝⁿ when g = 0), as rows.
    var q: [[Double]] = []
    var beta = 0.0
    if gNorm > 0 {
      let unit = g.map { $0 / gNorm }
      beta = zip(unit, x).reduce(0) { $0 + $1.0 * $1.1 }
      var v = unit
      v[0] += unit[0] >= 0 ? 1 : -1
      let vv = v.reduce(0) { $0 + $1 * $1 }
      for k in 1..<n {
        // Column k of I − 2vvᵀ/vᵀv.
        q.append((0..<n).map { i in (i == k ? 1 : 0) - 2 * v[i] * v[k] / vv })
      }
    } else {
      q = (0..<n).map { k in (0..<n).map { $0 == k ? 1 : 0 } }
    }
    let m = q.count
    guard m > 0 else { return x }
    let rho = Swift.max(radius * radius - beta * beta, 0).squareRoot()
    let a = q.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
    var reduced = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
    let hq = q.map { row in (0..<n).map { i in (0..<n).reduce(0) { $0 + h[i][$1] * row[$1] } } }
    for r in 0..<m {
      for c in 0..<m { reduced[r][c] = zip(q[r], hq[c]).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    let eigen = SymmetricEigen(reduced)
    let lambda = eigen.values
    let alpha = eigen.vectors.map { v in zip(v, a).reduce(0) { $0 + $1.0 * $1.1 } }
    func coefficients(_ mu: Double) -> [Double] {
      (0..<m).map { i in
        let denominator = lambda[i] + mu
        return denominator > 0 ? lambda[i] * alpha[i] / denominator : 0
      }
    }
    func norm(_ c: [Double]) -> Double { c.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    var c: [Double]
    let lowest = lambda[0]
    if lowest >= 0 && norm(alpha) <= rho {
      c = alpha  // q = 0 at u = x.
    } else {
      var low = Swift.max(0, -lowest)
      c = coefficients(low)
      // Hard case: even at μ = −λ_min (components on λ_min dropped) the point is inside.
      let hard = lowest < 0 && norm(coefficients(low * (1 + 1e-12) + 1e-300)) < rho
      if hard {
        c = (0..<m).map { i in
          lambda[i] + low > 1e-12 ? lambda[i] * alpha[i] / (lambda[i] + low) : 0
        }
        let missing = Swift.max(rho * rho - c.reduce(0) { $0 + $1 * $1 }, 0).squareRoot()
        c[0] += missing
      } else {
        var high = low + 1
        while norm(coefficients(high)) > rho { high = low + 2 * (high - low) }
        for _ in 0..<200 {
          let mid = 0.5 * (low + high)
          if norm(coefficients(mid)) > rho { low = mid } else { high = mid }
        }
        c = coefficients(high)
      }
    }
    // y = Vc; u = x + Q(y − a) in the original coordinates.
    var y = [Double](repeating: 0, count: m)
    for k in 0..<m { for i in 0..<m { y[i] += eigen.vectors[k][i] * c[k] } }
    var u = x
    for k in 0..<m { for i in 0..<n { u[i] += q[k][i] * (y[k] - a[k]) } }
    return u
  }

  /// Box `lower ≤ w ≤ upper` (componentwise, `lower ≤ 0 ≤ upper`), `gᵀw = 0`: exact by face
  /// enumeration (`3ⁿ` faces).
  static func boxFaces(_ h: [[Double]], _ g: [Double], lower: [Double], upper: [Double])
    -> [Double]
  {
    let n = g.count
    var best = [Double](repeating: 0, count: n)
    var bestValue = 0.0
    let gScale = g.reduce(0) { Swift.max($0, abs($1)) }
    let tolerance = 1e-10 * Swift.max(1, gScale) * (1 + (lower + upper).reduce(0) { $0 + abs($1) })
    var state = [Int](repeating: 0, count: n)  // 0 free, 1 lower, 2 upper
    var total = 1
    for _ in 0..<n { total *= 3 }
    for index in 0..<total {
      var k = index
      for i in 0..<n {
        state[i] = k % 3
        k /= 3
      }
      let free = (0..<n).filter { state[$0] == 0 }
      var w = [Double](repeating: 0, count: n)
      for i in 0..<n where state[i] != 0 { w[i] = state[i] == 1 ? lower[i] : upper[i] }
      let fixedDot = (0..<n).reduce(0) { state[$1] == 0 ? $0 : $0 + g[$1] * w[$1] }
      let gFree = free.map { g[$0] }
      let gFreeNorm = gFree.reduce(0) { $0 + $1 * $1 }.squareRoot()
      if free.isEmpty || gFreeNorm == 0 {
        guard abs(fixedDot) <= tolerance else { continue }
      }
      if !free.isEmpty {
        let f = free.count
        let hff = free.map { i in free.map { h[i][$0] } }
        // Convexity of q on the face's affine hull under gᵀw = 0: PHP ⪰ 0, P = I − ĝĝᵀ.
        var projected = hff
        if gFreeNorm > 0 {
          let e = gFree.map { $0 / gFreeNorm }
          let he = hff.map { row in zip(row, e).reduce(0) { $0 + $1.0 * $1.1 } }
          let ehe = zip(e, he).reduce(0) { $0 + $1.0 * $1.1 }
          for r in 0..<f {
            for c in 0..<f {
              projected[r][c] += -e[r] * he[c] - he[r] * e[c] + e[r] * e[c] * ehe
            }
          }
        }
        let scale = hff.flatMap { $0 }.reduce(0) { Swift.max($0, abs($1)) }
        guard SymmetricEigen(projected).values.first ?? 0 >= -1e-10 * Swift.max(scale, 1) else {
          continue
        }
        // KKT: [2H_FF ĝ_F; ĝ_Fᵀ 0][w_F; μ] = [−2H_FB w_B; −g_Bᵀw_B/‖g_F‖], with the
        // constraint row normalized (ĝ_F = g_F/‖g_F‖): near a saddle g is tiny, and the
        // unnormalized row made the system look singular.
        let hasConstraint = gFreeNorm > 0
        let size = f + (hasConstraint ? 1 : 0)
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: size), count: size)
        var rhs = [Double](repeating: 0, count: size)
        for r in 0..<f {
          for c in 0..<f { matrix[r][c] = 2 * hff[r][c] }
          if hasConstraint {
            matrix[r][f] = gFree[r] / gFreeNorm
            matrix[f][r] = gFree[r] / gFreeNorm
          }
          var coupling = 0.0
          for j in 0..<n where state[j] != 0 { coupling += h[free[r]][j] * w[j] }
          rhs[r] = -2 * coupling
        }
        if hasConstraint { rhs[f] = -fixedDot / gFreeNorm }
        guard let solution = solveLinear(matrix, rhs) else { continue }
        var feasible = true
        for (r, i) in free.enumerated() {
          let value = solution[r]
          if value < lower[i] - 1e-12 || value > upper[i] + 1e-12 { feasible = false }
          w[i] = Swift.min(Swift.max(value, lower[i]), upper[i])
        }
        guard feasible else { continue }
      }
      let value = QuadraticSubproblem.value(h, w)
      if value < bestValue {
        bestValue = value
        best = w
      }
    }
    return best
  }

  /// Gaussian elimination with partial pivoting; `nil` when (numerically) singular.
  static func solveLinear(_ a: [[Double]], _ b: [Double]) -> [Double]? {
    var m = a
    var r = b
    let n = b.count
    let scale = a.flatMap { $0 }.reduce(0) { Swift.max($0, abs($1)) }
    for col in 0..<n {
      var pivot = col
      for row in (col + 1)..<n where abs(m[row][col]) > abs(m[pivot][col]) { pivot = row }
      guard abs(m[pivot][col]) > 1e-12 * Swift.max(scale, 1e-300) else { return nil }
      m.swapAt(col, pivot)
      r.swapAt(col, pivot)
      for row in (col + 1)..<n {
        let factor = m[row][col] / m[col][col]
        if factor == 0 { continue }
        for c in col..<n { m[row][c] -= factor * m[col][c] }
        r[row] -= factor * r[col]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = r[row]
      for c in (row + 1)..<n { s -= m[row][c] * x[c] }
      x[row] = s / m[row][row]
    }
    return x
  }

  /// Approximate box solver: projected gradient on `q` over `{lower ≤ w ≤ upper, gᵀw = 0}`
  /// from `±` the most negative eigenvector (scaled to the box), the better end point.
  static func boxProjectedGradient(
    _ h: [[Double]], _ g: [Double], lower: [Double], upper: [Double], iterations: Int = 500
  ) -> [Double] {
    let n = g.count
    let eigen = SymmetricEigen(h)
    let spread = eigen.values.map(abs).max() ?? 1
    let step = 0.25 / Swift.max(spread, 1e-12)
    func projectFeasible(_ z: [Double]) -> [Double] {
      func clipped(_ tau: Double) -> [Double] {
        (0..<n).map { Swift.min(Swift.max(z[$0] - tau * g[$0], lower[$0]), upper[$0]) }
      }
      func dot(_ w: [Double]) -> Double { zip(g, w).reduce(0) { $0 + $1.0 * $1.1 } }
      if g.allSatisfy({ $0 == 0 }) { return clipped(0) }
      var low = -1.0
      var high = 1.0
      while dot(clipped(low)) < 0 && low > -1e12 { low *= 2 }
      while dot(clipped(high)) > 0 && high < 1e12 { high *= 2 }
      for _ in 0..<100 {
        let mid = 0.5 * (low + high)
        if dot(clipped(mid)) > 0 { low = mid } else { high = mid }
      }
      return clipped(0.5 * (low + high))
    }
    var best = [Double](repeating: 0, count: n)
    var bestValue = 0.0
    for sign in [1.0, -1.0] {
      let width = zip(lower, upper).map { $1 - $0 }.max() ?? 1
      var w = projectFeasible(eigen.vectors[0].map { sign * width * $0 })
      for _ in 0..<iterations {
        let gradient = (0..<n).map { i in 2 * (0..<n).reduce(0) { $0 + h[i][$1] * w[$1] } }
        w = projectFeasible((0..<n).map { w[$0] - step * gradient[$0] })
      }
      let value = QuadraticSubproblem.value(h, w)
      if value < bestValue {
        bestValue = value
        best = w
      }
    }
    return best
  }
}

extension ConstrainedSecondOrder: SchemaDeclaring {
  /// The parameters of the `constrained-second-order` preset (Mokhtari et al.'s names in the
  /// docs).
  public enum Parameters {
    /// `set`: the feasible set's kind.
    public static let set = Parameter.choice(
      "set", default: "box", from: ["box", "ball"],
      doc: "the feasible set C: the box [lower, upper]ᵈ or the ball ‖x‖ ≤ radius")
    /// `firstOrder`: the first-order phase's method.
    public static let firstOrder = Parameter.choice(
      "firstOrder", default: "projected-gradient", from: ["projected-gradient", "frank-wolfe"],
      doc: "first-order phase: projected gradient, or Frank–Wolfe (then learningRate ≤ 1)")
    /// `learningRate`: the first-order phase's step.
    public static let learningRate = Parameter.number(
      "learningRate", default: 0.1, in: .greaterThan(0), doc: "first-order step η")
    /// `gapTolerance`: `ε`, the first-order phase ends when the gap is below it.
    public static let gapTolerance = Parameter.number(
      "gapTolerance", default: 1e-3, in: .atLeast(0), doc: "ε: second-order phase once gap ≤ ε")
    /// `curvatureTolerance`: `γ`.
    public static let curvatureTolerance = Parameter.number(
      "curvatureTolerance", default: 1e-3, in: .atLeast(0),
      doc: "γ: move when the quadratic's minimum q(u) < −γ")
    /// `stepFraction`: `σ ∈ (0, 1]`.
    public static let stepFraction = Parameter.number(
      "stepFraction", default: 0.5, in: .greaterThan(0),
      doc: "σ ≤ 1: x ← x + σ(u − x) along the second-order direction")
    /// `exactFaceLimit`: enumerate faces exactly up to this dimension.
    public static let exactFaceLimit = Parameter.integer(
      "exactFaceLimit", default: 8, in: .closed(0, 12),
      doc: "solve the quadratic over C exactly (face enumeration) up to this dimension")
  }

  /// `constrained-second-order` in specs and `saddle list` (registered as a preset).
  public static let schema = StageSchema(
    "constrained-second-order",
    summary: "first-order phase to gap ≤ ε, then min q(u) on C ∩ {gᵀ(u−x)=0} (Mokhtari et al.)",
    parameters: [
      Parameters.set, ProjectOntoConvexSet.Parameters.lower,
      ProjectOntoConvexSet.Parameters.upper, ProjectOntoConvexSet.Parameters.radius,
      Parameters.firstOrder, Parameters.learningRate, Parameters.gapTolerance,
      Parameters.curvatureTolerance, Parameters.stepFraction, Parameters.exactFaceLimit,
    ] + HVPMethod.parameters)

  /// Builds the rule from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    let kind = try p.read(Parameters.set)
    let lower = try p.read(ProjectOntoConvexSet.Parameters.lower)
    let upper = try p.read(ProjectOntoConvexSet.Parameters.upper)
    let radius = try p.read(ProjectOntoConvexSet.Parameters.radius)
    guard lower <= upper else {
      throw SpecError(location: p.location, field: "upper", "\(upper) is below lower \(lower)")
    }
    let firstOrder = try p.read(Parameters.firstOrder)
    let eta = try p.read(Parameters.learningRate)
    if firstOrder == "frank-wolfe" && eta > 1 {
      throw SpecError(
        location: p.location, field: "learningRate",
        "\(eta) is out of range for frank-wolfe (accepted: 0 < x ≤ 1)")
    }
    let gapTolerance = try p.read(Parameters.gapTolerance)
    let curvatureTolerance = try p.read(Parameters.curvatureTolerance)
    let stepFraction = try p.read(Parameters.stepFraction)
    guard stepFraction <= 1 else {
      throw SpecError(
        location: p.location, field: "stepFraction",
        "\(stepFraction) is out of range (accepted: 0 < x ≤ 1)")
    }
    self.init(
      set: kind == "box" ? .box(lower: lower, upper: upper) : .ball(radius: radius),
      firstOrder: firstOrder == "frank-wolfe" ? .frankWolfe : .projectedGradient,
      learningRate: eta, gapTolerance: gapTolerance, curvatureTolerance: curvatureTolerance,
      stepFraction: stepFraction, exactFaceLimit: try p.read(Parameters.exactFaceLimit),
      hvp: try HVPMethod(parameters: p))
  }
}
