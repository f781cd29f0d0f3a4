import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `saddle run`: float32 start points, trace options, resume with the same trace, the
/// directory lock across processes, and output for people.
@Suite("saddle run: traces, checkpoints and terminal output")
struct RunCommandTests {
  static let adam = #"[{"stage":"adam","learningRate":0.01}]"#

  func temporary(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "saddle-run-\(name)-\(UUID().uuidString)")
  }

  func traceSteps(_ url: URL) throws -> [Int] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return object?["event"] == nil ? object?["step"] as? Int : nil
    }
  }

  @Test(
    "bad trace and start options: one line, exit 2",
    arguments: [
      (["--start", "1e39,1"], "--start value 1 (1e+39) overflows float32"),
      (["--start", "1,-4e38"], "--start value 2"),
      (["--trace-params", "some"], "--trace-params expects none, all or first:N"),
      (["--trace-params", "first:0"], "--trace-params expects none, all or first:N"),
      (["--trace-every", "0"], "--trace-every expects an integer"),
    ])
  func badOptions(extra: [String], expected: String) throws {
    let result = try runSaddle(
      ["run", "--problem", "rosenbrock", "--optimizer", Self.adam, "--steps", "5"] + extra)
    #expect(result.status == 2)
    #expect(result.stderr.contains(expected), "\(result.stderr)")
    #expect(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
  }

  @Test("the summary says why the run stopped in words and the time for people")
  func humanSummary() throws {
    let result = try runSaddle([
      "run", "--problem", "rosenbrock", "--optimizer", Self.adam, "--steps", "40",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("steps        40  (step budget reached)"))
    #expect(!result.stdout.contains("stepBudget"))
    let time = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("time") })
    #expect(time.hasSuffix(" s") || time.hasSuffix(" ms"), "\(time)")
    #expect(!time.contains("seconds"))
    // Not a terminal: plain progress lines every steps/10, with the total and an ETA.
    let progress = result.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }
    #expect(progress.count == 10)
    #expect(progress.first?.hasPrefix("step 4/40  loss ") == true)
    #expect(progress.dropFirst().allSatisfy { $0.contains("ETA ") })
    #expect(!result.stdout.contains("\r"))
  }

  @Test("--trace-every, --trace-params and --metrics from the command line")
  func traceOptions() throws {
    let trace = temporary("trace")
    let metrics = temporary("metrics")
    defer {
      try? FileManager.default.removeItem(at: trace)
      try? FileManager.default.removeItem(at: metrics)
    }
    let result = try runSaddle([
      "run", "--problem", "rosenbrock", "--optimizer", Self.adam, "--steps", "100",
      "--trace", trace.path, "--trace-every", "10", "--trace-params", "first:1",
      "--metrics", metrics.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try traceSteps(trace) == Array(stride(from: 10, through: 100, by: 10)))
    let first = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")[0]
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
    #expect((object["params"] as? [Double])?.count == 1)
    #expect(object["adam.learningRate"] as? Double == 0.01)
    #expect(object["time"] is Double)
    let rows = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 11)
    #expect(rows[0].hasPrefix("step,time,loss,cost,"))
  }

  @Test("resuming with the same --trace appends after the checkpointed step")
  func resumeAppendsTrace() throws {
    let trace = temporary("trace")
    let directory = temporary("ck")
    defer {
      try? FileManager.default.removeItem(at: trace)
      try? FileManager.default.removeItem(at: directory)
    }
    let common = [
      "run", "--problem", "rosenbrock", "--optimizer", Self.adam, "--seed", "3", "--trace",
      trace.path, "--checkpoint", directory.path, "--start", "-1.2,1",
    ]
    let first = try runSaddle(common + ["--steps", "30", "--checkpoint-every", "10"])
    #expect(first.status == 0, "\(first.stderr)")
    let before = try String(contentsOf: trace, encoding: .utf8)
    let resumed = try runSaddle(common + ["--steps", "50", "--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("resumed from step 30"))
    #expect(try traceSteps(trace) == Array(1...50))
    #expect(try String(contentsOf: trace, encoding: .utf8).hasPrefix(before))
    // A different seed or start is another run: refused, naming the field.
    let seed = try runSaddle(
      common.map { $0 == "3" ? "4" : $0 } + ["--steps", "60", "--resume"])
    #expect(seed.status == 1)
    #expect(seed.stderr.contains("seed: ours 4 vs theirs 3"), "\(seed.stderr)")
    let start = try runSaddle(
      common.map { $0 == "-1.2,1" ? "-1.2,1.5" : $0 } + ["--steps", "60", "--resume"])
    #expect(start.status == 1)
    #expect(start.stderr.contains("another run: start: ours fnv1a64:"), "\(start.stderr)")
  }

  @Test("two saddle runs into one checkpoint directory: the second is refused while the first runs")
  func concurrentRunsRefused() throws {
    let directory = temporary("ck")
    defer { try? FileManager.default.removeItem(at: directory) }
    let arguments = [
      "run", "--problem", "rosenbrock", "--optimizer", Self.adam, "--checkpoint", directory.path,
      "--checkpoint-every", "1000",
    ]
    let long = Process()
    long.executableURL = try ExamplesTests.executable("saddle")
    long.arguments = arguments + ["--steps", "100000000"]
    long.standardOutput = FileHandle.nullDevice
    long.standardError = FileHandle.nullDevice
    try long.run()
    // SIGKILL: the child inherits the test runner's blocked signals, SIGTERM included.
    defer { if long.isRunning { kill(long.processIdentifier, SIGKILL) } }
    let lock = directory.appendingPathComponent("lock")
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: lock.path) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.05)
    }
    let second = try runSaddle(arguments + ["--steps", "10", "--resume"])
    #expect(second.status == 1)
    #expect(second.stderr.contains("in use by another run (PID \(long.processIdentifier)"))
    #expect(second.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
    kill(long.processIdentifier, SIGKILL)
    long.waitUntilExit()
    // Killed, the first run left its lock behind: stale, so the next run takes it over.
    #expect(FileManager.default.fileExists(atPath: lock.path))
    let third = try runSaddle(arguments + ["--steps", "10", "--resume"])
    #expect(third.status == 0, "\(third.stderr)")
    #expect(!FileManager.default.fileExists(atPath: lock.path))
  }

  @Test("a diverging run under skip and rollback keeps every trace line finite")
  func divergingRunTraceFinite() throws {
    for policy in ["skip", "rollback"] {
      let trace = temporary("trace")
      defer { try? FileManager.default.removeItem(at: trace) }
      let result = try runSaddle([
        "run", "--problem", "rosenbrock", "--optimizer",
        #"[{"stage":"sgd","learningRate":0.002}]"#, "--steps", "60", "--start", "3,1",
        "--trace", trace.path, "--on-nonfinite", policy,
      ])
      let text = try String(contentsOf: trace, encoding: .utf8)
      #expect(!text.contains("null"), "\(policy)")
      let steps = try traceSteps(trace)
      let events = text.split(separator: "\n").filter { $0.contains("\"event\"") }
      if policy == "skip" {
        // Diverged for good: nine steps skipped, the tenth failure in a row stops the run.
        #expect(result.status == 1)
        #expect(result.stderr.contains("gave up after 10 failed attempts"), "\(result.stderr)")
        #expect(events.count == 9)
        #expect(steps == [1, 2, 3, 4])
      } else {
        // Two rollbacks to step 0 (the learning-rate scale ends at 0.25), then 60 kept steps.
        #expect(result.status == 0, "\(result.stderr)")
        #expect(steps == Array(1...60))
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.contains("\"event\":\"rollback\"") })
      }
    }
  }
}
