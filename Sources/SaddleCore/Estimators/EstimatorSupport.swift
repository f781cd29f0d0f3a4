import Foundation

/// Shared helpers for estimators and escape rules: lazily sized scratch buffers, range
/// kernels and a small dense symmetric eigen-solver.

/// Makes `vector` a buffer of `count` elements, allocating only when it is missing or of the
/// wrong size (so a step allocates nothing after the first).
@inline(__always)
func prepareScratch(_ vector: inout ParameterVector?, count: Int) {
  if vector?.count != count { vector = ParameterVector(count: count) }
}

/// The flat index ranges an estimate is made over: the whole vector, or one per segment.
func curvatureGroups(_ layout: ParameterLayout, perSegment: Bool) -> [Range<Int>] {
  if !perSegment || layout.segments.count <= 1 { return [0..<layout.count] }
  return layout.segments.map(\.range).filter { !$0.isEmpty }
}

/// `Σ x[i]·y[i]` over `range` (Double accumulation).
@inline(__always)
func rangeDot(_ x: ParameterVector, _ y: ParameterVector, _ range: Range<Int>) -> Double {
  x.dot(y, in: range)
}

/// Scales `v[range]` by `1/‖v[range]‖`; returns the norm. A zero or non-finite block is left
/// unchanged.
@discardableResult
func normalize(_ v: inout ParameterVector, in range: Range<Int>) -> Double {
  let n = v.squaredNorm(in: range).squareRoot()
  guard n > 0, n.isFinite else { return n }
  let s = Float(1 / n)
  let p = v.unsafeMutableBaseAddress()
  for i in range { p[i] *= s }
  return n
}

/// Fills `v` with Gaussian samples and normalizes every range of `groups` to unit norm.
func fillUnitGaussian(
  _ v: inout ParameterVector, groups: [Range<Int>], using generator: inout SeededGenerator
) {
  v.fillGaussian(using: &generator)
  for range in groups where normalize(&v, in: range) == 0 {
    // A zero draw is practically impossible; fall back to the first axis of the block.
    v[range.lowerBound] = 1
  }
}

/// The sign of `x` as `±1`, drawing a random sign from `generator` when `x == 0` (or NaN).
func signOrRandom(_ x: Double, using generator: inout SeededGenerator) -> Float {
  if x > 0 { return 1 }
  if x < 0 { return -1 }
  return generator.next() & 1 == 0 ? 1 : -1
}

/// A uniform sample from the ball of radius `radius` in ℝⁿ: a Gaussian direction scaled to
/// `radius·U^{1/n}`.
func fillUniformBall(
  _ v: inout ParameterVector, radius: Double, using generator: inout SeededGenerator
) {
  let n = v.count
  guard n > 0 else { return }
  v.fillGaussian(using: &generator)
  let norm = v.norm
  if !(norm > 0) {
    v.fill(with: 0)
    return
  }
  let u = generator.nextUniformDouble()
  let r = radius * pow(u, 1 / Double(n))
  v.scale(by: Float(r / norm))
}

/// Eigenvalues and eigenvectors of a small dense symmetric matrix (cyclic Jacobi rotations,
/// Golub & Van Loan §8.5), in Double. Exact to rounding for the matrices estimators build
/// (Lanczos tridiagonals, projected Hessians of a few dimensions).
enum SymmetricEigen {
  /// `matrix` is `n×n`, row-major. Returns eigenvalues in ascending order and the matching
  /// unit eigenvectors (`vectors[k]` belongs to `values[k]`).
  static func decompose(_ matrix: [Double], dimension n: Int) -> (
    values: [Double], vectors: [[Double]]
  ) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    if n > 1 {
      for _ in 0..<100 {
        var off = 0.0
        var total = 0.0
        for i in 0..<n {
          for j in 0..<n {
            total += a[i * n + j] * a[i * n + j]
            if i != j { off += a[i * n + j] * a[i * n + j] }
          }
        }
        if off <= 1e-30 * Swift.max(total, 1e-300) || off == 0 { break }
        for p in 0..<(n - 1) {
          for q in (p + 1)..<n {
            let apq = a[p * n + q]
            if apq == 0 { continue }
            let app = a[p * n + p]
            let aqq = a[q * n + q]
            let theta = (aqq - app) / (2 * apq)
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
    }
    let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
    let values = order.map { a[$0 * n + $0] }
    let vectors = order.map { k in (0..<n).map { v[$0 * n + k] } }
    return (values, vectors)
  }
}
