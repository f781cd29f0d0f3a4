import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

@Suite("Study reports: censoring, order, files")
struct StudyReportTests {
  /// A trial result built through its JSON form (the type has no public memberwise init).
  static func trial(
    _ problem: String, _ optimizer: String, seed: Int, escape: Int?, final: Double = -0.25,
    cost: Int = 3000, failure: String? = nil, curve: [[Double]]? = nil
  ) throws -> TrialResult {
    var object: [String: Any] = [
      "id": "\(problem)/\(optimizer)/\(seed)", "problem": problem, "optimizer": optimizer,
      "seed": seed, "finalLoss": final, "steps": cost,
      "counts": ["gradients": cost, "losses": 0, "hessianVectorProducts": 0],
      "curve": curve ?? [[0, 0], [Double(escape ?? cost), final]],
    ]
    if let escape { object["escapeCost"] = escape }
    if let failure { object["failure"] = failure }
    return try JSONDecoder().decode(
      TrialResult.self, from: JSONSerialization.data(withJSONObject: object))
  }

  static let config = """
    {"name": "r", "seeds": 10, "budget": {"cost": 3000},
     "problems": [{"label": "zeta", "problem": "quartic-double-well", "escapeDelta": 0.03},
                  {"label": "alpha", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
                    {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5}],
                     "grid": {"0.period": [10, 1, 2]}}]}
    """

  static func results() throws -> [TrialResult] {
    var out: [TrialResult] = []
    for problem in ["alpha", "zeta"] {
      for seed in 1...10 {
        // gd: 3 of 10 escape; the 4th escaped but then failed (counts as not escaped).
        out.append(
          try trial(
            problem, "gd", seed: seed, escape: seed <= 4 ? 1000 + seed : nil,
            failure: seed == 4 ? "non-finite loss" : nil))
        for (i, period) in [10, 1, 2].enumerated() {
          out.append(
            try trial(problem, "deo[period=\(period)]", seed: seed, escape: 100 * (i + 1) + seed))
        }
      }
    }
    return out.shuffled()
  }

  @Test("rows follow the config; without one, numeric-aware order ([period=1] before [period=10])")
  func rowOrder() throws {
    let config = try StudyConfig.load(Data(Self.config.utf8))
    let results = try Self.results()
    let report = StudyReport(results: results, config: config)
    let settings = try config.settings().map(\.label)
    #expect(
      report.rows.map(\.problem) == Array(repeating: "zeta", count: 4)
        + Array(repeating: "alpha", count: 4))
    #expect(report.rows.prefix(4).map(\.optimizer) == settings)
    let bare = StudyReport(results: results)
    #expect(bare.rows.map(\.problem).first == "alpha")
    #expect(
      bare.rows.prefix(4).map(\.optimizer)
        == ["deo[period=1]", "deo[period=2]", "deo[period=10]", "gd"])
  }

  @Test(
    "escape statistics: Wilson rate, KM median censored at the budget, escaped-then-failed is a failure"
  )
  func censoring() throws {
    let config = try StudyConfig.load(Data(Self.config.utf8))
    let report = StudyReport(results: try Self.results(), config: config)
    let gd = try #require(report.rows.first { $0.problem == "zeta" && $0.optimizer == "gd" })
    #expect(gd.escaped == 3 && gd.failures == 1)
    #expect(gd.escapeRate == WilsonInterval(successes: 3, trials: 10))
    #expect(gd.escapeCost.estimate == nil && gd.censorTime == 3000)
    let deo = try #require(report.rows.first { $0.optimizer == "deo[period=10]" })
    // Escape costs 101…110, nothing censored: KM median = sample median = 105.5.
    #expect(deo.escapeCost.estimate == 105.5)
    let markdown = report.markdown(title: "r")
    // Lower limit: the lower band 0.7·exp(−1.96·√(1/90 + 1/72 + 1/56)) = 0.466 first falls to
    // 0.5 at the third escape (1003); the upper band never does (censored at the budget).
    #expect(markdown.contains("| zeta | gd | 10 | 3/10 [0.11, 0.6] | ≥ 3000 | [1003, ≥ 3000] |"))
    #expect(!markdown.contains("mean over the runs that escaped"))
    let csv = report.csv().split(separator: "\n")
    let header = csv[0].split(separator: ",", omittingEmptySubsequences: false)
    for name in [
      "escape_rate", "escape_rate_low", "escape_rate_high", "escape_cost_median",
      "escape_cost_low", "escape_cost_high", "escape_cost_censored",
    ] {
      #expect(header.contains(Substring(name)), "\(name)")
    }
    let gdLine = try #require(csv.first { $0.hasPrefix("zeta,gd,") })
      .split(separator: ",", omittingEmptySubsequences: false)
    func field(_ name: String) -> Substring { gdLine[header.firstIndex(of: Substring(name))!] }
    #expect(field("escape_cost_median") == "" && field("escape_cost_censored") == "true")
    #expect(field("escape_rate") == "0.3")
    // Paired: every deo setting against gd (the first setting), on both problems.
    #expect(report.baseline == "gd" && report.paired.count == 6)
    let pair = try #require(report.paired.first { $0.method == "deo[period=1]" })
    // deo escapes on every seed; gd's 7 non-escapes cost the budget (one-censored pairs).
    #expect(pair.oneCensored == 7 && pair.bothCensored == 0 && pair.wins == 10)
    #expect(report.perSeedCSV().split(separator: "\n").count == 1 + 80)
    #expect(report.profiles.first?.measure == "escape_cost_median")
    #expect(report.profiles.first.map { $0.rho(0, .infinity) } == 0)  // gd never reaches its median
  }

  @Test("write(to:): report files byte-identical across runs; timing and provenance beside them")
  func filesAndProvenance() throws {
    let directory = StudyTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("timing"), withIntermediateDirectories: true)
    let config = try StudyConfig.load(Data(Self.config.utf8))
    try Data(Self.config.utf8).write(to: directory.appendingPathComponent("study.json"))
    let results = try Self.results()
    let timing = #"{"key": "zeta/gd/1", "wallSeconds": 0.5, "host": "h"}"#
    try Data(timing.utf8).write(to: directory.appendingPathComponent("timing/a.json"))
    let names = ["report.md", "report.csv", "per-seed.csv", "paired.csv", "profiles.csv"]
    func snapshot() throws -> [Data] {
      try StudyReport(results: results.shuffled(), config: config).write(
        to: directory, title: "r", environment: ["SADDLE_COMMIT": "abc123"])
      return try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
    }
    #expect(try snapshot() == snapshot())
    let provenance = try JSONDecoder().decode(
      Provenance.self,
      from: Data(contentsOf: directory.appendingPathComponent("provenance.json")))
    #expect(provenance.commit == "abc123")
    #expect(provenance.configHash == sha256Hex(Data(Self.config.utf8)))
    #expect(provenance.saddleKitVersion == saddleKitVersion && !provenance.machine.isEmpty)
    let timingCSV = try String(
      contentsOf: directory.appendingPathComponent("timing.csv"), encoding: .utf8)
    #expect(timingCSV.contains("wall_seconds_median"))
    #expect(timingCSV.contains("zeta,gd,1,0.5,0.5,0.5"))
    try Data(#"{"key": "x"}"#.utf8).write(to: directory.appendingPathComponent("timing/b.json"))
    #expect { _ = try TimingTable.read(directory) } throws: { "\($0)".contains("b.json") }
  }

  @Test("timing table: median wall seconds per row from (trial id or file key, seconds)")
  func timingTable() throws {
    let config = try StudyConfig.load(Data(Self.config.utf8))
    let report = StudyReport(results: try Self.results(), config: config)
    let key = String(StudyRunner.fileName(for: "alpha/gd/2").dropLast(5))
    let table = TimingTable(
      timings: [("alpha/gd/1", 1), (key, 4), ("alpha/gd/3", 2), ("nope", 9)], report: report)
    #expect(table.rows.count == 1)
    #expect(
      table.rows[0].problem == "alpha" && table.rows[0].median == 2 && table.rows[0].trials == 3)
  }

  @Test("a run that escapes and then diverges is not an escape")
  func escapeThenDiverge() throws {
    // GD with η = 3 on the quartic double well: y grows ×4 a step (escapes), then overshoots
    // the minimum (map derivative 1 − 2η = −5) and overflows.
    let text = """
      {"name": "d", "seeds": 1, "budget": {"cost": 200},
       "problems": [{"label": "q", "problem": "quartic-double-well", "escapeDelta": 0.03}],
       "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 3}]}]}
      """
    let config = try StudyConfig.load(Data(text.utf8))
    let runner = StudyRunner(config: config, directory: StudyTests.temporaryDirectory())
    let result = try runner.run(try #require(runner.trials().first))
    #expect(result.curve.contains { $0[1] < -0.03 }, "the run crossed the escape threshold")
    #expect(result.failure != nil || !result.finalLoss.isFinite || result.finalLoss > 0)
    #expect(result.escapeCost == nil)
  }
}
