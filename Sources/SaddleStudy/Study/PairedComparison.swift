import Foundation

/// The Wilcoxon signed-rank test of paired differences (Wilcoxon 1945), two-sided, with the
/// choices `scipy.stats.wilcoxon` makes by default (`zero_method="wilcox"`,
/// `correction=False`, `method="auto"`):
/// - zero differences are dropped before ranking; |d| ranked with average ranks for ties;
///   W⁺ = Σ ranks of positive d;
/// - n ≤ 50 differences (zeros included in n), no ties and no zeros: the exact null
///   distribution of W⁺, p = min(1, 2·min(P(W⁺ ≤ w), P(W⁺ ≥ w))) (`.exact`);
/// - n ≤ 13 with ties or zeros: the same over the exact conditional (sign-flip) distribution
///   of the tied ranks, as scipy's permutation test does for n ≤ 13 (`.exactConditional`);
/// - otherwise the normal approximation without continuity correction:
///   z = (W⁺ − m(m+1)/4)/σ, σ² = (m(m+1)(2m+1) − Σ(t³ − t)/2)/24 over the m nonzero
///   differences and their tie groups t, p = 2Φ(−|z|) (`.normal`).
public struct WilcoxonSignedRank: Sendable, Equatable, Codable {
  /// Which null distribution gave the p-value.
  public enum Method: String, Sendable, Codable {
    /// Exact, no ties or zeros.
    case exact
    /// Exact over sign flips of the tied ranks (ties or zeros, n ≤ 13).
    case exactConditional = "exact-conditional"
    /// Normal approximation with tie correction.
    case normal
  }
  /// min(W⁺, W⁻), the statistic scipy reports.
  public var statistic: Double
  /// Two-sided p-value (1 when every difference is zero).
  public var pValue: Double
  /// The null distribution used.
  public var method: Method
  /// Number of differences (zeros included).
  public var count: Int

  /// The test of `differences`; nil for none.
  public init?(differences d: [Double]) {
    guard !d.isEmpty, d.allSatisfy(\.isFinite) else { return nil }
    count = d.count
    let nonzero = d.filter { $0 != 0 }
    let m = nonzero.count
    // Average ranks of |d|, kept doubled so they are integers.
    let order = nonzero.indices.sorted { abs(nonzero[$0]) < abs(nonzero[$1]) }
    var doubledRank = [Int](repeating: 0, count: m)
    var tieTerm = 0.0
    var hasTies = false
    var i = 0
    while i < m {
      var j = i
      while j + 1 < m && abs(nonzero[order[j + 1]]) == abs(nonzero[order[i]]) { j += 1 }
      let t = j - i + 1
      if t > 1 { hasTies = true }
      tieTerm += Double(t * t * t - t)
      for k in i...j { doubledRank[order[k]] = (i + 1) + (j + 1) }  // 2 × average rank
      i = j + 1
    }
    let doubledPlus = zip(nonzero, doubledRank).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
    let doubledTotal = doubledRank.reduce(0, +)
    let wPlus = Double(doubledPlus) / 2
    statistic = Swift.min(wPlus, Double(doubledTotal - doubledPlus) / 2)
    if d.count <= 50 && !hasTies && nonzero.count == d.count {
      method = .exact
    } else if d.count <= 13 {
      method = .exactConditional
    } else {
      method = .normal
    }
    switch method {
    case .exact, .exactConditional:
      // Distribution of the doubled W⁺ under independent random signs.
      var counts = [Double](repeating: 0, count: doubledTotal + 1)
      counts[0] = 1
      var reach = 0
      for r in doubledRank {
        for s in stride(from: reach, through: 0, by: -1) where counts[s] != 0 {
          counts[s + r] += counts[s]
        }
        reach += r
      }
      let total = counts.reduce(0, +)
      let atMost = counts[0...doubledPlus].reduce(0, +) / total
      let atLeast = counts[doubledPlus...].reduce(0, +) / total
      pValue = Swift.min(1, 2 * Swift.min(atMost, atLeast))
    case .normal:
      let mm = Double(m)
      let variance = (mm * (mm + 1) * (2 * mm + 1) - tieTerm / 2) / 24
      if variance > 0 {
        let z = (wPlus - mm * (mm + 1) / 4) / variance.squareRoot()
        pValue = Swift.min(1, 2 * normalCDF(-abs(z)))
      } else {
        pValue = 1
      }
    }
  }
}

/// One method against a baseline on one problem, paired by seed.
///
/// Each seed's cost is its escape cost, or the budget when it did not escape (censored: the
/// true cost is at least the budget). The per-seed ratio is `cost(method)/cost(baseline)`:
/// - both censored: the pair carries no information on the ratio and is dropped
///   (`bothCensored` counts them);
/// - one censored: the budget stands in for its cost, so the ratio is a bound in the
///   escaping side's disfavour — the comparison understates the winner's advantage
///   (`oneCensored` counts them).
///
/// Reported: the median ratio with a percentile-bootstrap 95% interval (fixed seed, see
/// ``bootstrapMedianInterval(_:resamples:seed:)``) and the Wilcoxon signed-rank p of the log
/// ratios (``WilcoxonSignedRank``; H₀: log ratios symmetric about 0).
public struct PairedComparison: Sendable, Equatable, Codable {
  /// The problem's label.
  public var problem: String
  /// The method's label.
  public var method: String
  /// The baseline's label.
  public var baseline: String
  /// Seeds present for both.
  public var seeds: Int
  /// Pairs used (seeds minus `bothCensored`).
  public var pairs: Int
  /// Pairs dropped because neither escaped.
  public var bothCensored: Int
  /// Pairs where exactly one side did not escape (its cost set to the budget).
  public var oneCensored: Int
  /// Pairs where the method cost less than the baseline.
  public var wins: Int
  /// Pairs where the method cost more.
  public var losses: Int
  /// Median of the per-seed cost ratios (nil without pairs).
  public var medianRatio: Double?
  /// Bootstrap 95% interval of the median ratio.
  public var ratioLow: Double?
  /// Bootstrap 95% interval of the median ratio.
  public var ratioHigh: Double?
  /// The signed-rank test of the log ratios (nil without pairs).
  public var wilcoxon: WilcoxonSignedRank?

  /// The comparison of per-seed `(seed, cost, escaped)` of a method and its baseline.
  public init(
    problem: String, method: String, baseline: String,
    methodRuns: [(seed: Int, cost: Double, escaped: Bool)],
    baselineRuns: [(seed: Int, cost: Double, escaped: Bool)],
    resamples: Int = 4000, bootstrapSeed: UInt64 = 0x5EED
  ) {
    self.problem = problem
    self.method = method
    self.baseline = baseline
    var base: [Int: (cost: Double, escaped: Bool)] = [:]
    for r in baselineRuns { base[r.seed] = (r.cost, r.escaped) }
    var ratios: [Double] = []
    var (seeds, both, one) = (0, 0, 0)
    for r in methodRuns.sorted(by: { $0.seed < $1.seed }) {
      guard let b = base[r.seed] else { continue }
      seeds += 1
      if !r.escaped && !b.escaped {
        both += 1
        continue
      }
      if r.escaped != b.escaped { one += 1 }
      ratios.append(r.cost / b.cost)
    }
    self.seeds = seeds
    pairs = ratios.count
    bothCensored = both
    oneCensored = one
    wins = ratios.filter { $0 < 1 }.count
    losses = ratios.filter { $0 > 1 }.count
    medianRatio = SaddleStudy.median(ratios)
    let interval = bootstrapMedianInterval(ratios, resamples: resamples, seed: bootstrapSeed)
    ratioLow = interval?.low
    ratioHigh = interval?.high
    wilcoxon = WilcoxonSignedRank(differences: ratios.map { log($0) })
  }
}
