import Foundation

/// Shared helpers for estimators and escape rules: lazily sized scratch buffers, the flat
/// ranges an estimate is made over, range dot products and normalization, and seeded random
/// directions (Gaussian, uniform in a ball, random signs). The dense symmetric eigen-solver
/// is `SymmetricEigen` (Vectors/SymmetricEigen.swift).

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
