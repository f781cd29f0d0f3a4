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
