import Foundation
import SaddleCore
import Testing

/// Issue 9 items 8 and 11, issue 13's traces: bounded history with a per-step log, traces
/// that hold exactly the kept steps, resume that appends, thinning and CSV columns.
@Suite("History log, traces and metrics files")
struct HistoryAndTraceTests {
  /// The trace's lines as JSON objects.
  func lines(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  func stepLines(_ url: URL) throws -> [Int] {
    try lines(url).filter { $0["event"] == nil }.map { $0["step"] as! Int }
  }

  @Test("the history keeps a bounded window; the log beside the checkpoints keeps every step")
  func boundedHistoryAndLog() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let model = NoisyQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    let straight = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 1000), dataSeed: 2)
    var reference = optimizer.makeState(for: model, seed: 1)
    let referenceHistory = straight.run(&reference)
    #expect(referenceHistory.recordedSteps == 1000)
    #expect(referenceHistory.recentLosses.count == TrainingHistory.recentLimit)
    #expect(referenceHistory.firstRecentStep == 1000 - TrainingHistory.recentLimit + 1)

    var trainer = straight
    trainer.checkpointStore = CheckpointStore(directory: directory.url)
    trainer.checkpointEvery = 300
    var (state, history) = try trainer.start(seed: 1, resume: false)
    history = trainer.run(&state, continuing: history)
    let log = try HistoryLog.read(directory: directory.url)
    #expect(log.map(\.step) == Array(1...1000))
    #expect(
      log.suffix(TrainingHistory.recentLimit).map(\.loss.bitPattern)
        == referenceHistory.recentLosses.map(\.bitPattern))
    #expect(log.last?.cost == 1000)
    #expect(history.log?.records == 1000)
    let checkpoint = try trainer.checkpointStore!.load(
      Adam.State.self, expecting: trainer.checkpointIdentity)
    #expect(checkpoint.history.log?.length == 1000 * HistoryLog.recordBytes)
  }

  @Test("resume cuts the log back to the checkpoint and continues to the same bytes")
  func resumeCutsLog() throws {
    let straightDirectory = TemporaryDirectory()
    let directory = TemporaryDirectory()
    defer {
      straightDirectory.cleanup()
      directory.cleanup()
    }
    let model = NoisyQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    func trainer(_ url: URL, steps: Int) -> Trainer<NoisyQuadratic, Adam> {
      Trainer(
        model: model, optimizer: optimizer, budget: TrainingBudget(steps: steps), dataSeed: 2,
        checkpointStore: CheckpointStore(directory: url, keep: 5), checkpointEvery: 10)
    }
    let straight = trainer(straightDirectory.url, steps: 40)
    var (s, h) = try straight.start(seed: 1, resume: false)
    _ = straight.run(&s, continuing: h)

    // Interrupted after 25 steps: the log holds 25 steps, the newest checkpoint is step 20.
    let first = trainer(directory.url, steps: 25)
    var (state, history) = try first.start(seed: 1, resume: false)
    _ = first.run(&state, continuing: history)
    try FileManager.default.removeItem(at: first.checkpointStore!.url(forStep: 25))
    #expect(try HistoryLog.read(directory: directory.url).count == 25)
    let second = trainer(directory.url, steps: 40)
    (state, history) = try second.start(seed: 1, resume: true)
    #expect(state.step == 20)
    _ = second.run(&state, continuing: history)
    let a = try Data(contentsOf: straightDirectory.url.appendingPathComponent("history.bin"))
    let b = try Data(contentsOf: directory.url.appendingPathComponent("history.bin"))
    #expect(a == b)
    #expect(a.count == 16 + 40 * 24)

    // A log shorter than the checkpoint says is refused on resume, naming the file.
    let third = trainer(directory.url, steps: 60)
    try Data(a.prefix(100)).write(to: directory.url.appendingPathComponent("history.bin"))
    #expect {
      _ = try third.start(seed: 1, resume: true)
    } throws: { error in
      "\(error)".contains("history.bin") && "\(error)".contains("references 960")
    }
  }

  @Test("after a rollback the trace and the log hold exactly the kept steps, plus an event line")
  func rollbackTrace() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let traceURL = directory.url.appendingPathComponent("trace.jsonl")
    let csvURL = directory.url.appendingPathComponent("metrics.csv")
    let model = BoundedQuadratic()
    let optimizer = Optimizer { SGD(learningRate: 3) }
    let trace = try JSONLinesObserver(url: traceURL, parameters: .all)
    let csv = try MetricsCSVObserver(url: csvURL)
    let checkpoints = directory.url.appendingPathComponent("ck")
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 60),
      observers: [trace, csv], nonFinitePolicy: .rollback(),
      checkpointStore: CheckpointStore(directory: checkpoints), checkpointEvery: 1000)
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .stepBudget)
    #expect(history.nonFiniteEvents.map(\.action) == [.rollback])
    #expect(trace.writeError == nil)
    #expect(try stepLines(traceURL) == Array(1...60))
    let events = try lines(traceURL).filter { $0["event"] != nil }
    #expect(events.count == 1)
    #expect(events.first?["event"] as? String == "rollback")
    #expect(events.first?["step"] as? Int == 0)
    #expect(events.first?["failedStep"] as? Int == 3)
    let text = try String(contentsOf: traceURL, encoding: .utf8)
    #expect(!text.contains("null"))
    #expect(try HistoryLog.read(directory: checkpoints).map(\.step) == Array(1...60))
    let rows = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(rows.map { Int($0.prefix { $0 != "," })! } == Array(1...60))
  }

  @Test(
    "under every policy no NaN or infinity reaches parameters, trace or checkpoint",
    arguments: NonFinitePolicy.Action.allCases)
  func nothingNonFiniteInTrace(_ action: NonFinitePolicy.Action) throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let traceURL = directory.url.appendingPathComponent("trace.jsonl")
    let model = FaultyQuadratic(nanGradientSteps: [2, 4], nanLossSteps: [5])
    let optimizer = Optimizer { Adam(learningRate: 0.05) }
    let trace = try JSONLinesObserver(url: traceURL)
    let store = CheckpointStore(directory: directory.url.appendingPathComponent("ck"), keep: 100)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 8), observers: [trace],
      nonFinitePolicy: NonFinitePolicy(action: action, snapshotInterval: 1),
      checkpointStore: store, checkpointEvery: 1)
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    #expect(state.parameters.isFinite)
    let text = try String(contentsOf: traceURL, encoding: .utf8)
    #expect(!text.contains("null") && !text.contains("NaN") && !text.contains("Infinity"))
    for line in try lines(traceURL) where line["event"] == nil {
      let params = try #require(line["params"] as? [Double])
      #expect(params.allSatisfy { $0.isFinite })
    }
    for step in store.steps() {
      // Base64 may spell anything; a non-finite number would be a quoted token or NaN.
      let bytes = try String(contentsOf: store.url(forStep: step), encoding: .utf8)
      for token in [#""nan""#, #""inf""#, #""-inf""#, "NaN", "Infinity"] {
        #expect(!bytes.contains(token))
      }
      let checkpoint = try store.load(
        Adam.State.self, expecting: trainer.checkpointIdentity, step: step)
      #expect(checkpoint.state.parameters.isFinite)
    }
    if action == .skip {
      let skipped = try lines(traceURL).filter { $0["event"] as? String == "skip" }
      #expect(skipped.map { $0["step"] as! Int } == [3, 5, 6])
    }
  }

  @Test("skip gives up at exactly the documented 10th failed attempt in a row")
  func skipGivesUpAtTen() throws {
    let model = FaultyQuadratic(nanGradientSteps: Set(3...100))
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 50),
      nonFinitePolicy: .skip)
    #expect(NonFinitePolicy.skip.maxConsecutiveFailures == 10)
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .nonFinite)
    #expect(history.nonFiniteEvents.map(\.action) == Array(repeating: .skip, count: 9) + [.stop])
    #expect(history.failure?.hasSuffix("(gave up after 10 failed attempts)") == true)
    #expect(state.step == 3 + 9)
  }

  @Test("resuming with the same trace appends after the checkpointed step, keeping earlier lines")
  func resumeAppendsToTrace() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let traceURL = directory.url.appendingPathComponent("trace.jsonl")
    let store = CheckpointStore(directory: directory.url.appendingPathComponent("ck"), keep: 5)
    let model = NoisyQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    func trainer(steps: Int, resumingAfter: Int?) throws -> Trainer<NoisyQuadratic, Adam> {
      let trace = try JSONLinesObserver(url: traceURL, every: 1, resumingAfter: resumingAfter)
      return Trainer(
        model: model, optimizer: optimizer, budget: TrainingBudget(steps: steps), dataSeed: 1,
        observers: [trace], checkpointStore: store, checkpointEvery: 5)
    }
    let first = try trainer(steps: 13, resumingAfter: nil)
    var (state, history) = try first.start(seed: 1, resume: false)
    _ = first.run(&state, continuing: history)
    // Interrupted: the newest checkpoint is step 10, the trace already holds 13 lines and a
    // half-written 14th.
    try FileManager.default.removeItem(at: store.url(forStep: 13))
    let handle = try FileHandle(forWritingTo: traceURL)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(#"{"step":14,"time":0.1,"lo"#.utf8))
    try handle.close()
    let before = try String(contentsOf: traceURL, encoding: .utf8).split(separator: "\n")
    let second = try trainer(steps: 20, resumingAfter: 10)
    (state, history) = try second.start(seed: 1, resume: true)
    #expect(state.step == 10)
    _ = second.run(&state, continuing: history)
    let after = try String(contentsOf: traceURL, encoding: .utf8).split(separator: "\n")
    #expect(try stepLines(traceURL) == Array(1...20))
    #expect(Array(after.prefix(10)) == Array(before.prefix(10)))
  }

  @Test("--trace-every thins lines; --trace-params chooses the parameters; CSV columns")
  func thinningAndColumns() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let model = NoisyQuadratic()
    let optimizer = try Registry.core.optimizer(
      fromJSON: #"[{"stage": "dimer", "every": 4}, {"stage": "adam", "learningRate": 0.01}]"#)
    let traceURL = directory.url.appendingPathComponent("t.jsonl")
    let firstURL = directory.url.appendingPathComponent("first.jsonl")
    let noneURL = directory.url.appendingPathComponent("none.jsonl")
    let csvURL = directory.url.appendingPathComponent("m.csv")
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 40),
      observers: [
        try JSONLinesObserver(url: traceURL, parameters: .all, every: 5),
        try JSONLinesObserver(url: firstURL, parameters: .first(3), every: 10),
        try JSONLinesObserver(url: noneURL, parameters: .none, every: 40),
        try MetricsCSVObserver(url: csvURL, every: 5),
      ])
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    #expect(try stepLines(traceURL) == [5, 10, 15, 20, 25, 30, 35, 40])
    #expect(try stepLines(firstURL) == [10, 20, 30, 40])
    #expect(try stepLines(noneURL) == [40])
    let all = try lines(traceURL)
    #expect((all[0]["params"] as? [Double])?.count == 12)
    #expect((try lines(firstURL)[0]["params"] as? [Double])?.count == 3)
    #expect(try lines(noneURL)[0]["params"] == nil)
    for line in all {
      #expect((line["time"] as? Double).map { $0 >= 0 } == true)
      #expect(
        line["1.adam.learningRate"] as? Double == 0.01
          || line["adam.learningRate"] as? Double == 0.01, "\(line.keys.sorted())")
    }
    #expect(TraceParameters.defaultFor(count: 16) == .all)
    #expect(TraceParameters.defaultFor(count: 17) == .first(16))
    #expect(TraceParameters(parsing: "first:0") == nil)

    let rows = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 1 + 8)
    let header = rows[0].split(separator: ",").map(String.init)
    #expect(
      Array(header.prefix(8)) == [
        "step", "time", "loss", "cost", "gradEvals", "lossEvals", "hvpEvals", "learningRateScale",
      ])
    #expect(header.contains("curvature"), "\(header)")
    #expect(header.contains { $0.hasSuffix("adam.learningRate") }, "\(header)")
    #expect(header.last == "extra")
    #expect(
      rows.dropFirst().map { Int($0.prefix { $0 != "," })! }
        == Array(stride(from: 5, through: 40, by: 5)))
    for row in rows.dropFirst() {
      #expect(row.split(separator: ",", omittingEmptySubsequences: false).count == header.count)
    }
  }
}
