import Foundation
import Testing

@testable import SaddleStudy

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Studies from the command line")
struct StudyCommandLineTests {
  static let config = """
    {"name": "cli", "seeds": 2, "budget": {"cost": 200},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
                    {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5}]}]}
    """

  static func root() throws -> URL {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-study-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    return root
  }

  static func isOneLine(_ text: String) -> Bool {
    text.split(separator: "\n").count == 1 && !text.contains("Error Domain")
  }

  @Test("two shards merged give byte-identical reports to one run; merge and status refuse clearly")
  func shardsMergeAndStatus() throws {
    let root = try Self.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("study.json")
    try Data(Self.config.utf8).write(to: config)
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    for k in 1...2 {
      let shard = try runSaddle([
        "study", "run", config.path, "--out", path("shard-\(k)"), "--shard", "\(k)/2", "--jobs",
        "2",
      ])
      #expect(shard.status == 0, "\(shard.stderr)")
      // Not a terminal: one line per finished trial, with done/total.
      #expect(shard.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 2)
      #expect(shard.stdout.contains("[2/2] "))
    }
    let status = try runSaddle(["study", "status", path("shard-1")])
    #expect(status.stdout.contains("shard 1/2 of study 'cli': 2 of 2 trials done"))
    let incomplete = try runSaddle(["study", "merge", path("m1"), path("shard-1")])
    #expect(incomplete.status == 2)
    #expect(Self.isOneLine(incomplete.stderr) && incomplete.stderr.contains("2 of 4 trials"))
    let missing = try runSaddle(["study", "merge", path("m1"), path("nope")])
    #expect(missing.status == 2)
    #expect(Self.isOneLine(missing.stderr) && missing.stderr.contains("does not exist"))
    let partial = try runSaddle([
      "study", "merge", path("p"), path("shard-1"), "--allow-incomplete",
    ])
    #expect(partial.status == 0)
    let partialReport = try runSaddle(["study", "report", path("p")])
    #expect(partialReport.stdout.contains("**Partial report:** 2 of 4 trials"))
    let merge = try runSaddle(["study", "merge", path("merged"), path("shard-1"), path("shard-2")])
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("merged 4 trial files"))
    let merged = try runSaddle(["study", "report", path("merged")])
    #expect(merged.status == 0)
    let direct = try runSaddle(["study", "run", config.path, "--out", path("direct")])
    #expect(direct.status == 0, "\(direct.stderr)")
    for name in ["report.md", "report.csv"] {
      let a = try Data(contentsOf: root.appendingPathComponent("merged/\(name)"))
      let b = try Data(contentsOf: root.appendingPathComponent("direct/\(name)"))
      #expect(a == b, "\(name)")
    }
    #expect(!merged.stdout.contains("Partial"))
    let whole = try runSaddle(["study", "status", path("merged")])
    #expect(whole.stdout.contains("4 of 4 trials done"))
    let corrupt = root.appendingPathComponent("direct/trials")
    let first = try #require(
      try FileManager.default.contentsOfDirectory(atPath: corrupt.path).first {
        $0.hasSuffix(".json")
      })
    try Data("{".utf8).write(to: corrupt.appendingPathComponent(first))
    let rerun = try runSaddle(["study", "run", config.path, "--out", path("direct")])
    #expect(rerun.status == 0)
    #expect(Self.isOneLine(rerun.stderr) && rerun.stderr.contains(first))
    #expect(rerun.stdout.contains("ran 1 trials, 3 already done"))
  }

  @Test("two study run processes on one directory split the trials between them")
  func twoProcesses() throws {
    let root = try Self.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("study.json")
    try Data(
      Self.config.replacingOccurrences(of: "\"seeds\": 2", with: "\"seeds\": 10")
        .replacingOccurrences(of: "200", with: "3000").utf8
    ).write(to: config)
    let out = root.appendingPathComponent("shared").path
    let results = LockedResults()
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
      let r = try? runSaddle(["study", "run", config.path, "--out", out, "--jobs", "1"])
      results.add(r?.stdout ?? "")
    }
    let ran = results.all.compactMap { text -> Int? in
      guard let range = text.range(of: #"ran \d+ trials"#, options: .regularExpression) else {
        return nil
      }
      return Int(text[range].split(separator: " ")[1])
    }
    #expect(ran.count == 2)
    #expect(ran.reduce(0, +) == 20)
    #expect(results.all.allSatisfy { $0.contains("| qdw | gd | 10 |") })
  }

  @Test("slurm: absolute paths, quoted strings, resources; --submit chains the merge job")
  func slurm() throws {
    let root = try Self.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("it's a config.json")
    try Data(Self.config.utf8).write(to: config)
    let out = root.appendingPathComponent("o $(touch pwned)\nit's").path
    let bin = root.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let calls = root.appendingPathComponent("calls").path
    let fake = """
      #!/bin/bash
      printf '%s\\n' "$*" >> '\(calls)'
      if [ -f '\(calls).1' ]; then echo '4243;cluster'; else touch '\(calls).1'; echo 4242; fi
      """
    try Data(fake.utf8).write(to: bin.appendingPathComponent("sbatch"))
    chmod(bin.appendingPathComponent("sbatch").path, 0o755)
    let env = ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")]
    let made = try runSaddle(
      [
        "study", "slurm", config.lastPathComponent, "--shards", "2", "--out", out, "--jobs", "2",
        "--threads", "1", "--submit",
      ], environment: env, cwd: root)
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stdout.contains("submitted array job 4242 and merge job 4243"))
    let recorded = try String(contentsOfFile: calls, encoding: .utf8)
    #expect(recorded.contains("--dependency=afterok:4242 "))
    let array = try String(contentsOfFile: out + "/slurm/array.sh", encoding: .utf8)
    #expect(array.contains("#SBATCH --cpus-per-task=2"))
    #expect(array.contains("#SBATCH --mem=2G"))
    let binary = try ExamplesTests.executable("saddle").resolvingSymlinksInPath().path
    #expect(array.contains("exec '\(binary)' study run"))
    #expect(try studyBash(["-n", out + "/slurm/array.sh"], env: [:]) == 0)
    // Run the tasks as Slurm would (task 2 only first): status lists shard 1 and its line.
    let task = ["SLURM_ARRAY_JOB_ID": "1"]
    #expect(
      try studyBash(
        [out + "/slurm/array.sh"], env: task.merging(["SLURM_ARRAY_TASK_ID": "2"]) { $1 }) == 0)
    let status = try runSaddle(["study", "status", out])
    #expect(status.stdout.contains("incomplete shards: 1"))
    #expect(
      status.stdout.contains(
        "resubmit: jid=$(sbatch --parsable --array=1 \(SlurmJob.shellQuote(out + "/slurm/array.sh")))"
      ))
    let shardStatus = try runSaddle(["study", "status", out + "/shards/1"])
    #expect(shardStatus.status == 2)  // never started: not a study directory yet
    #expect(
      try studyBash(
        [out + "/slurm/array.sh"], env: task.merging(["SLURM_ARRAY_TASK_ID": "1"]) { $1 }) == 0)
    #expect(try studyBash([out + "/slurm/merge.sh"], env: ["SLURM_JOB_ID": "3"]) == 0)
    let done = try runSaddle(["study", "status", out])
    #expect(done.stdout.contains("merged: 4 of 4 trials"))
    #expect(FileManager.default.fileExists(atPath: out + "/report.md"))
    let log = try String(contentsOfFile: out + "/slurm/logs/array-1_1.out", encoding: .utf8)
    #expect(log.contains("[1/2] ") && log.contains("[2/2] "))
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("pwned").path))
    #expect(!FileManager.default.fileExists(atPath: out + "/pwned"))
    // A study name that cannot go into #SBATCH lines, and a missing --shards.
    let badName = root.appendingPathComponent("bad.json")
    try Data(Self.config.replacingOccurrences(of: "\"cli\"", with: "\"a b\"").utf8).write(
      to: badName)
    let bad = try runSaddle(["study", "slurm", badName.path, "--shards", "2", "--out", out])
    #expect(bad.status == 2 && Self.isOneLine(bad.stderr))
    #expect(bad.stderr.contains("field 'name'") && bad.stderr.contains("Slurm job"))
    let noShards = try runSaddle(["study", "slurm", config.path])
    #expect(noShards.status == 2 && noShards.stderr.contains("--shards N is required"))
  }

  static let tuningConfig = """
    {"name": "cli-tuning", "seeds": 2, "tuningSeeds": 2, "budget": {"cost": 200},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                     "grid": {"0.learningRate": {"timesInverseLambdaMax": [0.5, 1.9]}}},
                    {"label": "pgd", "spec": [{"stage": "perturbed-gd", "learningRate": 0.5}],
                     "grid": {"0.radius": {"timesMinimaDistance": [0.01, 1]}}}]}
    """

  @Test("slurm with tuningSeeds: tuning array → reporting array → merge equals one run")
  func slurmTuning() throws {
    let root = try Self.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("tuning config.json")
    try Data(Self.tuningConfig.utf8).write(to: config)
    // The reference: one unsharded run and its report.
    let single = root.appendingPathComponent("single").path
    let ran = try runSaddle(["study", "run", config.path, "--out", single, "--jobs", "1"])
    #expect(ran.status == 0, "\(ran.stderr)")
    #expect(ran.stdout.contains("8 tuning") || ran.stdout.contains("phase 1 (tuning)"))
    let status = try runSaddle(["study", "status", single])
    #expect(
      status.stdout.contains("phase 1 (tuning): 8 of 8")
        && status.stdout.contains("phase 2 (reporting): 4 of 4"))
    #expect(try runSaddle(["study", "report", single]).status == 0)
    let reference = try String(contentsOfFile: single + "/report.md", encoding: .utf8)
    #expect(reference.contains("## Tuning") && reference.contains("| qdw | gd | 2 |"))
    #expect(FileManager.default.fileExists(atPath: single + "/tuning.csv"))
    // The Slurm job, submitted to a fake sbatch that hands out ids 4242, 4243, 4244.
    let bin = root.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let calls = root.appendingPathComponent("calls").path
    let fake = """
      #!/bin/bash
      printf '%s\\n' "$*" >> '\(calls)'
      n=$(wc -l < '\(calls)'); echo $((4241 + n))
      """
    try Data(fake.utf8).write(to: bin.appendingPathComponent("sbatch"))
    chmod(bin.appendingPathComponent("sbatch").path, 0o755)
    let env = ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")]
    let out = root.appendingPathComponent("o it's").path
    let made = try runSaddle(
      ["study", "slurm", config.path, "--shards", "2", "--out", out, "--submit"],
      environment: env, cwd: root)
    #expect(made.status == 0, "\(made.stderr)")
    let recorded = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n")
    #expect(recorded.count == 3)
    #expect(recorded.first?.hasSuffix("slurm/tuning.sh") == true)
    #expect(recorded.dropFirst().first?.contains("--dependency=afterok:4242 ") == true)
    #expect(recorded.last?.contains("--dependency=afterok:4243 ") == true)
    // Run the tasks as Slurm would: tuning 1 only, then status names what to resubmit.
    func task(_ script: String, _ k: Int) throws -> Int32 {
      try studyBash(
        [out + "/slurm/" + script], env: ["SLURM_ARRAY_JOB_ID": "1", "SLURM_ARRAY_TASK_ID": "\(k)"])
    }
    #expect(try task("tuning.sh", 1) == 0)
    let waiting = try runSaddle(["study", "status", out])
    #expect(waiting.stdout.contains("phase 1 (tuning): 4 of 8"), "\(waiting.stdout)")
    #expect(waiting.stdout.contains("phase 2 (reporting): 0 of 4"))
    #expect(waiting.stdout.contains("resubmit: tid=$(sbatch --parsable --array=2 "))
    // The reporting phase refuses to start before every tuning trial exists.
    #expect(try task("array.sh", 1) != 0)
    #expect(try task("tuning.sh", 2) == 0)
    #expect(try task("array.sh", 1) == 0 && task("array.sh", 2) == 0)
    #expect(try studyBash([out + "/slurm/merge.sh"], env: ["SLURM_JOB_ID": "3"]) == 0)
    let done = try runSaddle(["study", "status", out])
    #expect(done.stdout.contains("merged: 12 of 12 trials"), "\(done.stdout)")
    #expect(try String(contentsOfFile: out + "/report.md", encoding: .utf8) == reference)
    #expect(
      try String(contentsOfFile: out + "/tuning.csv", encoding: .utf8)
        == String(contentsOfFile: single + "/tuning.csv", encoding: .utf8))
    // --phase: a bad value, and a study without tuning.
    let bad = try runSaddle(["study", "run", config.path, "--out", single, "--phase", "both"])
    #expect(
      bad.status == 2 && Self.isOneLine(bad.stderr) && bad.stderr.contains("tuning or reporting"))
    let plain = root.appendingPathComponent("plain.json")
    try Data(Self.config.utf8).write(to: plain)
    let noTuning = try runSaddle(["study", "run", plain.path, "--phase", "tuning"])
    #expect(noTuning.status == 2 && noTuning.stderr.contains("only to a study with tuningSeeds"))
  }

  /// Opt-in (`SADDLE_BIG=1`): peak RSS of `saddle study report` over 10⁵ synthetic trials of
  /// 100 curve points each; `SADDLE_BIN` picks the binary (e.g. a release build).
  @Test(
    "study report over 10^5 trials stays under 300 MB (opt-in: SADDLE_BIG=1)",
    .enabled(if: ProcessInfo.processInfo.environment["SADDLE_BIG"] == "1"))
  func reportMemory() throws {
    let root = try Self.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let problems = (1...10).map {
      #"{"label": "p\#($0)", "problem": "quartic-double-well", "perturbation": \#(Double($0) * 1e-3), "escapeDelta": 0.03}"#
    }
    let rates = (1...100).map { "\(Double($0) / 100)" }.joined(separator: ",")
    let text = """
      {"name": "big", "seeds": 100, "budget": {"cost": 1000},
       "problems": [\(problems.joined(separator: ","))],
       "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                       "grid": {"0.learningRate": [\(rates)]}}]}
      """
    let config = try StudyConfig.load(Data(text.utf8))
    let directory = root.appendingPathComponent("big")
    let store = StudyDirectory(directory)
    try store.prepare(configData: try JSONEncoder.sorted.encode(config), shard: nil)
    let trials = try StudyRunner(config: config, directory: directory).trials()
    #expect(trials.count == 100_000)
    let failures = LockedResults()
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for i in stride(from: worker, to: trials.count, by: 4) {
        let trial = trials[i]
        let curve = (0..<100).map { [Double($0 * 10), -Double(i % 97) * 1e-3 * Double($0)] }
        let result = StoredResult(
          finalLoss: -Double(i % 89) * 1e-3, escapeCost: i % 3 == 0 ? nil : 10 + i % 50,
          counts: .init(gradients: 1000), steps: 1000, curve: curve, failure: nil)
        do {
          try StudyDirectory.trialData(key: trial.key, definition: trial.definition, result: result)
            .write(to: URL(fileURLWithPath: store.trialPath(trial.key)))
        } catch {
          failures.add("\(error)")
        }
      }
    }
    #expect(failures.all.isEmpty)
    let process = Process()
    process.executableURL =
      try ProcessInfo.processInfo.environment["SADDLE_BIN"].map { URL(fileURLWithPath: $0) }
      ?? ExamplesTests.executable("saddle")
    process.arguments = ["study", "report", directory.path]
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    let clock = ContinuousClock()
    let start = clock.now
    try process.run()
    process.waitUntilExit()
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    let megabytes = Double(usage.ru_maxrss) / 1024
    print("study report of 100000 trials: peak RSS \(megabytes) MB, \(clock.now - start)")
    #expect(process.terminationStatus == 0)
    #expect(megabytes < 300)
  }
}

final class LockedResults: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [String] = []
  func add(_ s: String) { lock.withLock { items.append(s) } }
  var all: [String] { lock.withLock { items } }
}

func studyBash(_ arguments: [String], env: [String: String]) throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/bash")
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
  process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
  try process.run()
  process.waitUntilExit()
  return process.terminationStatus
}
