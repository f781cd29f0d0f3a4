import SaddleCore

/// Matrix factorization `f(U, V) = ½‖UVᵀ − M‖²_F`, `U ∈ ℝ^{m×r}`, `V ∈ ℝ^{n×r}`
/// (`reference/test-problems.md`; the landscape of Burer–Monteiro factorization, e.g.
/// Ge, Jin & Zheng 2017, "No spurious local minima in nonconvex low rank problems").
///
/// With `E = UVᵀ − M`: `∇_U f = EV`, `∇_V f = EᵀU`, and the exact Hessian-vector product along
/// `(Δ_U, Δ_V)` is `(dE·V + E·Δ_V, dEᵀ·U + Eᵀ·Δ_U)` with `dE = Δ_U Vᵀ + U Δ_Vᵀ`.
///
/// Critical points, with `M = Σₖ σₖ aₖbₖᵀ` (`σ₁ > σ₂ > … > σ_p`, `p = min(m, n)`):
/// - `U = V = 0` is a saddle with `f = ½‖M‖²` and Hessian eigenvalues `±σₖ`, each `r` times,
///   plus `|m − n|·r` zeros (per column `k` of `U`, `V` the Hessian is `[[0, −M], [−Mᵀ, 0]]`).
/// - The global minima are `UVᵀ = Σ_{k≤r} σₖaₖbₖᵀ`, `f = ½ Σ_{k>r} σₖ²`. The listed
///   representative is balanced, `U = A_r Σ_r^{1/2}`, `V = B_r Σ_r^{1/2}`; expanding `f` to second
///   order there gives the eigenvalues `σᵢ + σⱼ` (`i, j ≤ r`), `r²` zeros (the `GL(r)` orbit
///   `U G, V G⁻ᵀ`), `σᵢ ± σₖ` (`i ≤ r < k ≤ p`) and `σᵢ` (`i ≤ r`, `|m − n|` times each).
public struct MatrixFactorization: ClosedFormProblem {
  /// `"matrix-factorization"`.
  public static let name = "matrix-factorization"

  /// Rows of `M` and `U`.
  public let m: Int
  /// Columns of `M`, rows of `V`.
  public let n: Int
  /// The factorization rank `r` (columns of `U` and `V`).
  public let rank: Int
  /// The target `M` (`m` rows of `n` entries).
  public var target: [[Double]] { targetMatrix.rowArrays }
  /// The singular values of `M`, descending (`min(m, n)` of them).
  public let singularValues: [Double]

  let targetMatrix: DenseMatrix
  let leftVectors: DenseMatrix
  let rightVectors: DenseMatrix

  /// A seeded target `M = A·diag(σ)·Bᵀ` with `A`, `B` random orthogonal (Gram–Schmidt on
  /// Gaussian columns from `SeededGenerator(seed:)`) and `σ` = `singularValues` (descending,
  /// `min(m, n)` of them; default `(p, p − 1, …, 1)` with `p = min(m, n)`).
  public init(
    m: Int = 4, n: Int = 3, rank: Int = 2, singularValues: [Double]? = nil, seed: UInt64 = 0
  ) {
    let p = min(m, n)
    precondition(m >= 1 && n >= 1, "MatrixFactorization needs m, n ≥ 1")
    precondition(rank >= 1 && rank <= p, "MatrixFactorization needs 1 ≤ rank ≤ min(m, n)")
    let sigma = singularValues ?? (0..<p).map { Double(p - $0) }
    precondition(sigma.count == p, "MatrixFactorization needs min(m, n) singular values")
    precondition(
      zip(sigma, sigma.dropFirst()).allSatisfy { $0 >= $1 } && (sigma.last ?? 0) >= 0,
      "MatrixFactorization needs singular values descending and non-negative")
    precondition(sigma[rank - 1] > 0, "MatrixFactorization needs σ_rank > 0")
    var generator = SeededGenerator(seed: seed)
    let a = DenseMatrix.randomOrthogonal(m, using: &generator).leadingColumns(p)
    let b = DenseMatrix.randomOrthogonal(n, using: &generator).leadingColumns(p)
    self.m = m
    self.n = n
    self.rank = rank
    self.singularValues = sigma
    leftVectors = a
    rightVectors = b
    targetMatrix = a * .diagonal(sigma) * b.transposed
  }

  /// A given target `M` (`m` rows of `n` entries); its singular value decomposition is computed
  /// (Jacobi on `MᵀM`) to list the critical points. Needs `σ_rank > 0`.
  public init(target: [[Double]], rank: Int) {
    let matrix = DenseMatrix(target)
    let p = min(matrix.rows, matrix.columns)
    precondition(p >= 1, "MatrixFactorization needs a non-empty target")
    precondition(rank >= 1 && rank <= p, "MatrixFactorization needs 1 ≤ rank ≤ min(m, n)")
    let svd = thinSingularValueDecomposition(matrix)
    precondition(svd.values[rank - 1] > 0, "MatrixFactorization needs σ_rank(M) > 0")
    m = matrix.rows
    n = matrix.columns
    self.rank = rank
    singularValues = svd.values
    leftVectors = svd.left
    rightVectors = svd.right
    targetMatrix = matrix
  }

  /// `(m + n)·r`.
  public var dimension: Int { (m + n) * rank }

  /// Segments `"U"` (`m × r`, row-major) then `"V"` (`n × r`, row-major).
  public var layout: ParameterLayout {
    ParameterLayout([(name: "U", shape: [m, rank]), (name: "V", shape: [n, rank])])
  }

  func factors(_ p: [Double]) -> (u: DenseMatrix, v: DenseMatrix) {
    let split = m * rank
    return (
      DenseMatrix(rows: m, columns: rank, elements: Array(p[0..<split])),
      DenseMatrix(rows: n, columns: rank, elements: Array(p[split...]))
    )
  }

  /// `½‖UVᵀ − M‖²_F`.
  public func value(at p: [Double]) -> Double {
    let (u, v) = factors(p)
    return 0.5 * (u * v.transposed - targetMatrix).squaredFrobeniusNorm
  }

  /// `(EV, EᵀU)` with `E = UVᵀ − M`.
  public func gradient(at p: [Double]) -> [Double] {
    let (u, v) = factors(p)
    let e = u * v.transposed - targetMatrix
    return (e * v).elements + (e.transposed * u).elements
  }

  /// The exact product, matrix-free: `(dE·V + E·Δ_V, dEᵀ·U + Eᵀ·Δ_U)`,
  /// `dE = Δ_U Vᵀ + U Δ_Vᵀ`.
  public func hessianVectorProduct(at p: [Double], along direction: [Double]) -> [Double] {
    let (u, v) = factors(p)
    let (du, dv) = factors(direction)
    let e = u * v.transposed - targetMatrix
    let de = du * v.transposed + u * dv.transposed
    return (de * v + e * dv).elements + (de.transposed * u + e.transposed * du).elements
  }

  /// The exact Hessian, assembled from ``hessianVectorProduct(at:along:)`` on unit vectors.
  public func hessian(at p: [Double]) -> [[Double]] {
    denseHessian(dimension: dimension) { hessianVectorProduct(at: p, along: $0) }
  }

  /// `U = V = 0`: `f = ½‖M‖²`, eigenvalues `±σₖ` (each `r` times) and `|m − n|·r` zeros.
  public var saddles: [CriticalPoint] {
    var eigenvalues: [Double] = []
    for s in singularValues {
      eigenvalues += [Double](repeating: s, count: rank) + [Double](repeating: -s, count: rank)
    }
    eigenvalues += [Double](repeating: 0, count: abs(m - n) * rank)
    return [
      CriticalPoint(
        point: defaultStart, value: 0.5 * targetMatrix.squaredFrobeniusNorm,
        hessianEigenvalues: eigenvalues, kind: .saddle)
    ]
  }

  /// The balanced global minimum `U = A_r Σ_r^{1/2}`, `V = B_r Σ_r^{1/2}`.
  public var minima: [CriticalPoint] {
    let r = rank
    let p = singularValues.count
    let root = DenseMatrix.diagonal(singularValues.prefix(r).map { $0.squareRoot() })
    let u = leftVectors.leadingColumns(r) * root
    let v = rightVectors.leadingColumns(r) * root
    var eigenvalues = [Double](repeating: 0, count: r * r)
    for i in 0..<r {
      let si = singularValues[i]
      for j in 0..<r { eigenvalues.append(si + singularValues[j]) }
      for k in r..<p { eigenvalues += [si + singularValues[k], si - singularValues[k]] }
      eigenvalues += [Double](repeating: si, count: abs(m - n))
    }
    let tail = singularValues[r...].reduce(0) { $0 + $1 * $1 }
    return [
      CriticalPoint(
        point: u.elements + v.elements, value: 0.5 * tail, hessianEigenvalues: eigenvalues,
        kind: .minimum)
    ]
  }

  /// The saddle `U = V = 0`.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}
