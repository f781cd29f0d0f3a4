import Foundation
import Testing

/// Runs the `saddle` executable that `swift test` builds next to the test bundle.
func runSaddle(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
  let process = Process()
  process.executableURL = try ExamplesTests.executable("saddle")
  process.arguments = arguments
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: outData, as: UTF8.self),
    String(decoding: errData, as: UTF8.self)
  )
}

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
  @Test("saddle with no arguments runs the default study and prints mean ± CI per setting")
  func mainJob() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-main-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let process = Process()
    process.executableURL = try ExamplesTests.executable("saddle")
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("deo-sgd (corrected)"))
    #expect(output.contains(" ± "))
    #expect(
      FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("study-deo-ablation/report.md").path))
  }
}

@Suite("Studies from the command line")
struct StudyCommandLineTests {
  static let config = """
    {"name": "cli", "seeds": 2, "budget": {"cost": 200},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
                    {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5}]}]}
    """

  @Test("two shards merged give the same report as one run; slurm prints an array script")
  func shardsMergeAndSlurm() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-study-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("study.json")
    try Data(Self.config.utf8).write(to: config)
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    for k in 1...2 {
      let shard = try runSaddle([
        "study", "run", config.path, "--out", path("shard-\(k)"), "--shard", "\(k)/2",
      ])
      #expect(shard.status == 0, "\(shard.stderr)")
    }
    let merge = try runSaddle(["study", "merge", path("merged"), path("shard-1"), path("shard-2")])
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("merged 4 trial files"))
    let merged = try runSaddle(["study", "report", path("merged")])
    let direct = try runSaddle(["study", "run", config.path, "--out", path("direct")])
    #expect(direct.status == 0, "\(direct.stderr)")
    let table = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("| qdw") } }
    #expect(table(merged.stdout).count == 2)
    #expect(table(merged.stdout) == table(direct.stdout))
    let status = try runSaddle(["study", "status", path("merged")])
    #expect(status.stdout.contains("4 of 4 trials done"))
    let slurm = try runSaddle(["study", "slurm", config.path, "--shards", "8"])
    #expect(slurm.status == 0)
    #expect(slurm.stdout.contains("#SBATCH --array=1-8"))
    #expect(slurm.stdout.contains("--shard \"${SLURM_ARRAY_TASK_ID}/8\""))
    let bad = try runSaddle(["study", "slurm", config.path])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("--shards N is required"))
  }
}
