import Foundation
import SaddleCore
import Testing

@testable import SaddleStudy

/// Synthetic study directories for `Benchmarks/StudyReport/run.sh`, which measures the peak
/// memory of `saddle study report` on 10⁵ trials. As a test (the default, 160 trials) it checks
/// that a synthetic directory is a valid study the streaming report reads completely; with
/// `SADDLE_STUDY_REPORT_DIR=DIR` and `SADDLE_STUDY_REPORT_TRIALS=N` it writes N trials into DIR
/// and keeps them.
@Suite("Study report benchmark: synthetic study directories")
struct StudyReportBenchmarkTests {
  /// A study of `trials` trials (rounded to 4 problems × 5 settings × seeds; seeds ≤ 10⁴ per
  /// the config's limit, so at most 200 000).
  static func config(trials: Int) throws -> StudyConfig {
    let seeds = Swift.max(1, Swift.min(10_000, trials / 20))
    let problems = (1...4).map { i in
      #"{"label": "well \#(i)", "problem": "quartic-double-well", "escapeDelta": 0.0\#(i)}"#
    }
    return try StudyConfig.load(
      Data(
        """
        {"name": "synthetic", "seeds": \(seeds), "budget": {"cost": 1000}, "curvePoints": 20,
         "problems": [\(problems.joined(separator: ","))],
         "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                         "grid": {"0.learningRate": [0.1, 0.2, 0.5, 1, 1.5]}}]}
        """.utf8), allowLarge: true)
  }

  /// A deterministic synthetic result for a trial: a decaying curve of 20 points, an escape
  /// cost for most seeds, a failure for a few.
  static func result(_ trial: StudyRunner.Trial, curvePoints: Int) -> StoredResult {
    var rng = SplitMix(CanonicalJSON.fnv1a64(Array(trial.key.utf8)))
    let rate = 0.001 + Double(rng.next() % 1000) / 200_000
    let escape = rng.next() % 10 == 0 ? nil : Int(50 + rng.next() % 900)
    let curve = (0..<curvePoints).map { k -> [Double] in
      let x = Double(k) * 1000 / Double(curvePoints - 1)
      return [x, -0.25 * (1 - exp(-rate * x)) + Double(rng.next() % 1000) * 1e-7]
    }
    let failure = rng.next() % 500 == 0 ? "non-finite loss" : nil
    return StoredResult(
      finalLoss: curve.last![1], escapeCost: failure == nil ? escape : nil,
      counts: EvaluationCounts(gradients: 1000), steps: 1000, curve: curve, failure: failure)
  }

  /// Writes every trial of `config` into `directory` as the runner would (trial and timing
  /// files); returns how many.
  static func write(_ config: StudyConfig, to directory: URL) throws -> Int {
    let runner = StudyRunner(config: config, directory: directory)
    let store = StudyDirectory(directory)
    try store.prepare(configData: try runner.configData, shard: nil)
    var count = 0
    var rng = SplitMix(7)
    // The runner's bytes, written without its fsync (10⁵ fsyncs would dominate).
    try runner.forEachTrial { trial in
      try StudyDirectory.trialData(
        key: trial.key, definition: trial.definition,
        result: result(trial, curvePoints: config.curvePoints ?? 100)
      ).write(to: URL(fileURLWithPath: store.trialPath(trial.key)))
      let seconds = 0.01 + Double(rng.next() % 100) * 1e-4
      try Data(#"{"host":"synthetic","key":"\#(trial.key)","wallSeconds":\#(seconds)}"#.utf8)
        .write(to: store.timing.appendingPathComponent("\(trial.key).json"))
      count += 1
    }
    return count
  }

  @Test("a synthetic study directory is complete and reported streaming (opt-in: 10⁵ trials)")
  func syntheticStudy() throws {
    let environment = ProcessInfo.processInfo.environment
    let keep = environment["SADDLE_STUDY_REPORT_DIR"]
    let trials = environment["SADDLE_STUDY_REPORT_TRIALS"].flatMap(Int.init) ?? 160
    let directory =
      keep.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent(
        "synthetic-\(UUID().uuidString)")
    defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
    let config = try Self.config(trials: trials)
    let written = try Self.write(config, to: directory)
    #expect(written == 20 * config.seeds)
    guard keep == nil else { return }  // the benchmark script reports it
    let report = try StudyReport(runner: StudyRunner(config: config, directory: directory))
    #expect(report.trialCount == written && report.missingTrials == 0)
    #expect(report.rows.count == 20 && report.rows.allSatisfy { $0.seeds == config.seeds })
    #expect(TimingTable(timings: try TimingTable.read(directory), report: report).rows.count == 20)
  }
}
