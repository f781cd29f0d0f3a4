import SaddleCore

/// A small dense row-major `Double` matrix for the factorization problems (not a tensor
/// engine: sizes here are a handful of rows).
struct DenseMatrix: Sendable, Equatable {
  var rows: Int
  var columns: Int
  var elements: [Double]

  init(rows: Int, columns: Int, elements: [Double]) {
    precondition(elements.count == rows * columns, "DenseMatrix: wrong element count")
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  init(rows: Int, columns: Int, repeating value: Double = 0) {
    self.init(
      rows: rows, columns: columns,
      elements: [Double](repeating: value, count: rows * columns))
  }

  init(_ rows: [[Double]]) {
    let columns = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == columns }, "DenseMatrix: ragged rows")
    self.init(rows: rows.count, columns: columns, elements: rows.flatMap { $0 })
  }

  static func identity(_ n: Int) -> DenseMatrix {
    var m = DenseMatrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  static func diagonal(_ d: [Double]) -> DenseMatrix {
    var m = DenseMatrix(rows: d.count, columns: d.count)
    for i in 0..<d.count { m[i, i] = d[i] }
    return m
  }

  subscript(i: Int, j: Int) -> Double {
    get { elements[i * columns + j] }
    set { elements[i * columns + j] = newValue }
  }

  var transposed: DenseMatrix {
    var t = DenseMatrix(rows: columns, columns: rows)
    for i in 0..<rows {
      for j in 0..<columns { t[j, i] = self[i, j] }
    }
    return t
  }

  var rowArrays: [[Double]] {
    (0..<rows).map { Array(elements[($0 * columns)..<(($0 + 1) * columns)]) }
  }

  /// `Σ aᵢⱼ²`.
  var squaredFrobeniusNorm: Double {
    var s = 0.0
    for x in elements { s += x * x }
    return s
  }

  func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

  /// The first `count` columns.
  func leadingColumns(_ count: Int) -> DenseMatrix {
    var m = DenseMatrix(rows: rows, columns: count)
    for i in 0..<rows {
      for j in 0..<count { m[i, j] = self[i, j] }
    }
    return m
  }

  static func * (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
    precondition(a.columns == b.rows, "DenseMatrix: shapes do not match for a product")
    var c = DenseMatrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
      for k in 0..<a.columns {
        let aik = a[i, k]
        if aik == 0 { continue }
        for j in 0..<b.columns { c.elements[i * c.columns + j] += aik * b[k, j] }
      }
    }
    return c
  }

  static func + (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "DenseMatrix: shapes differ")
    return DenseMatrix(
      rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map { $0 + $1 })
  }

  static func - (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "DenseMatrix: shapes differ")
    return DenseMatrix(
      rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map { $0 - $1 })
  }

  static func * (s: Double, a: DenseMatrix) -> DenseMatrix {
    DenseMatrix(rows: a.rows, columns: a.columns, elements: a.elements.map { s * $0 })
  }

  /// An `n × n` orthogonal matrix: Gram–Schmidt (twice, for orthogonality to rounding) on
  /// standard Gaussian columns drawn from `generator`.
  static func randomOrthogonal(_ n: Int, using generator: inout SeededGenerator) -> DenseMatrix {
    var columns: [[Double]] = []
    while columns.count < n {
      var v = (0..<n).map { _ in generator.nextGaussian() }
      for _ in 0..<2 {
        for q in columns {
          var d = 0.0
          for i in 0..<n { d += q[i] * v[i] }
          for i in 0..<n { v[i] -= d * q[i] }
        }
      }
      var norm = 0.0
      for x in v { norm += x * x }
      norm = norm.squareRoot()
      if norm < 1e-8 { continue }
      columns.append(v.map { $0 / norm })
    }
    var m = DenseMatrix(rows: n, columns: n)
    for j in 0..<n {
      for i in 0..<n { m[i, j] = columns[j][i] }
    }
    return m
  }
}

/// The dense Hessian assembled column by column from an exact Hessian-vector product.
func denseHessian(dimension d: Int, product: ([Double]) -> [Double]) -> [[Double]] {
  var h = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
  var e = [Double](repeating: 0, count: d)
  for j in 0..<d {
    e[j] = 1
    let column = product(e)
    e[j] = 0
    for i in 0..<d { h[i][j] = column[i] }
  }
  // Symmetrize: the exact Hessian is symmetric, so this only removes rounding asymmetry.
  for i in 0..<d {
    for j in (i + 1)..<max(i + 1, d) {
      let s = 0.5 * (h[i][j] + h[j][i])
      h[i][j] = s
      h[j][i] = s
    }
  }
  return h
}

/// The thin singular value decomposition `M = U·diag(σ)·Vᵀ`, keeping `min(m, n)` triplets with
/// `σ` descending, from the Jacobi eigen-decomposition of `MᵀM` (adequate for the small,
/// well-conditioned targets of the test problems). A left vector whose `σ` is below
/// `1e-12·σ₁` is left zero.
func thinSingularValueDecomposition(
  _ m: DenseMatrix
) -> (left: DenseMatrix, values: [Double], right: DenseMatrix) {
  let p = min(m.rows, m.columns)
  let eigen = SymmetricEigen((m.transposed * m).rowArrays)
  let order = Array((0..<m.columns).reversed().prefix(p))
  let values = order.map { max(eigen.values[$0], 0).squareRoot() }
  var right = DenseMatrix(rows: m.columns, columns: p)
  for (k, index) in order.enumerated() {
    for i in 0..<m.columns { right[i, k] = eigen.vectors[index][i] }
  }
  let mv = m * right
  var left = DenseMatrix(rows: m.rows, columns: p)
  let largest = values.first ?? 0
  for k in 0..<p where values[k] > 1e-12 * largest {
    for i in 0..<m.rows { left[i, k] = mv[i, k] / values[k] }
  }
  return (left, values, right)
}
