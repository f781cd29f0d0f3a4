import Foundation
import SaddleCore
import SaddleModels
import Testing

@testable import SaddleStudy

@Suite("Study reports: strict trial files, streaming aggregation, wall-clock and held-out figures")
struct StreamingReportTests {
  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("streamrep-\(UUID().uuidString)")
  }

  /// Two problems (one with an escape criterion) × a gridded method, 3 seeds: 18 trials.
  static let configText = """
    {"name": "s", "seeds": 3, "budget": {"cost": 150}, "curvePoints": 12,
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03},
                  {"label": "rb", "problem": "rosenbrock", "start": "initial"}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                     "grid": {"0.learningRate": [0.5, 0.1]}},
                    {"label": "dimer", "spec": [{"stage": "dimer-nc-sgd", "learningRate": 0.5}]}]}
    """

  static func runStudy() throws -> (StudyRunner, URL) {
    let directory = temporaryDirectory()
    let config = try StudyConfig.load(Data(configText.utf8))
    var runner = StudyRunner(config: config, directory: directory)
    runner.jobs = 1
    _ = try runner.run()
    return (runner, directory)
  }

  // MARK: - Strict trial files

  @Test("trial files are strict JSON: duplicate keys, trailing commas, unknown fields, formats")
  func strictTrialFiles() throws {
    let (runner, directory) = try Self.runStudy()
    defer { try? FileManager.default.removeItem(at: directory) }
    let trial = try #require(try runner.trials().first)
    let store = StudyDirectory(directory)
    let path = store.trialPath(trial.key)
    let good = try String(contentsOfFile: path, encoding: .utf8)
    #expect(good.hasPrefix("{\"definition\""))
    // The good file decodes, also through the strict decoder.
    guard case .done = store.readTrial(key: trial.key, definition: trial.definition) else {
      Issue.record("a trial file the runner wrote does not decode")
      return
    }
    let cases: [(String, [String])] = [
      (
        good.replacingOccurrences(of: "\"format\":1", with: "\"format\":1,\"format\":1"),
        ["duplicate", "format"]
      ),
      (
        good.replacingOccurrences(of: "\"steps\":", with: "\"stepz\":0,\"steps\":"),
        ["stepz", "unknown field"]
      ),
      (
        good.replacingOccurrences(of: "\"format\":1", with: "\"format\":2"),
        ["field 'format'", "2 is not supported"]
      ),
      (good.replacingOccurrences(of: "\"format\":1,", with: ""), ["field 'format'", "missing"]),
      (String(good.dropLast()) + ",}", ["trailing comma"]),
      (
        good.replacingOccurrences(of: "\"finalLoss\":", with: "\"finalLoss\":\"big\",\"x\":"),
        ["finalLoss"]
      ),
      (
        good.replacingOccurrences(of: "\"counts\":{", with: "\"counts\":{\"gradientz\":1,"),
        ["counts.gradientz"]
      ),
    ]
    for (text, needles) in cases {
      let state = StudyDirectory.decodeTrial(
        Data(text.utf8), key: trial.key, definition: trial.definition, source: path)
      guard case .invalid(let reason) = state else {
        Issue.record("accepted: \(text.prefix(120))")
        continue
      }
      #expect(!reason.contains("\n"), "\(reason)")
      #expect(reason.contains(path), "\(reason)")
      for needle in needles {
        #expect(reason.lowercased().contains(needle.lowercased()), "\(reason)")
      }
    }
    // Non-finite numbers written as "inf"/"-inf"/"nan" strings still decode.
    let infinite = good.replacingOccurrences(
      of: #""finalLoss":[-0-9.e]+"#, with: #""finalLoss":"inf""#, options: .regularExpression)
    guard
      case .done(let r) = StudyDirectory.decodeTrial(
        Data(infinite.utf8), key: trial.key, definition: trial.definition, source: path)
    else {
      Issue.record("\"inf\" not accepted")
      return
    }
    #expect(r.finalLoss == .infinity)
  }

  @Test("a corrupt trial file: report is an error naming file and field; run redoes it")
  func corruptTrialInReportAndRun() throws {
    let (runner, directory) = try Self.runStudy()
    defer { try? FileManager.default.removeItem(at: directory) }
    let trial = try #require(try runner.trials().dropFirst(4).first)
    let path = StudyDirectory(directory).trialPath(trial.key)
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    let text = String(decoding: good, as: UTF8.self)
    try Data(text.replacingOccurrences(of: "\"steps\":", with: "\"steps\":1,\"steps\":").utf8)
      .write(to: URL(fileURLWithPath: path))
    #expect {
      _ = try StudyReport(runner: runner)
    } throws: { error in
      let text = "\(error)"
      return error is SpecError && text.contains(path) && text.contains("steps")
        && !text.contains("\n")
    }
    var again = runner
    let logs = LogBox()
    again.log = { logs.add($0) }
    let result = try again.run()
    #expect(result.ran == 1)
    #expect(logs.all.contains { $0.contains(path) && $0.contains("moved to trials/corrupt/") })
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == good)
    _ = try StudyReport(runner: runner)
  }

  // MARK: - Streaming equals in memory

  /// Every file of a report as text.
  static func files(_ report: StudyReport, config: StudyConfig) -> [String: String] {
    var out = [
      "report.md": report.markdown(title: "t"), "report.csv": report.csv(),
      "per-seed.csv": report.perSeedCSV(), "paired.csv": report.pairedCSV(),
      "profiles.csv": report.profilesCSV(),
    ]
    for f in report.figures(config: config) { out[f.name + ".svg"] = f.figure.svg() }
    return out
  }

  @Test("streaming from the directory equals the in-memory report, file for file, byte for byte")
  func streamingEqualsInMemory() throws {
    let (runner, directory) = try Self.runStudy()
    defer { try? FileManager.default.removeItem(at: directory) }
    let streamed = try StudyReport(runner: runner)
    let results = try StudyRunner.results(in: directory)
    #expect(results.count == 18 && streamed.trialCount == 18 && streamed.missingTrials == 0)
    let inMemory = StudyReport(results: results.shuffled(), config: runner.config)
    #expect(streamed.rows == inMemory.rows)
    let a = Self.files(streamed, config: runner.config)
    let b = Self.files(inMemory, config: runner.config)
    #expect(a.keys.sorted() == b.keys.sorted())
    #expect(a.keys.contains("loss-vs-cost-qdw.svg") && a.keys.contains("escape-survival-qdw.svg"))
    for name in a.keys.sorted() { #expect(a[name] == b[name], "\(name)") }
    // A missing trial is counted, not an error.
    let trial = try #require(try runner.trials().last)
    try FileManager.default.removeItem(atPath: StudyDirectory(directory).trialPath(trial.key))
    let partial = try StudyReport(runner: runner)
    #expect(partial.missingTrials == 1 && partial.trialCount == 17)
  }

  /// Random curves on a jittered grid: some start late, some end early, some hold NaN or ∞.
  static func randomCurves(_ n: Int, seed: UInt64) -> [[(x: Double, y: Double)]] {
    var rng = SplitMix(seed)
    return (0..<n).map { _ in
      let start = Double(rng.next() % 3)
      let count = 3 + Int(rng.next() % 12)
      var x = start
      return (0..<count).map { _ in
        defer { x += Double(1 + rng.next() % 4) }
        let r = rng.next() % 50
        let y = r == 0 ? Double.nan : r == 1 ? .infinity : Double(rng.next() % 10_000) / 7.0 - 300
        return (x: x, y: y)
      }
    }
  }

  @Test("the curve accumulator gives Figures.meanCurves' points bit for bit, one run at a time")
  func accumulatorMatchesMeanCurves() throws {
    for seed in 1...20 as ClosedRange<UInt64> {
      let curves = Self.randomCurves(Int(seed % 7) + 1, seed: seed)
      for maxPoints in [400, 5] {
        let reference = Figures.meanCurves(
          title: "t", x: Axis("x"), y: Axis("y"),
          groups: [Figures.RunGroup(label: "g", curves: curves)], maxPoints: maxPoints)
        var acc = CurveAccumulator()
        for c in curves { acc.add(c) }
        acc.beginSecondPass()
        for c in curves { acc.addSquares(c) }
        let points = acc.points(maxPoints: maxPoints)
        #expect(points == reference.series[0].points, "seed \(seed), maxPoints \(maxPoints)")
      }
    }
  }

  // MARK: - New figure kinds

  /// The text of every `<text>` element of an SVG.
  static func texts(_ svg: String) -> [String] {
    svg.components(separatedBy: "<text").dropFirst().compactMap { part in
      guard let start = part.firstIndex(of: ">"), let end = part.range(of: "</text>") else {
        return nil
      }
      return String(part[part.index(after: start)..<end.lowerBound])
    }
  }

  @Test("loss vs wall-clock: each row's curve scaled by its median seconds per unit of cost")
  func wallClockFigure() throws {
    let (runner, directory) = try Self.runStudy()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Replace the measured timings with known ones: 0.002 s per unit of cost for gd[0.5].
    let timing = directory.appendingPathComponent("timing")
    var expected: [String: Double] = [:]
    for trial in try runner.trials() {
      guard
        case .done(let r) = StudyDirectory(directory).readTrial(
          key: trial.key, definition: trial.definition)
      else { continue }
      let perUnit = trial.setting.label == "gd[learningRate=0.5]" ? 0.002 : 0.001
      let seconds = perUnit * Double(r.counts.cost)
      try Data(#"{"host":"h","key":"\#(trial.key)","wallSeconds":\#(seconds)}"#.utf8).write(
        to: timing.appendingPathComponent("\(trial.key).json"))
      expected[trial.setting.label] = perUnit
    }
    let report = try StudyReport(runner: runner)
    let timings = try TimingTable.read(directory)
    #expect(timings.count == 18)
    let figures = report.figures(config: runner.config, timings: timings)
    let names = figures.map(\.name)
    #expect(names.contains("loss-vs-wall-clock-qdw") && names.contains("loss-vs-wall-clock-rb"))
    let wall = try #require(figures.first { $0.name == "loss-vs-wall-clock-qdw" }).figure
    let cost = report.lossFigure(
      problem: "qdw", budget: runner.config.budget,
      settings: try runner.config.settings().map(\.label))
    #expect(wall.series.map(\.label) == cost.series.map(\.label))
    for (w, c) in zip(wall.series, cost.series) {
      let k = try #require(expected[w.label])
      #expect(w.points.map(\.y) == c.points.map(\.y))
      #expect(zip(w.points, c.points).allSatisfy { abs($0.x - $1.x * k) <= 1e-12 * $0.x })
    }
    let svg = wall.svg()
    let text = Self.texts(svg).joined(separator: " ")
    #expect(text.contains("wall-clock time (s"))
    #expect(text.contains("median wall seconds per unit"))
    #expect(svg.contains("<path") && svg.hasSuffix("</svg>\n"))
    // The timing table now matches timing files by trial key.
    let table = TimingTable(timings: timings, report: report)
    #expect(table.rows.count == report.rows.count)
    // Without timings, no wall-clock figure.
    #expect(!report.figures(config: runner.config).contains { $0.name.contains("wall-clock") })
  }

  @Test("held-out loss and accuracy vs cost for network trials; none for closed-form problems")
  func heldOutFigures() throws {
    let config = try StudyConfig.load(
      Data(
        """
        {"name": "h", "seeds": 2, "budget": {"cost": 12}, "curvePoints": 4,
         "problems": [{"label": "lm", "problem": "transformer-charlm",
                       "parameters": {"sequenceLength": 8, "width": 8, "heads": 2, "layers": 1,
                                      "batch": 2, "evaluationRows": 4, "threads": 1}},
                      {"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
         "optimizers": [{"label": "adam", "spec": [{"stage": "adam", "learningRate": 0.01}]},
                        {"label": "sgd", "spec": [{"stage": "sgd", "learningRate": 0.1}]}]}
        """.utf8))
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var runner = StudyRunner(config: config, directory: directory)
    runner.jobs = 1
    _ = try runner.run()
    let report = try StudyReport(runner: runner)
    let names = report.figures(config: config).map(\.name)
    #expect(names.contains("held-out-loss-vs-cost-lm"))
    #expect(names.contains("held-out-accuracy-vs-cost-lm"))
    #expect(!names.contains { $0.hasPrefix("held-out") && $0.hasSuffix("qdw") })
    let figure = try #require(report.heldOutFigures(problem: "lm", budget: config.budget).first)
    #expect(figure.figure.series.map(\.label) == ["adam", "sgd"])
    // Each series: the held-out points at x = 0, 4, 8, 12, mean over the 2 seeds.
    let results = try StudyRunner.results(in: directory).filter { $0.problem == "lm" }
    for series in figure.figure.series {
      let runs = results.filter { $0.optimizer == series.label }
      #expect(series.points.map(\.x) == [0, 4, 8, 12])
      for (k, point) in series.points.enumerated() {
        let values = runs.map { $0.heldOut![k][1] }
        #expect(abs(point.y - values.reduce(0, +) / 2) <= 1e-12 * abs(point.y))
      }
    }
    let svg = figure.figure.svg()
    let texts = Self.texts(svg)
    #expect(texts.contains { $0.contains("held-out loss") })
    #expect(texts.contains("adam") && texts.contains("sgd"))
    // Both figures reach the report page.
    try report.writeFiguresAndPage(
      config: config, to: directory, title: "h", commands: ["saddle study report x"])
    let page = try String(
      contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(page.contains("id=\"held-out-loss-vs-cost-lm\""))
    #expect(page.contains("id=\"loss-vs-wall-clock-lm\""))
    #expect(page.contains("<div class=\"table-wrap\"><table>"))
    #expect(page.contains(".table-wrap { max-width: 100%; overflow-x: auto;"))
  }
}

/// SplitMix64 (Steele, Lea & Flood 2014), for reproducible test data.
struct SplitMix {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
