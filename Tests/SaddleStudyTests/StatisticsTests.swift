import Foundation
import SaddleCore
import SaddleStudy
import Testing

/// Each statistic against the committed reference values of
/// `scripts/reference/study_statistics.py` (scipy, lifelines, R's published output).
@Suite("Study statistics against scipy / R / lifelines references")
struct StatisticsTests {
  @Test("Wilson 95% interval matches scipy.stats.binomtest(k, n).proportion_ci('wilson')")
  func wilson() {
    for r in StatisticsReference.wilson {
      let w = WilsonInterval(successes: r.k, trials: r.n)
      #expect(abs(w.low - r.low) < 1e-12, "\(r.k)/\(r.n) low \(w.low) vs \(r.low)")
      #expect(abs(w.high - r.high) < 1e-12, "\(r.k)/\(r.n) high \(w.high) vs \(r.high)")
    }
    #expect(WilsonInterval(successes: 0, trials: 0).low.isNaN)
  }

  @Test("Kaplan–Meier median and Brookmeyer–Crowley (log) interval match R's rules exactly")
  func kaplanMeierMedian() {
    for r in StatisticsReference.kaplanMeier {
      let m = KaplanMeier(times: r.times, observed: r.events).median
      #expect(m.estimate == r.median, "\(r.name): median \(String(describing: m.estimate))")
      #expect(m.low == r.low, "\(r.name): low \(String(describing: m.low))")
      #expect(m.high == r.high, "\(r.name): high \(String(describing: m.high))")
    }
  }

  @Test("Kaplan–Meier curve and Greenwood variance on a hand-computed example")
  func kaplanMeierCurve() throws {
    // Times 1, 2+, 3, 3, 4: Ŝ(1) = 4/5, Ŝ(3) = 4/5 · (1 − 2/3) = 4/15, Ŝ(4) = 0.
    let km = KaplanMeier(times: [1, 2, 3, 3, 4], observed: [true, false, true, true, true])
    #expect(km.steps.map(\.time) == [1, 3, 4])
    #expect(km.steps.map(\.atRisk) == [5, 3, 1])
    #expect(abs(km.steps[1].survival - 4.0 / 15) < 1e-15)
    // Greenwood: 1/(5·4) + 2/(3·1).
    #expect(abs(km.steps[1].greenwood - (1.0 / 20 + 2.0 / 3)) < 1e-15)
    let upper = try #require(km.steps[1].upper)
    #expect(
      abs(upper - min(1, 4.0 / 15 * exp(normalQuantile975 * (1.0 / 20 + 2.0 / 3).squareRoot())))
        < 1e-15)
    #expect(km.steps[2].survival == 0 && km.steps[2].lower == nil)
  }

  @Test(
    "Wilcoxon signed-rank p matches scipy.stats.wilcoxon's defaults (exact / conditional / normal)")
  func wilcoxon() throws {
    for r in StatisticsReference.wilcoxon {
      let w = try #require(
        WilcoxonSignedRank(differences: zip(r.a, r.b).map { log($0 / $1) }), "\(r.name)")
      #expect(w.method.rawValue == r.method, "\(r.name)")
      #expect(w.statistic == r.statistic, "\(r.name)")
      #expect(abs(w.pValue - r.p) < 1e-12 * max(1, r.p), "\(r.name): \(w.pValue) vs \(r.p)")
    }
    for r in StatisticsReference.wilcoxonDifferences {
      let w = try #require(WilcoxonSignedRank(differences: r.d))
      #expect(w.method.rawValue == r.method, "\(r.name)")
      #expect(w.statistic == r.statistic, "\(r.name)")
      #expect(abs(w.pValue - r.p) < 1e-12, "\(r.name): \(w.pValue) vs \(r.p)")
    }
    #expect(WilcoxonSignedRank(differences: []) == nil)
    #expect(WilcoxonSignedRank(differences: [0, 0, 0])?.pValue == 1)
  }

  @Test("bootstrap of the median ratio: bit-exact replay, and within the reference's 1.5–3.5% band")
  func bootstrap() throws {
    for r in StatisticsReference.bootstrap {
      #expect(median(r.ratios) == r.median, "\(r.name)")
      let ci = try #require(bootstrapMedianInterval(r.ratios))
      #expect(ci.low == r.low && ci.high == r.high, "\(r.name): \(ci)")
      // Tolerance: each bound lies between the 1.5% and 3.5% (96.5% and 98.5%) quantiles of a
      // 200,000-resample numpy bootstrap with another generator.
      #expect(ci.low >= r.quantiles[0] && ci.low <= r.quantiles[2], "\(r.name) low \(ci.low)")
      #expect(ci.high >= r.quantiles[3] && ci.high <= r.quantiles[5], "\(r.name) high \(ci.high)")
    }
  }

  @Test("Dolan–Moré ρ_s(τ) matches the reference, failures never count as solved")
  func performanceProfile() {
    let measures = StatisticsReference.profileMeasures
    let profile = PerformanceProfile(
      measure: "t", methods: measures.map(\.method), problems: ["a", "b", "c", "d"],
      costs: measures.map { $0.values.map { $0 } })
    for (s, reference) in StatisticsReference.profileRho.enumerated() {
      let rho = StatisticsReference.profileTaus.map { profile.rho(s, $0) }
      #expect(rho == reference.rho, "\(reference.method)")
    }
    #expect(profile.rho(0, .infinity) == 0.75)
    #expect(profile.csv().contains("t,deo,inf,1.0"))
  }

  @Test("paired comparison: censored pairs dropped or bounded by the budget, as documented")
  func pairedCensoring() throws {
    let method: [(seed: Int, cost: Double, escaped: Bool)] = [
      (1, 100, true), (2, 3000, false), (3, 50, true), (4, 3000, false),
    ]
    let baseline: [(seed: Int, cost: Double, escaped: Bool)] = [
      (1, 200, true), (2, 3000, false), (3, 3000, false), (4, 600, true), (5, 10, true),
    ]
    let c = PairedComparison(
      problem: "p", method: "m", baseline: "b", methodRuns: method, baselineRuns: baseline)
    #expect(c.seeds == 4 && c.pairs == 3 && c.bothCensored == 1 && c.oneCensored == 2)
    // Ratios 0.5, 50/3000, 3000/600 = 5: median 0.5.
    #expect(c.medianRatio == 0.5)
    #expect(c.wins == 2 && c.losses == 1)
    #expect(try #require(c.wilcoxon).method == .exact)
  }

  @Test("SHA-256 of the FIPS 180-4 test vectors")
  func sha256() {
    #expect(
      sha256Hex(Data("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      sha256Hex(Data())
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      sha256Hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  @Test("numbers for people: significant digits, integers kept, ± 0 below float noise")
  func humanFormatting() {
    #expect(humanNumber(2181) == "2181")
    #expect(humanNumber(1351.5) == "1352")
    #expect(humanNumber(0.012345, digits: 3) == "0.0123")
    #expect(humanNumber(1.5) == "1.5")
    #expect(humanNumber(-0.25) == "-0.25")
    #expect(humanNumber(1.234e-5) == "1.234e-05")
    #expect(humanNumber(.infinity) == "∞")
    #expect(humanNumber(MeanInterval([29, 29, 29])) == "29 ± 0")
    #expect(humanNumber(MeanInterval([1, 2, 3])) == "2 ± 2.5")
  }
}
