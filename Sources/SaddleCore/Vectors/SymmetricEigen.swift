/// Eigenvalues and eigenvectors of a small real symmetric matrix by the cyclic Jacobi method.
///
/// Each rotation zeroes one off-diagonal entry `a_pq` with the angle `θ` of
/// `tan 2θ = 2a_pq / (a_qq − a_pp)` (Golub & Van Loan, *Matrix Computations*, 4th ed., §8.5);
/// sweeps repeat until the off-diagonal mass is below `tolerance · ‖A‖_F`. Cost `O(d³)` per
/// sweep and typically 5–10 sweeps: meant for Hessians of test problems (`d` up to a few
/// hundred), not for large matrices.
public struct SymmetricEigen: Sendable {
  /// The eigenvalues, ascending.
  public let values: [Double]
  /// The unit eigenvectors: `vectors[k]` belongs to `values[k]`.
  public let vectors: [[Double]]

  /// Diagonalizes the symmetric matrix `matrix` (`d` rows of `d` entries; only the symmetric
  /// part `(A + Aᵀ)/2` is used).
  public init(_ matrix: [[Double]], tolerance: Double = 1e-15, maximumSweeps: Int = 100) {
    let n = matrix.count
    precondition(matrix.allSatisfy { $0.count == n }, "SymmetricEigen needs a square matrix")
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n { a[i * n + j] = 0.5 * (matrix[i][j] + matrix[j][i]) }
    }
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    var total = 0.0
    for x in a { total += x * x }
    let threshold = tolerance * tolerance * max(total, .leastNormalMagnitude)
    for _ in 0..<maximumSweeps {
      var off = 0.0
      for i in 0..<n {
        for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] }
      }
      if off <= threshold { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) {
          let apq = a[p * n + q]
          if apq == 0 { continue }
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
          // The smaller root of t² + 2θt − 1 = 0, so the rotation angle is at most π/4.
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<n {
            let akp = a[k * n + p]
            let akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k]
            let aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p]
            let vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
    values = order.map { a[$0 * n + $0] }
    vectors = order.map { k in (0..<n).map { v[$0 * n + k] } }
  }

  /// The eigenpairs of the `n × n` row-major matrix `flat`, as `(values, vectors)`, ascending.
  public static func decompose(_ flat: [Double], dimension n: Int) -> (
    values: [Double], vectors: [[Double]]
  ) {
    let rows = (0..<n).map { i in Array(flat[(i * n)..<((i + 1) * n)]) }
    let eigen = SymmetricEigen(rows)
    return (eigen.values, eigen.vectors)
  }
}
