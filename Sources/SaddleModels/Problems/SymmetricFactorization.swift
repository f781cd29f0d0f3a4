import SaddleCore

/// Symmetric (Burer–Monteiro) factorization `f(U) = ¼‖UUᵀ − M‖²_F`, `U ∈ ℝ^{n×r}`, for a
/// positive semidefinite `M` with known spectrum (`reference/test-problems.md`; see Ge, Jin &
/// Zheng 2017 for the landscape).
///
/// With `S = UUᵀ − M`: `∇f = S·U`, and the exact Hessian-vector product along `Δ` is
/// `(ΔUᵀ + UΔᵀ)·U + S·Δ`.
///
/// Critical points, with `M = Σₖ λₖ qₖqₖᵀ` (`λ₁ > … > λₙ ≥ 0`):
/// - `U = 0` is a saddle with `f = ¼ Σ λₖ²` and Hessian eigenvalues `−λₖ`, each `r` times.
/// - The global minima are `UUᵀ = Σ_{k≤r} λₖqₖqₖᵀ`, `f = ¼ Σ_{k>r} λₖ²`. At the listed
///   representative `U = Q_r Λ_r^{1/2}` the second-order expansion gives the eigenvalues `2λᵢ`
///   (`i ≤ r`), `λᵢ + λⱼ` (`i < j ≤ r`), `r(r − 1)/2` zeros (the `O(r)` orbit `UR`) and
///   `λᵢ − λₖ` (`i ≤ r < k ≤ n`).
public struct SymmetricFactorization: ClosedFormProblem {
  /// `"symmetric-factorization"`.
  public static let name = "symmetric-factorization"

  /// Rows of `U` and size of `M`.
  public let n: Int
  /// The factorization rank `r`.
  public let rank: Int
  /// The eigenvalues of `M`, descending.
  public let eigenvalues: [Double]
  /// The target `M` (`n × n`, symmetric positive semidefinite).
  public var target: [[Double]] { targetMatrix.rowArrays }

  let targetMatrix: DenseMatrix
  let eigenvectors: DenseMatrix

  /// A seeded target `M = Q·diag(λ)·Qᵀ`, `Q` random orthogonal (Gram–Schmidt on Gaussian
  /// columns from `SeededGenerator(seed:)`), `λ` = `eigenvalues` (descending, non-negative;
  /// default `(n, n − 1, …, 1)`).
  public init(n: Int = 4, rank: Int = 2, eigenvalues: [Double]? = nil, seed: UInt64 = 0) {
    precondition(n >= 1, "SymmetricFactorization needs n ≥ 1")
    precondition(rank >= 1 && rank <= n, "SymmetricFactorization needs 1 ≤ rank ≤ n")
    let lambda = eigenvalues ?? (0..<n).map { Double(n - $0) }
    precondition(lambda.count == n, "SymmetricFactorization needs n eigenvalues")
    precondition(
      zip(lambda, lambda.dropFirst()).allSatisfy { $0 >= $1 } && (lambda.last ?? 0) >= 0,
      "SymmetricFactorization needs eigenvalues descending and non-negative")
    var generator = SeededGenerator(seed: seed)
    let q = DenseMatrix.randomOrthogonal(n, using: &generator)
    self.n = n
    self.rank = rank
    self.eigenvalues = lambda
    eigenvectors = q
    targetMatrix = q * .diagonal(lambda) * q.transposed
  }

  /// A given symmetric positive semidefinite target (`n` rows of `n` entries); its spectrum is
  /// computed by `SymmetricEigen` to list the critical points.
  public init(target: [[Double]], rank: Int) {
    let matrix = DenseMatrix(target)
    precondition(matrix.rows == matrix.columns, "SymmetricFactorization needs a square target")
    precondition(rank >= 1 && rank <= matrix.rows, "SymmetricFactorization needs 1 ≤ rank ≤ n")
    let eigen = SymmetricEigen(target)
    let order = Array((0..<matrix.rows).reversed())
    precondition(
      eigen.values.allSatisfy { $0 >= -1e-12 * max(1, abs(eigen.values.last ?? 0)) },
      "SymmetricFactorization needs a positive semidefinite target")
    n = matrix.rows
    self.rank = rank
    eigenvalues = order.map { max(eigen.values[$0], 0) }
    var q = DenseMatrix(rows: n, columns: n)
    for (k, index) in order.enumerated() {
      for i in 0..<n { q[i, k] = eigen.vectors[index][i] }
    }
    eigenvectors = q
    targetMatrix = matrix
  }

  /// `n·r`.
  public var dimension: Int { n * rank }

  /// One segment `"U"` (`n × r`, row-major).
  public var layout: ParameterLayout { ParameterLayout([(name: "U", shape: [n, rank])]) }

  func factor(_ p: [Double]) -> DenseMatrix { DenseMatrix(rows: n, columns: rank, elements: p) }

  /// `¼‖UUᵀ − M‖²_F`.
  public func value(at p: [Double]) -> Double {
    let u = factor(p)
    return 0.25 * (u * u.transposed - targetMatrix).squaredFrobeniusNorm
  }

  /// `(UUᵀ − M)·U`.
  public func gradient(at p: [Double]) -> [Double] {
    let u = factor(p)
    return ((u * u.transposed - targetMatrix) * u).elements
  }

  /// The exact product, matrix-free: `(ΔUᵀ + UΔᵀ)·U + (UUᵀ − M)·Δ`.
  public func hessianVectorProduct(at p: [Double], along direction: [Double]) -> [Double] {
    let u = factor(p)
    let d = factor(direction)
    let s = u * u.transposed - targetMatrix
    return ((d * u.transposed + u * d.transposed) * u + s * d).elements
  }

  /// The exact Hessian, assembled from ``hessianVectorProduct(at:along:)`` on unit vectors.
  public func hessian(at p: [Double]) -> [[Double]] {
    denseHessian(dimension: dimension) { hessianVectorProduct(at: p, along: $0) }
  }

  /// `U = 0`: `f = ¼ Σ λₖ²`, eigenvalues `−λₖ`, each `r` times.
  public var saddles: [CriticalPoint] {
    [
      CriticalPoint(
        point: defaultStart, value: 0.25 * eigenvalues.reduce(0) { $0 + $1 * $1 },
        hessianEigenvalues: eigenvalues.flatMap { [Double](repeating: -$0, count: rank) },
        kind: .saddle)
    ]
  }

  /// The global minimum `U = Q_r Λ_r^{1/2}`, `f = ¼ Σ_{k>r} λₖ²`.
  public var minima: [CriticalPoint] {
    let r = rank
    let u =
      eigenvectors.leadingColumns(r) * .diagonal(eigenvalues.prefix(r).map { $0.squareRoot() })
    var spectrum = [Double](repeating: 0, count: r * (r - 1) / 2)
    for i in 0..<r {
      spectrum.append(2 * eigenvalues[i])
      for j in (i + 1)..<r { spectrum.append(eigenvalues[i] + eigenvalues[j]) }
      for k in r..<n { spectrum.append(eigenvalues[i] - eigenvalues[k]) }
    }
    return [
      CriticalPoint(
        point: u.elements, value: 0.25 * eigenvalues[r...].reduce(0) { $0 + $1 * $1 },
        hessianEigenvalues: spectrum, kind: .minimum)
    ]
  }

  /// The saddle `U = 0`.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}
