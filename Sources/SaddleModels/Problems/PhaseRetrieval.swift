import SaddleCore

/// Real Gaussian phase retrieval (Sun, Qu & Wright 2018, "A geometric analysis of phase
/// retrieval"): `f(x) = (1/4m) Σᵢ ((aᵢᵀx)² − yᵢ)²`, `yᵢ = (aᵢᵀx*)²`, with a unit-norm signal
/// `x*` and `m` standard Gaussian `aᵢ ∈ ℝᵈ`, all drawn from `mixSeed(seed, SeedPurpose.planted)`.
///
/// With `rᵢ = (aᵢᵀx)² − yᵢ`: `∇f = (1/m) Σ rᵢ (aᵢᵀx) aᵢ` and
/// `∇²f = (1/m) Σ (3(aᵢᵀx)² − yᵢ) aᵢaᵢᵀ`; the product along `v` is `O(md)`.
///
/// Critical points (what is listed, and how each claim is checked):
/// - The origin is a **local maximum, not a saddle**: `∇f(0) = 0`, `f(0) = (1/4m)Σ yᵢ²`,
///   Hessian `−C` with `C = (1/m) Σ yᵢ aᵢaᵢᵀ`, negative definite as soon as the `aᵢ` span `ℝᵈ`
///   (almost surely for `m ≥ d`); in expectation `E C = ‖x*‖²I + 2x*x*ᵀ`, eigenvalues `−3`
///   (along `x*`) and `−1`. Listed as ``localMaximum`` (kind `.maximum`), not in ``saddles``.
/// - `±x*` are the global minima (`f = 0` exactly), Hessian `2C`, positive definite.
/// - Saddles: for the expected objective (`m → ∞`),
///   `E f = ¼(3‖x‖⁴ − 2‖x‖²‖x*‖² − 4(xᵀx*)² + 3‖x*‖⁴)` has, besides `0` and `±x*`, exactly the
///   sphere `{x ⊥ x*, ‖x‖² = ‖x*‖²/3}` of critical points (`E f = ⅔‖x*‖⁴`, Hessian
///   `6xxᵀ − 2x*x*ᵀ`: one eigenvalue `−2`, one `2`, `d − 2` zeros). A sampled instance breaks the
///   sphere into isolated critical points; ``saddles`` lists the index-1 saddle reached by
///   eigenvector following (Newton steps, uphill along the lowest Hessian eigenvector, downhill
///   along the others, with `|λ|` floored at `10⁻³` and steps capped at `0.1`) from the
///   population saddle `u/√3`, `u ⊥ x*`, after checking `‖∇f‖ ≤ 10⁻¹²·(1 + f)` and exactly one
///   negative eigenvalue. It is empty when the search fails. It approaches the population sphere
///   as `m/d` grows (seeds 0–3: `‖x‖²` 0.56–0.71 and `|xᵀx*| ≤ 0.25` at `m = 20d`, `d = 10, 20`;
///   0.40–0.47 at `m = 200d`, `d = 10`; within 0.007 of `1/3`, `|xᵀx*| < 0.007`, `f` within
///   0.03 of `⅔` and lowest eigenvalue within 0.1 of `−2` at `d = 3`, `m = 20000`).
///
/// ``defaultStart`` is that saddle (the origin if none was found). Construction costs
/// `O(md²)` per search step (usually 10–40 steps).
public struct PhaseRetrieval: ClosedFormProblem {
  /// `"phase-retrieval"`.
  public static let name = "phase-retrieval"

  /// `d ≥ 2`.
  public let dimension: Int
  /// `m ≥ d` measurements.
  public let measurements: Int
  /// The unit signal `x*`.
  public let signal: [Double]
  /// The measurement vectors `aᵢ`, row-major `m × d`.
  public let sensing: [Double]
  /// The intensities `yᵢ = (aᵢᵀx*)²`.
  public let intensities: [Double]
  /// The origin: a strict local maximum with Hessian `−C`.
  public let localMaximum: CriticalPoint
  /// `±x*`.
  public let minima: [CriticalPoint]
  /// The index-1 saddle found from the population saddle (or none).
  public private(set) var saddles: [CriticalPoint]

  /// `m` Gaussian measurements of a random unit signal in `ℝᵈ`, drawn from `seed`.
  public init(dimension: Int = 10, measurements: Int? = nil, seed: UInt64 = 0) {
    let m = measurements ?? 20 * dimension
    precondition(dimension >= 2 && m >= dimension, "PhaseRetrieval needs d ≥ 2 and m ≥ d")
    self.dimension = dimension
    self.measurements = m
    let d = dimension
    var generator = SeededGenerator(seed: mixSeed(seed, SeedPurpose.planted))
    var x = (0..<d).map { _ in generator.nextGaussian() }
    let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
    x = x.map { $0 / norm }
    let a = (0..<(m * d)).map { _ in generator.nextGaussian() }
    signal = x
    sensing = a
    intensities = (0..<m).map { i in
      var s = 0.0
      for j in 0..<d { s += a[i * d + j] * x[j] }
      return s * s
    }
    // C = (1/m) Σ yᵢ aᵢaᵢᵀ; the origin's Hessian is −C, the minima's 2C.
    let c = Self.weightedGram(a, weights: intensities, d: d)
    let cValues = SymmetricEigen(c).values
    localMaximum = CriticalPoint(
      point: [Double](repeating: 0, count: d),
      value: intensities.reduce(0) { $0 + $1 * $1 } / (4 * Double(m)),
      hessianEigenvalues: cValues.map { -$0 }, kind: .maximum)
    minima = [x, x.map { -$0 }].map {
      CriticalPoint(
        point: $0, value: 0, hessianEigenvalues: cValues.map { 2 * $0 }, kind: .minimum)
    }
    saddles = []
    saddles = findSaddle().map { [$0] } ?? []
  }

  /// `(1/m) Σ wᵢ aᵢaᵢᵀ` as rows (`O(md²/2)`, the cost of a Hessian).
  static func weightedGram(_ a: [Double], weights: [Double], d: Int) -> [[Double]] {
    var g = [Double](repeating: 0, count: d * d)
    a.withUnsafeBufferPointer { a in
      g.withUnsafeMutableBufferPointer { g in
        for (i, w) in weights.enumerated() {
          let row = a.baseAddress! + i * d
          for r in 0..<d {
            let ar = w * row[r]
            let out = g.baseAddress! + r * d
            for c in r..<d { out[c] += ar * row[c] }
          }
        }
      }
    }
    let m = Double(weights.count)
    return (0..<d).map { r in
      (0..<d).map { c in (c >= r ? g[r * d + c] : g[c * d + r]) / m }
    }
  }

  /// `aᵢᵀx` for every `i`.
  func projections(_ x: [Double]) -> [Double] {
    let d = dimension
    return sensing.withUnsafeBufferPointer { a in
      x.withUnsafeBufferPointer { x in
        (0..<measurements).map { i in
          let row = a.baseAddress! + i * d
          var s = 0.0
          for j in 0..<d { s += row[j] * x[j] }
          return s
        }
      }
    }
  }

  /// `(1/4m) Σ ((aᵢᵀx)² − yᵢ)²`.
  public func value(at p: [Double]) -> Double {
    let z = projections(p)
    var sum = 0.0
    for i in 0..<measurements {
      let r = z[i] * z[i] - intensities[i]
      sum += r * r
    }
    return sum / (4 * Double(measurements))
  }

  /// `(1/m) Σ ((aᵢᵀx)² − yᵢ)(aᵢᵀx) aᵢ`.
  public func gradient(at p: [Double]) -> [Double] {
    let d = dimension
    let z = projections(p)
    var g = [Double](repeating: 0, count: d)
    for i in 0..<measurements {
      let w = (z[i] * z[i] - intensities[i]) * z[i] / Double(measurements)
      for j in 0..<d { g[j] += w * sensing[i * d + j] }
    }
    return g
  }

  /// `(1/m) Σ (3(aᵢᵀx)² − yᵢ) aᵢaᵢᵀ`.
  public func hessian(at p: [Double]) -> [[Double]] {
    let z = projections(p)
    let weights = (0..<measurements).map { 3 * z[$0] * z[$0] - intensities[$0] }
    return Self.weightedGram(sensing, weights: weights, d: dimension)
  }

  /// `(1/m) Σ (3(aᵢᵀx)² − yᵢ)(aᵢᵀv) aᵢ`, `O(md)`.
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    let d = dimension
    let z = projections(p)
    let w = projections(v)
    var out = [Double](repeating: 0, count: d)
    for i in 0..<measurements {
      let s = (3 * z[i] * z[i] - intensities[i]) * w[i] / Double(measurements)
      for j in 0..<d { out[j] += s * sensing[i * d + j] }
    }
    return out
  }

  /// The listed saddle, or the origin when none was found.
  public var defaultStart: [Double] { saddles.first?.point ?? localMaximum.point }

  /// A point of the population saddle sphere: `u/√3` with `u` the unit projection of the
  /// coordinate axis least aligned with `x*` onto `x*`'s orthogonal complement.
  public var populationSaddle: [Double] {
    let d = dimension
    var k = 0
    for j in 1..<d where abs(signal[j]) < abs(signal[k]) { k = j }
    var u = (0..<d).map { -signal[k] * signal[$0] }
    u[k] += 1
    let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return u.map { $0 / (norm * 3.0.squareRoot()) }
  }

  /// Eigenvector following from ``populationSaddle`` to an index-1 critical point (see the
  /// type's documentation); `nil` if it does not converge in 200 steps.
  func findSaddle() -> CriticalPoint? {
    let d = dimension
    var x = populationSaddle
    for _ in 0..<200 {
      let g = gradient(at: x)
      let gradientNorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
      if gradientNorm <= 1e-13 * (1 + value(at: x)) { break }
      let eigen = SymmetricEigen(hessian(at: x))
      var step = [Double](repeating: 0, count: d)
      for k in 0..<d {
        let v = eigen.vectors[k]
        var gk = 0.0
        for j in 0..<d { gk += v[j] * g[j] }
        let c = (k == 0 ? 1 : -1) * gk / max(abs(eigen.values[k]), 1e-3)
        for j in 0..<d { step[j] += c * v[j] }
      }
      let length = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
      let scale = length > 0.1 ? 0.1 / length : 1
      for j in 0..<d { x[j] += scale * step[j] }
    }
    let f = value(at: x)
    let g = gradient(at: x)
    guard g.reduce(0, { $0 + $1 * $1 }).squareRoot() <= 1e-12 * (1 + f) else { return nil }
    let values = SymmetricEigen(hessian(at: x)).values
    guard values.filter({ $0 < 0 }).count == 1 else { return nil }
    return CriticalPoint(point: x, value: f, hessianEigenvalues: values, kind: .saddle)
  }
}
