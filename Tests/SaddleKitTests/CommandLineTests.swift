import Foundation
import Testing

@Suite("saddle command line")
struct CommandLineTests {
  @Test("saddle run's trace agrees with an independent float64 Adam on Rosenbrock to 1e-5")
  func traceMatchesFloat64Adam() throws {
    let trace = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-trace-\(UUID().uuidString).jsonl")
    defer { try? FileManager.default.removeItem(at: trace) }
    let result = try runSaddle([
      "run", "--problem", "rosenbrock", "--optimizer",
      #"[{"stage":"adam","learningRate":0.01}]"#, "--steps", "500", "--start", "-1.2,1",
      "--trace", trace.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 500)
    for reference in rosenbrockAdamReference {
      let object = try JSONSerialization.jsonObject(with: Data(lines[reference.step - 1].utf8))
      let record = try #require(object as? [String: Any])
      let params = try #require(record["params"] as? [Double])
      #expect(record["step"] as? Int == reference.step)
      #expect(record["gradEvals"] as? Int == reference.step)
      // Float32 arithmetic drifts from float64 by a few ulps per step; after 500 steps the
      // worst relative difference seen is 2.4e-6, so 1e-5 leaves margin and still catches
      // any formula error (those move the iterate by 1e-3 or more).
      #expect(abs(params[0] - reference.x) <= 1e-5 * abs(reference.x))
      #expect(abs(params[1] - reference.y) <= 1e-5 * abs(reference.y))
    }
  }

  @Test(
    "bad input gives a one-line error on stderr and exit code 2, never a crash",
    arguments: [
      (
        ["run", "--problem", "rosenbrok", "--optimizer", "[{\"stage\":\"sgd\"}]", "--steps", "5"],
        "did you mean 'rosenbrock'"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"adma\"}]", "--steps", "5",
        ],
        "did you mean 'adam'"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer",
          "[{\"stage\":\"adam\",\"learningRate\":-1}]", "--steps", "5",
        ], "out of range"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer",
          "[{\"stage\":\"adam\",\"learningRate\":\"x\"}]", "--steps", "5",
        ], "expected a number"
      ),
      (
        ["run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":", "--steps", "5"],
        "malformed JSON"
      ),
      (
        ["run", "--problem", "rosenbrock", "--optimizer", "/no/such/spec.json", "--steps", "5"],
        "neither inline JSON nor an existing file"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"sgd\"}]", "--steps", "-3",
        ],
        "--steps expects an integer"
      ),
      (
        ["run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"sgd\"}]", "--stpes", "3"],
        "did you mean --steps"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"sgd\"}]", "--steps", "3",
          "--start", "1,2,3",
        ], "--start has 3 values"
      ),
      (["frobnicate"], "unknown command"),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"sgd\"}]", "--steps", "3",
          "--on-nonfinite", "ignore",
        ], "expects stop, skip or rollback"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", "[{\"stage\":\"sgd\"}]", "--steps", "3",
          "--resume",
        ], "need --checkpoint"
      ),
      (["escape", "--methods", "gd,adma"], "did you mean 'adam'"),
    ])
  func badInput(arguments: [String], expected: String) throws {
    let result = try runSaddle(arguments)
    #expect(result.status == 2)
    #expect(result.stderr.contains(expected), "\(result.stderr)")
    #expect(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
  }

  @Test("an unwritable trace path is reported, not crashed on")
  func unwritableTrace() throws {
    let result = try runSaddle([
      "run", "--problem", "rosenbrock", "--optimizer", #"[{"stage":"sgd"}]"#, "--steps", "3",
      "--trace", "/proc/version/trace.jsonl",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot write"))
  }

  /// A regular file, so that a path beneath it cannot be created (tests run as root, so
  /// permissions would not stop them).
  static func regularFile() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-regular-\(UUID().uuidString)")
    try Data("x".utf8).write(to: url)
    return url
  }

  @Test("a full disk and an impossible directory are reported in one line with exit code 1")
  func fullDiskAndBadDirectory() throws {
    let regular = try Self.regularFile()
    defer { try? FileManager.default.removeItem(at: regular) }
    let sgd = #"[{"stage":"sgd","learningRate":0.001}]"#
    let cases: [([String], String)] = [
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", sgd, "--steps", "50", "--trace",
          "/dev/full",
        ],
        "No space left on device"
      ),
      (
        [
          "run", "--problem", "rosenbrock", "--optimizer", sgd, "--steps", "5", "--checkpoint",
          regular.appendingPathComponent("ck").path,
        ],
        "not a directory"
      ),
      (
        [
          "escape", "--seeds", "1", "--problems", "two-well", "--methods", "gd", "--csv",
          "/dev/full",
        ],
        "No space left on device"
      ),
      (
        [
          "escape", "--seeds", "1", "--problems", "two-well", "--methods", "gd", "--csv",
          regular.appendingPathComponent("x.csv").path,
        ],
        "Not a directory"
      ),
    ]
    for (arguments, expected) in cases {
      let result = try runSaddle(arguments)
      #expect(result.status == 1, "\(arguments)")
      #expect(result.stderr.contains(expected), "\(result.stderr)")
      #expect(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
    }
    // /dev/full is still a device: nothing was renamed over it.
    let attributes = try FileManager.default.attributesOfItem(atPath: "/dev/full")
    #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial)
  }

  @Test("--checkpoint then --resume ends on the same parameters as one uninterrupted run")
  func checkpointAndResume() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-ck-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let common = [
      "run", "--problem", "ill-conditioned-saddle", "--optimizer",
      #"[{"stage":"deo-adam","learningRate":0.01,"period":3}]"#, "--seed", "7",
    ]
    let first = try runSaddle(
      common + ["--steps", "40", "--checkpoint", directory.path, "--checkpoint-every", "15"])
    #expect(first.status == 0, "\(first.stderr)")
    let resumed = try runSaddle(
      common + ["--steps", "90", "--checkpoint", directory.path, "--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("resumed from step 40"))
    let straight = try runSaddle(common + ["--steps", "90"])
    func finalLoss(_ text: String) -> Substring? {
      text.split(separator: "\n").first { $0.hasPrefix("final loss") }
    }
    #expect(finalLoss(resumed.stdout) != nil)
    #expect(finalLoss(resumed.stdout) == finalLoss(straight.stdout))
    let again = try runSaddle(common + ["--steps", "10", "--checkpoint", directory.path])
    #expect(again.status == 1)
    #expect(again.stderr.contains("already holds checkpoints"))
  }

  @Test("saddle bench update --json prints exactly one JSON object with every case")
  func benchUpdateJSON() throws {
    let result = try runSaddle(["bench", "update", "--json", "--n", "1000", "--repeats", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 1)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["n"] as? Int == 1000)
    let threads = try #require(object["threads"] as? [[String: Any]])
    #expect(threads.map { $0["threads"] as? Int } == [1, 2])
    for key in [
      "adam_fused_ms", "adam_hand_ms", "chain5_hand_ms", "chain5_dsl_ms", "chain5_json_ms",
      "user_rule_dsl_ms", "user_rule_json_ms", "ceiling_ms",
    ] {
      #expect(threads.allSatisfy { ($0[key] as? Double ?? 0) > 0 }, "\(key)")
    }
    let misuse = try runSaddle(["bench", "transformer", "--json"])
    #expect(misuse.status == 2 && misuse.stderr.contains("--json"))
  }

  @Test("every command answers --help")
  func help() throws {
    for command in [
      ["--help"], ["run", "--help"], ["list", "--help"], ["bench", "--help"], ["escape", "--help"],
      ["compare", "--help"],
    ] {
      let result = try runSaddle(command)
      #expect(result.status == 0, "\(command): \(result.stderr)")
      #expect(result.stdout.contains("USAGE") || result.stdout.contains("COMMANDS"))
    }
  }
}

@Suite("The main job")
struct MainJobTests {
  @Test("saddle --quick runs the default study (2 seeds, budget 500) and prints its report")
  func mainJob() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-main-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let process = Process()
    process.executableURL = try ExamplesTests.executable("saddle")
    process.arguments = ["--quick"]
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("deo-sgd (corrected"))
    #expect(output.contains("escape cost (KM median)"))
    #expect(
      FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("study-deo-ablation-quick/report.md").path))
  }
}
