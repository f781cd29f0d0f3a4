import Foundation
import SaddleCore

/// A saddle with a realistic Hessian spectrum in a random basis:
/// `f(x) = ½ Σᵢ λᵢ yᵢ² + (μ/4) Σᵢ yᵢ⁴` with `y = Qᵀx` (`reference/evidence.md`, "Problems that
/// do not flatter").
///
/// `Q` is a Haar-random orthogonal matrix drawn from `seed`, so no coordinate axis is special.
/// The eigenvalues `λ` at the saddle (the origin) are `k` negative ones,
/// `−λ_min · (k − i)/k` for `i = 0 … k−1` (the most negative is `−λ_min`), and `d − k` positive
/// ones spread over `[gap, λ_max]` by ``Shape``. Convergence of a dimer or a power iteration is
/// set by the gap between `λ_min` and the next eigenvalue relative to `λ_max`, so unlike
/// ``IllConditionedSaddle`` (all positive eigenvalues equal to 1, the dimer's best case) this
/// problem measures curvature estimators as they would fare on a network's Hessian.
///
/// Critical points (the quartic term makes them closed-form in `y`): `yᵢ = 0` for every positive
/// `λᵢ`, and `yᵢ ∈ {0, ±√(|λᵢ|/μ)}` for every negative one. The minima set all `k` negative
/// coordinates to `±√(|λᵢ|/μ)`: `2ᵏ` minima with `f = −Σ λᵢ²/(4μ)` and Hessian eigenvalues
/// `2|λᵢ|` (the negative directions) and the positive `λᵢ`. Default `μ = λ_min`: the deepest
/// direction's minima sit at distance 1 from the saddle, as in ``IllConditionedSaddle``.
///
/// Cost: a gradient or an HVP is two dense `d × d` products (`O(d²)`).
public struct SpectrumSaddle: ClosedFormProblem {
  /// How the positive eigenvalues fill `[gap, λ_max]`.
  public enum Shape: String, Sendable, CaseIterable, Codable {
    /// Evenly spaced from `gap` to `λ_max`.
    case uniform
    /// `λ_(r) = λ_max · r^(−α)` for rank `r = 1 … m`, with `α = ln(λ_max/gap)/ln m` so the
    /// smallest is `gap`: a few large outliers over a bulk near `gap`, as in the Hessians of
    /// trained networks (Sagun et al. 2017; Ghorbani et al. 2019).
    case powerLaw = "power-law"
    /// Three equal clusters, each spanning a factor 1.5: `[gap, 1.5·gap]`,
    /// `[√(gap·λ_max), 1.5·√(gap·λ_max)]` and `[λ_max/1.5, λ_max]`.
    case clustered
  }

  /// `"spectrum-saddle"` (the catalog lists one entry per shape: `spectrum-saddle-uniform`,
  /// `spectrum-saddle-power-law`, `spectrum-saddle-clustered`).
  public static let name = "spectrum-saddle"

  /// `d ≥ 2`.
  public let dimension: Int
  /// How the positive eigenvalues are spread.
  public let shape: Shape
  /// The number `k ≥ 1` of negative eigenvalues at the saddle (`k < d`).
  public let negativeCount: Int
  /// The magnitude of the most negative eigenvalue, `λ_min = −lambdaMin`.
  public let lambdaMin: Double
  /// The smallest positive eigenvalue.
  public let gap: Double
  /// The largest eigenvalue.
  public let lambdaMax: Double
  /// The quartic coefficient `μ > 0`.
  public let mu: Double
  /// The seed of the basis `Q`.
  public let seed: UInt64
  /// `λ` in the order of `Q`'s columns: the `k` negative ones first (most negative first), then
  /// the positive ones ascending.
  public let eigenvalues: [Double]
  /// `Qᵀ`, row-major: row `j` is the unit eigenvector of `λⱼ` in `x` coordinates.
  public let eigenvectors: [Double]

  /// The saddle `½ Σ λᵢ yᵢ² + (μ/4) Σ yᵢ⁴`, `y = Qᵀx`, with the spectrum described above;
  /// `mu` defaults to `lambdaMin`.
  public init(
    dimension: Int = 500, shape: Shape = .uniform, negativeCount: Int = 1,
    lambdaMin: Double = 1e-2, gap: Double = 1e-2, lambdaMax: Double = 1, mu: Double? = nil,
    seed: UInt64 = 0
  ) {
    precondition(dimension >= 2, "SpectrumSaddle needs dimension ≥ 2")
    precondition(
      negativeCount >= 1 && negativeCount < dimension, "SpectrumSaddle needs 1 ≤ k < d")
    precondition(lambdaMin > 0 && gap > 0 && lambdaMax >= gap, "SpectrumSaddle's spectrum")
    precondition((mu ?? lambdaMin) > 0, "SpectrumSaddle needs mu > 0")
    self.dimension = dimension
    self.shape = shape
    self.negativeCount = negativeCount
    self.lambdaMin = lambdaMin
    self.gap = gap
    self.lambdaMax = lambdaMax
    self.mu = mu ?? lambdaMin
    self.seed = seed
    let k = negativeCount
    let negatives = (0..<k).map { -lambdaMin * Double(k - $0) / Double(k) }
    eigenvalues =
      negatives
      + Self.positiveSpectrum(shape, count: dimension - k, gap: gap, lambdaMax: lambdaMax)
    let q = haarOrthogonal(dimension: dimension, seed: mixSeed(seed, SeedPurpose.basis))
    // Columns of Q are the eigenvectors; store Qᵀ row-major (row j = column j of Q).
    var transposed = [Double](repeating: 0, count: dimension * dimension)
    for i in 0..<dimension {
      for j in 0..<dimension { transposed[j * dimension + i] = q[i * dimension + j] }
    }
    eigenvectors = transposed
  }

  /// The `count` positive eigenvalues of `shape`, ascending, from `gap` to `lambdaMax`.
  static func positiveSpectrum(_ shape: Shape, count m: Int, gap: Double, lambdaMax: Double)
    -> [Double]
  {
    guard m > 1 else { return [gap] }
    switch shape {
    case .uniform:
      return (0..<m).map { gap + (lambdaMax - gap) * Double($0) / Double(m - 1) }
    case .powerLaw:
      let alpha = log(lambdaMax / gap) / log(Double(m))
      return (1...m).map { lambdaMax * pow(Double($0), -alpha) }.reversed()
    case .clustered:
      let centres = [gap, (gap * lambdaMax).squareRoot(), lambdaMax / 1.5]
      var values: [Double] = []
      for c in 0..<3 {
        let size = m / 3 + (c < m % 3 ? 1 : 0)
        for i in 0..<size {
          let t = size > 1 ? Double(i) / Double(size - 1) : 0
          values.append(centres[c] * (1 + 0.5 * t))
        }
      }
      return values.sorted()
    }
  }

  /// `y = Qᵀx`.
  func coordinates(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let d = dimension
    eigenvectors.withUnsafeBufferPointer { q in
      for j in 0..<d {
        var s = 0.0
        let row = j * d
        for i in 0..<d { s += q[row + i] * x[i] }
        y[j] = s
      }
    }
  }

  /// `x = Q·y`.
  func point(_ y: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
    let d = dimension
    for i in 0..<d { x[i] = 0 }
    eigenvectors.withUnsafeBufferPointer { q in
      for j in 0..<d {
        let yj = y[j]
        if yj == 0 { continue }
        let row = j * d
        for i in 0..<d { x[i] += q[row + i] * yj }
      }
    }
  }

  func coordinates(_ x: [Double]) -> [Double] {
    var y = [Double](repeating: 0, count: dimension)
    x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { coordinates(xs, into: $0) }
    }
    return y
  }

  func point(_ y: [Double]) -> [Double] {
    var x = [Double](repeating: 0, count: dimension)
    y.withUnsafeBufferPointer { ys in x.withUnsafeMutableBufferPointer { point(ys, into: $0) } }
    return x
  }

  func value(y: [Double]) -> Double {
    var f = 0.0
    for j in 0..<dimension {
      let y2 = y[j] * y[j]
      f += 0.5 * eigenvalues[j] * y2 + 0.25 * mu * y2 * y2
    }
    return f
  }

  /// `½ Σ λⱼ yⱼ² + (μ/4) Σ yⱼ⁴` at `y = Qᵀp`.
  public func value(at p: [Double]) -> Double { value(y: coordinates(p)) }

  /// `Q (λ ⊙ y + μ y³)`.
  public func gradient(at p: [Double]) -> [Double] {
    let y = coordinates(p)
    return point((0..<dimension).map { eigenvalues[$0] * y[$0] + mu * y[$0] * y[$0] * y[$0] })
  }

  /// ``value(at:)`` and ``gradient(at:)`` from one change of basis `y = Qᵀp` (the same bits).
  public func valueAndGradient(at p: [Double]) -> (value: Double, gradient: [Double]) {
    let y = coordinates(p)
    let g = point((0..<dimension).map { eigenvalues[$0] * y[$0] + mu * y[$0] * y[$0] * y[$0] })
    return (value(y: y), g)
  }

  /// `Q diag(λⱼ + 3μyⱼ²) Qᵀ`.
  public func hessian(at p: [Double]) -> [[Double]] {
    let y = coordinates(p)
    let d = dimension
    let curvature = (0..<d).map { eigenvalues[$0] + 3 * mu * y[$0] * y[$0] }
    return (0..<d).map { i in
      (0..<d).map { l in
        var s = 0.0
        for j in 0..<d { s += eigenvectors[j * d + i] * curvature[j] * eigenvectors[j * d + l] }
        return s
      }
    }
  }

  /// `Q diag(λⱼ + 3μyⱼ²) Qᵀ v`, two dense products.
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    let y = coordinates(p)
    let w = coordinates(v)
    return point((0..<dimension).map { (eigenvalues[$0] + 3 * mu * y[$0] * y[$0]) * w[$0] })
  }

  /// The loss in `Double` from `Float` parameters, with one scratch buffer.
  public func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    value(at: parameters.map { Double($0) })
  }

  /// Value and gradient in one pass pair (`y = Qᵀx`, then `Q·∇_y`), rounded to `Float`.
  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    let d = dimension
    let x = parameters.map { Double($0) }
    var y = [Double](repeating: 0, count: d)
    x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { coordinates(xs, into: $0) }
    }
    var f = 0.0
    for j in 0..<d {
      let y2 = y[j] * y[j]
      f += 0.5 * eigenvalues[j] * y2 + 0.25 * mu * y2 * y2
      y[j] = eigenvalues[j] * y[j] + mu * y2 * y[j]
    }
    var g = [Double](repeating: 0, count: d)
    y.withUnsafeBufferPointer { ys in g.withUnsafeMutableBufferPointer { point(ys, into: $0) } }
    gradient.withUnsafeMutableBufferPointer { out in
      for i in 0..<d { out[i] = Float(g[i]) }
    }
    return f
  }

  /// The origin, with eigenvalues ``eigenvalues``.
  public var saddles: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 0, count: dimension), value: 0,
        hessianEigenvalues: eigenvalues, kind: .saddle)
    ]
  }

  /// Two of the `2ᵏ` minima: every negative coordinate at `+√(|λᵢ|/μ)`, and every one at
  /// `−√(|λᵢ|/μ)`; `f = −Σ λᵢ²/(4μ)`.
  public var minima: [CriticalPoint] {
    let k = negativeCount
    let depth = (0..<k).reduce(0.0) { $0 + eigenvalues[$1] * eigenvalues[$1] } / (4 * mu)
    let spectrum = (0..<k).map { 2 * abs(eigenvalues[$0]) } + eigenvalues[k...]
    return [1.0, -1.0].map { sign in
      var y = [Double](repeating: 0, count: dimension)
      for i in 0..<k { y[i] = sign * (abs(eigenvalues[i]) / mu).squareRoot() }
      return CriticalPoint(
        point: point(y), value: -depth, hessianEigenvalues: Array(spectrum), kind: .minimum)
    }
  }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}

/// A Haar-random `d × d` orthogonal matrix, row-major, drawn from `seed` (modified
/// Gram–Schmidt of a standard Gaussian matrix, columns in draw order; `O(d³)`).
public func haarOrthogonal(dimension n: Int, seed: UInt64) -> [Double] {
  var generator = SeededGenerator(seed: seed)
  // Columns stored contiguously (column j at j·n); transposed into row-major at the end.
  var columns = [Double](repeating: 0, count: n * n)
  var v = [Double](repeating: 0, count: n)
  var accepted = 0
  columns.withUnsafeMutableBufferPointer { c in
    v.withUnsafeMutableBufferPointer { v in
      while accepted < n {
        for i in 0..<n { v[i] = generator.nextGaussian() }
        for _ in 0..<2 {  // re-orthogonalize once: keeps ‖QᵀQ − I‖ at rounding level
          for j in 0..<accepted {
            let column = c.baseAddress! + j * n
            var dot = 0.0
            for i in 0..<n { dot += v[i] * column[i] }
            for i in 0..<n { v[i] -= dot * column[i] }
          }
        }
        var norm = 0.0
        for i in 0..<n { norm += v[i] * v[i] }
        norm = norm.squareRoot()
        guard norm > 1e-8 else { continue }
        for i in 0..<n { c[accepted * n + i] = v[i] / norm }
        accepted += 1
      }
    }
  }
  var q = [Double](repeating: 0, count: n * n)
  for j in 0..<n {
    for i in 0..<n { q[i * n + j] = columns[j * n + i] }
  }
  return q
}

/// The purposes random streams are drawn for, mixed into a seed with `mixSeed(seed, purpose)`
/// so that a problem's basis, a start perturbation, the data and each stage never share a
/// stream (`reference/evidence.md`, "Random streams must be independent by purpose").
public enum SeedPurpose {
  /// The random basis of a rotated or spectrum problem.
  public static let basis: UInt64 = 0x4241_5349_53  // "BASIS"
  /// The random perturbation of a start point.
  public static let start: UInt64 = 0x5354_4152_54  // "START"
}
