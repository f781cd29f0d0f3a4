import Foundation

/// Mean with a 95% confidence interval from Student's t distribution.
public struct MeanInterval: Sendable, Equatable, Codable {
  /// The sample mean.
  public var mean: Double
  /// Half-width `t_{0.975, n−1} · s/√n` (NaN for a single value).
  public var halfWidth: Double
  /// Number of finite values used.
  public var count: Int

  /// The interval for `values` (non-finite values are left out).
  public init(_ values: [Double]) {
    let xs = values.filter(\.isFinite)
    count = xs.count
    guard !xs.isEmpty else {
      mean = .nan
      halfWidth = .nan
      return
    }
    mean = xs.reduce(0, +) / Double(xs.count)
    guard xs.count > 1 else {
      halfWidth = .nan
      return
    }
    let m = mean
    let variance = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
    halfWidth =
      studentT975(degreesOfFreedom: xs.count - 1) * (variance / Double(xs.count)).squareRoot()
  }
}

/// The 97.5% quantile of Student's t distribution (two-sided 95% intervals), exact to the
/// table's 3 decimals for 1–30 degrees of freedom, interpolated in 1/df beyond.
public func studentT975(degreesOfFreedom df: Int) -> Double {
  let table: [Double] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
  ]
  precondition(df >= 1, "degrees of freedom must be ≥ 1")
  if df <= 30 { return table[df - 1] }
  // Beyond 30, t ≈ z + (t₃₀ − z)·30/df, accurate to ~1e-3 (t₆₀ = 2.000, t₁₂₀ = 1.980).
  let z = 1.959964
  return z + (table[29] - z) * 30 / Double(df)
}

/// The 97.5% quantile of the standard normal distribution, Φ⁻¹(0.975) (two-sided 95%).
public let normalQuantile975 = 1.959_963_984_540_054

/// The standard normal distribution function Φ(x) = erfc(−x/√2)/2.
public func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// The median of `values` (the mean of the two middle values for an even count, as
/// `numpy.median`); nil for no values.
public func median(_ values: [Double]) -> Double? {
  guard !values.isEmpty else { return nil }
  let s = values.sorted()
  let n = s.count
  return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/// The `q`-quantile (0…1) of sorted values by linear interpolation between order statistics
/// (position q·(n − 1); `numpy.percentile`'s default, Hyndman & Fan 1996 type 7).
public func quantile(sorted s: [Double], _ q: Double) -> Double? {
  guard !s.isEmpty else { return nil }
  let position = q * Double(s.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = Swift.min(lower + 1, s.count - 1)
  let t = position - Double(lower)
  let (a, b) = (s[lower], s[upper])
  // numpy's lerp: from the nearer end, so the result is exact at both ends.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
}

/// A proportion with its Wilson score interval (Wilson 1927, eq. for the score interval):
/// centre `(p̂ + z²/2n)/(1 + z²/n)`, half-width `z/(1 + z²/n)·√(p̂(1−p̂)/n + z²/4n²)`, z = Φ⁻¹(0.975).
/// Matches `scipy.stats.binomtest(k, n).proportion_ci(0.95, method="wilson")`.
public struct WilsonInterval: Sendable, Equatable, Codable {
  /// Successes.
  public var successes: Int
  /// Trials.
  public var trials: Int
  /// `successes / trials` (NaN for no trials).
  public var estimate: Double
  /// Lower end of the 95% interval (NaN for no trials).
  public var low: Double
  /// Upper end of the 95% interval (NaN for no trials).
  public var high: Double

  /// The interval for `successes` of `trials`.
  public init(successes: Int, trials: Int, z: Double = normalQuantile975) {
    self.successes = successes
    self.trials = trials
    guard trials > 0 else {
      (estimate, low, high) = (.nan, .nan, .nan)
      return
    }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let centre = (p + z2 / (2 * n)) / denominator
    let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    estimate = p
    low = Swift.max(0, centre - half)
    high = Swift.min(1, centre + half)
  }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the fixed-seed generator of the bootstrap, so
/// bootstrap intervals are the same bits on every machine (`scripts/reference/
/// study_statistics.py` replays it).
public struct SplitMix64: RandomNumberGenerator, Sendable {
  var state: UInt64
  /// A generator starting from `seed`.
  public init(seed: UInt64) { state = seed }
  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The percentile bootstrap 95% interval of the median of `values`: `resamples` resamples
/// with replacement (index `next() % n` from `SplitMix64(seed)`), the 2.5% and 97.5%
/// quantiles (type 7) of their medians (Efron & Tibshirani 1993, §13.3). Nil for no values.
public func bootstrapMedianInterval(
  _ values: [Double], resamples: Int = 4000, seed: UInt64 = 0x5EED
) -> (low: Double, high: Double)? {
  guard !values.isEmpty, resamples > 0 else { return nil }
  var generator = SplitMix64(seed: seed)
  let n = UInt64(values.count)
  var medians = [Double](repeating: 0, count: resamples)
  var sample = [Double](repeating: 0, count: values.count)
  for b in 0..<resamples {
    for i in 0..<values.count { sample[i] = values[Int(generator.next() % n)] }
    medians[b] = median(sample)!
  }
  medians.sort()
  return (quantile(sorted: medians, 0.025)!, quantile(sorted: medians, 0.975)!)
}
