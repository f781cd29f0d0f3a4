import Foundation
import SaddleCore
import SaddleModels
import Testing

@testable import SaddleStudy

#if canImport(Glibc)
  import Glibc
#endif

/// Collects log lines from a runner.
final class LogBox: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []
  func add(_ line: String) { lock.withLock { lines.append(line) } }
  var all: [String] { lock.withLock { lines } }
}

@Suite("Study directories: content keys, claims, trial files, merge, Slurm")
struct StudyDirectoryTests {
  static func config(seeds: Int = 2, extra: String = "") throws -> StudyConfig {
    try StudyConfig.load(
      Data(
        """
        {"name": "t", "seeds": \(seeds), "budget": {"cost": 120},
         "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
         "optimizers": [
           {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]}\(extra)]}
        """.utf8))
  }

  static let deo = #", {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5}]}"#

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("studydir-\(UUID().uuidString)")
  }

  static func files(_ url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
      .filter { $0.hasSuffix(".json") }.sorted()
  }

  @Test("FNV-1a 64 matches the published test vectors; canonical JSON sorts keys and unifies 1/1.0")
  func canonicalJSON() {
    // Vectors from the FNV reference (Fowler, Noll, Vo): "", "a", "foobar".
    #expect(CanonicalJSON.fnv1a64(Array("".utf8)) == 0xcbf2_9ce4_8422_2325)
    #expect(CanonicalJSON.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
    #expect(CanonicalJSON.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    let a = JSONValue.object(["b": .int(1), "a": .array([.double(0.5), .string("x\"\n")])])
    #expect(CanonicalJSON.text(a) == #"{"a":[0.5,"x\"\n"],"b":1}"#)
    #expect(CanonicalJSON.text(.double(1)) == CanonicalJSON.text(.int(1)))
    #expect(CanonicalJSON.text(.double(-0.0)) != CanonicalJSON.text(.int(0)))
    #expect(CanonicalJSON.hash(a).count == 16)
  }

  @Test("keys depend on what a trial computes, not on labels or written-out defaults")
  func keysByContent() throws {
    let base = try Self.config()
    var relabelled = base
    relabelled.problems[0].label = "renamed"
    relabelled.problems[0].start = "saddle"
    relabelled.problems[0].perturbation = 1e-8
    relabelled.optimizers[0].label = "other"
    let keys = try StudyRunner(config: base, directory: Self.temporaryDirectory()).trials()
      .map(\.key)
    let same = try StudyRunner(config: relabelled, directory: Self.temporaryDirectory())
      .trials().map(\.key)
    #expect(keys == same)
    #expect(Set(keys).count == 2)
    var changed = base
    changed.problems[0].escapeDelta = 0.05
    let other = try StudyRunner(config: changed, directory: Self.temporaryDirectory()).trials()
      .map(\.key)
    #expect(Set(other).isDisjoint(with: keys))
    var rotated = base
    rotated.problems[0].rotationSeed = 3
    #expect(
      Set(
        try StudyRunner(config: rotated, directory: Self.temporaryDirectory()).trials().map(\.key)
      )
      .isDisjoint(with: keys))
  }

  @Test("adding seeds and a setting reuses every finished trial; files are byte-identical")
  func extendStudy() throws {
    let directory = Self.temporaryDirectory()
    let fresh = Self.temporaryDirectory()
    defer {
      try? FileManager.default.removeItem(at: directory)
      try? FileManager.default.removeItem(at: fresh)
    }
    let small = try Self.config(seeds: 2)
    let first = try StudyRunner(config: small, directory: directory).run()
    #expect(first.ran == 2)
    let before = try Self.files(directory.appendingPathComponent("trials")).map {
      try Data(contentsOf: directory.appendingPathComponent("trials/\($0)"))
    }
    let big = try Self.config(seeds: 3, extra: Self.deo)
    let logs = LogBox()
    var runner = StudyRunner(config: big, directory: directory)
    runner.log = { logs.add($0) }
    let second = try runner.run()
    #expect(second.ran == 4 && second.skipped == 2)
    #expect(logs.all.count == 1 && logs.all[0].contains("study.json changed"))
    #expect(
      Self.files(directory).contains {
        $0 == "study-\(StudyDirectory.identity(try! JSONEncoder.sorted.encode(small))).json"
      })
    // An unsharded fresh run, 1 job, writes the same bytes for every trial.
    var single = StudyRunner(config: big, directory: fresh)
    single.jobs = 1
    _ = try single.run()
    let names = Self.files(directory.appendingPathComponent("trials"))
    #expect(names == Self.files(fresh.appendingPathComponent("trials")))
    #expect(names.count == 6)
    for name in names {
      #expect(
        try Data(contentsOf: directory.appendingPathComponent("trials/\(name)"))
          == Data(contentsOf: fresh.appendingPathComponent("trials/\(name)")))
    }
    #expect(
      try Self.files(directory.appendingPathComponent("trials")).prefix(6).contains {
        try before.contains(Data(contentsOf: directory.appendingPathComponent("trials/\($0)")))
      })
    // Timing lives beside, one file per trial: {"host", "key", "wallSeconds"}.
    let timing = Self.files(directory.appendingPathComponent("timing"))
    #expect(timing == names)
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: directory.appendingPathComponent("timing/\(timing[0])")))
    let record = try #require(object as? [String: Any])
    #expect(Set(record.keys) == ["host", "key", "wallSeconds"])
    #expect(record["key"] as? String == String(timing[0].dropLast(5)))
  }

  @Test("trials are keyed by content: identical definitions under two labels run once")
  func labelCollisions() throws {
    // Decoded without validation: the point is the directory, whatever labels a config allows.
    let config = try JSONDecoder().decode(
      StudyConfig.self,
      from: Data(
        """
        {"name": "c", "seeds": 1, "budget": {"cost": 60},
         "problems": [{"label": "a-b", "problem": "quartic-double-well"},
                      {"label": "a", "problem": "quartic-double-well", "perturbation": 0.001},
                      {"label": "copy", "problem": "quartic-double-well", "perturbation": 0.001}],
         "optimizers": [{"label": "c", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
                        {"label": "b-c", "spec": [{"stage": "sgd", "learningRate": 0.25}]}]}
        """.utf8))
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let trials = try runner.trials()
    // Labels can no longer hold '/', so ids are unique; trial files are keyed by content anyway.
    #expect(Set(trials.map(\.id)).count == trials.count)
    let result = try runner.run()
    #expect(result.ran == 4)  // 6 trials, the "copy" problem's 2 are the "a" problem's
    #expect(Self.files(directory.appendingPathComponent("trials")).count == 4)
    let results = try StudyRunner.results(in: directory)
    #expect(results.count == 6)
    #expect(try runner.status().done == 4)
  }

  @Test("corrupt, unknown-version and mismatched trial files: one line, moved aside, run again")
  func corruptTrialFiles() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = try Self.config(seeds: 3)
    var runner = StudyRunner(config: config, directory: directory)
    let logs = LogBox()
    runner.log = { logs.add($0) }
    _ = try runner.run()
    let trials = try runner.trials()
    let store = StudyDirectory(directory)
    let good = try Data(contentsOf: URL(fileURLWithPath: store.trialPath(trials[0].key)))
    try Data("{\"format\": 1, \"key\": tru".utf8).write(
      to: URL(fileURLWithPath: store.trialPath(trials[0].key)))
    let text = String(decoding: good, as: UTF8.self)
    try Data(text.replacingOccurrences(of: "\"format\":1", with: "\"format\":99").utf8).write(
      to: URL(fileURLWithPath: store.trialPath(trials[1].key)))
    // Trial 0's content under trial 2's key: another definition under that key.
    try good.write(to: URL(fileURLWithPath: store.trialPath(trials[2].key)))
    let again = try runner.run()
    #expect(again.ran == 3)
    #expect(logs.all.count == 3)
    #expect(logs.all.allSatisfy { !$0.contains("\n") && $0.contains("moved to trials/corrupt/") })
    #expect(logs.all.contains { $0.contains(trials[0].key) && $0.contains("trial file") })
    #expect(
      logs.all.contains {
        $0.contains(trials[1].key) && $0.contains("field 'format'")
          && $0.contains("99 is not supported")
      })
    #expect(logs.all.contains { $0.contains(trials[2].key) })
    #expect(Self.files(directory.appendingPathComponent("trials/corrupt")).count == 3)
    #expect(try Data(contentsOf: URL(fileURLWithPath: store.trialPath(trials[0].key))) == good)
  }

  @Test("orphaned temporary files are removed on start; fresh ones are left alone")
  func orphanedTemporaries() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: try Self.config(), directory: directory)
    _ = try runner.run()
    let trials = directory.appendingPathComponent("trials")
    let old = trials.appendingPathComponent(".abc.json.123.456.tmp")
    let fresh = trials.appendingPathComponent(".def.json.123.789.tmp")
    try Data("x".utf8).write(to: old)
    try Data("y".utf8).write(to: fresh)
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: old.path)
    _ = try runner.run()
    #expect(!FileManager.default.fileExists(atPath: old.path))
    #expect(FileManager.default.fileExists(atPath: fresh.path))
  }

  @Test("an unknown directory format and an old-layout directory are refused in one line")
  func directoryFormat() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: try Self.config(), directory: directory)
    _ = try runner.run()
    try Data(#"{"format": 7}"#.utf8).write(to: directory.appendingPathComponent("directory.json"))
    #expect {
      try runner.run()
    } throws: { "\($0)".contains("directory format 7 is not supported") && !"\($0)".contains("\n") }
    try FileManager.default.removeItem(at: directory.appendingPathComponent("directory.json"))
    #expect {
      try runner.run()
    } throws: { "\($0)".contains("older saddle") }
  }

  @Test("two runners on one directory never compute a trial twice")
  func twoRunnersShareWork() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = try Self.config(seeds: 8, extra: Self.deo)
    let ran = LogBox()
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
      var runner = StudyRunner(config: config, directory: directory)
      runner.jobs = 2
      let counted = LogBox()
      let result = try? runner.run(progress: { counted.add($0.trial) })
      ran.add("\(result?.ran ?? -100):\(counted.all.count)")
    }
    let counts = ran.all.map { $0.split(separator: ":").map { Int($0)! } }
    #expect(counts.count == 2)
    // Each runner's count equals the trials it reported, and together they ran each trial once.
    #expect(counts.allSatisfy { $0[0] == $0[1] })
    #expect(counts.map { $0[0] }.reduce(0, +) == 16)
    #expect(Self.files(directory.appendingPathComponent("trials")).count == 16)
    #expect(Self.files(directory.appendingPathComponent("claims")).isEmpty)
  }

  @Test("claims: a live claim is respected, a dead process's or an expired one is taken over")
  func claimTakeover() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = try Self.config(seeds: 3)
    var runner = StudyRunner(config: config, directory: directory)
    runner.waitForClaims = false
    let trials = try runner.trials()
    let store = StudyDirectory(directory)
    try FileOutput.createDirectory(store.claims.path)
    func plant(_ key: String, pid: Int32, host: String, age: Double) throws {
      let claim = StudyDirectory.Claim(
        host: host, pid: pid, start: Date().timeIntervalSince1970 - age, nonce: "other")
      try JSONEncoder.sorted.encode(claim).write(
        to: URL(fileURLWithPath: store.claimPath(key)))
    }
    // A process that has exited: its PID is free (on this host).
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    try plant(trials[0].key, pid: process.processIdentifier, host: StudyDirectory.hostName, age: 1)
    try plant(trials[1].key, pid: getpid(), host: StudyDirectory.hostName, age: 1)
    try plant(trials[2].key, pid: 1, host: "elsewhere", age: 1)
    let first = try runner.run()
    #expect(first.ran == 1)  // only the dead process's trial
    #expect(try runner.status().running == 2)
    runner.claimExpiry = 0.5
    Thread.sleep(forTimeInterval: 0.6)
    let second = try runner.run()
    #expect(second.ran == 2 && second.skipped == 1)
    #expect(Self.files(store.claims).isEmpty)
  }

  @Test("merge refuses other studies, incomplete shard sets, and other definitions under a key")
  func mergeRules() throws {
    let root = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = try Self.config(seeds: 3, extra: Self.deo)
    func dir(_ name: String) -> URL { root.appendingPathComponent(name) }
    for k in 0..<3 {
      _ = try StudyRunner(config: config, directory: dir("s\(k + 1)")).run(shard: k, of: 3)
    }
    _ = try StudyRunner(config: try Self.config(seeds: 2), directory: dir("other")).run()
    func refused(_ sources: [String], _ expected: String, allow: Bool = false) {
      #expect {
        try StudyMerge.merge(
          into: dir("m-\(UUID().uuidString)"), from: sources.map(dir), allowIncomplete: allow)
      } throws: { error in
        "\(error)".contains(expected) && !"\(error)".contains("\n")
      }
    }
    refused(["s1", "other"], "holds another study")
    refused(["s1", "s3"], "shards not given: 2 of 3")
    refused(["s1", "nosuch"], "does not exist")
    let partial = try StudyMerge.merge(into: dir("p"), from: [dir("s1")], allowIncomplete: true)
    #expect(partial.missing == 4 && partial.missingShards == [2, 3])
    #expect(try StudyDirectory(dir("p")).info()?.partial == true)
    let full = try StudyMerge.merge(
      into: dir("m"), from: ["s1", "s2", "s3"].map(dir), allowIncomplete: false)
    #expect(full.copied == 6 && full.missing == 0)
    #expect(try StudyDirectory(dir("m")).info()?.partial == nil)
    // Shard 2 becomes incomplete: one of its files is gone.
    let s2 = dir("s2/trials")
    try FileManager.default.removeItem(at: s2.appendingPathComponent(Self.files(s2)[0]))
    refused(["s1", "s2", "s3"], "incomplete: shard 2")
    // A file holding another definition under its key.
    let s1 = dir("s1/trials")
    let names = Self.files(s1)
    try FileManager.default.copyItem(
      at: s1.appendingPathComponent(names[0]), to: s2.appendingPathComponent("x.json"))
    try FileManager.default.removeItem(at: s1.appendingPathComponent(names[1]))
    try FileManager.default.moveItem(
      at: s2.appendingPathComponent("x.json"), to: s1.appendingPathComponent(names[1]))
    refused(["s1", "s3"], "does not match its definition", allow: true)
  }

  @Test("status counts against a shard and lists what is missing")
  func shardStatus() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = try Self.config(seeds: 3, extra: Self.deo)
    let runner = StudyRunner(config: config, directory: directory)
    _ = try runner.run(shard: 1, of: 2)
    #expect(try StudyDirectory(directory).info()?.shard == 2)
    let status = try runner.status(shard: 1, of: 2)
    #expect(status.done == 3 && status.total == 3 && status.missing.isEmpty)
    let whole = try runner.status()
    #expect(whole.done == 3 && whole.total == 6 && whole.missing.count == 3)
  }

  @Test("shell quoting survives quotes, newlines, spaces and $(…); names are validated")
  func slurmQuoting() throws {
    #expect(SlurmJob.shellQuote("it's") == #"'it'\''s'"#)
    #expect(SlurmJob.compactRanges([5, 1, 2, 3, 7, 8]) == "1-3,5,7-8")
    for bad in ["a b", "x\ny", "", "../x", "a'b", "$(id)"] {
      #expect(throws: StudyDirectoryError.self) { try SlurmJob.validateName(bad) }
    }
    try SlurmJob.validateName("deo-ablation_2.1")
    let root = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("o $(touch pwned) it's\nx `touch pwned2`").path
    let bin = root.appendingPathComponent("fake saddle's").path
    try FileOutput.createDirectory(root.path)
    // A fake saddle: writes each argument on its own NUL-terminated record.
    try Data(
      "#!/bin/bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$ARGS_FILE\"\n".utf8
    )
    .write(to: URL(fileURLWithPath: bin))
    chmod(bin, 0o755)
    let job = try SlurmJob(
      name: "t", binary: bin, out: out, shards: 4, jobs: 2, threads: 3, time: "00:10:00",
      memory: "3G")
    try job.write(configData: Data("{}".utf8))
    let script = job.arrayScript
    #expect(script.contains("#SBATCH --cpus-per-task=6"))
    #expect(script.contains("#SBATCH --mem=3G"))
    #expect(script.contains("#SBATCH --array=1-4"))
    #expect(script.contains("#SBATCH --output=/dev/null"))  // the path cannot go into #SBATCH
    let argsFile = root.appendingPathComponent("args").path
    for (path, env) in [
      (job.arrayScriptPath, ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_JOB_ID": "9"]),
      (job.mergeScriptPath, ["SLURM_JOB_ID": "10"]),
    ] {
      let syntax = try Self.bash(["-n", path], env: [:], cwd: root)
      #expect(syntax == 0)
      try? FileManager.default.removeItem(atPath: argsFile)
      let status = try Self.bash(
        [path], env: env.merging(["ARGS_FILE": argsFile]) { $1 }, cwd: root)
      #expect(status == 0)
      let recorded = try String(contentsOfFile: argsFile, encoding: .utf8)
        .split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
      if path == job.arrayScriptPath {
        #expect(
          recorded == [
            "study", "run", job.configCopy, "--out", out + "/shards/3", "--shard", "3/4", "--jobs",
            "2", "--threads", "3",
          ])
      } else {
        #expect(
          recorded
            == ["study", "merge", out] + (1...4).map { out + "/shards/\($0)" }
            + ["study", "report", out])
      }
    }
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("pwned").path))
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("pwned2").path))
    #expect(!FileManager.default.fileExists(atPath: out + "/pwned"))
    #expect(FileManager.default.fileExists(atPath: job.logDirectory + "/array-9_3.out"))
    // A plain path goes into #SBATCH --output.
    let plain = try SlurmJob(
      name: "t", binary: "/bin/saddle", out: "/scratch/u/out", shards: 2, jobs: 1, threads: 2,
      time: "1-00:00:00", memory: "1G")
    #expect(
      plain.arrayScript.contains("#SBATCH --output=/scratch/u/out/slurm/logs/array-%A_%a.out"))
    #expect(plain.submitLine().contains("--dependency=afterok:\"${jid%%;*}\""))
    #expect(throws: StudyDirectoryError.self) {
      try SlurmJob(
        name: "t", binary: "/b", out: "/o", shards: 2, jobs: 1, threads: 1, time: "1h\n#x",
        memory: "1G")
    }
  }

  static func bash(_ arguments: [String], env: [String: String], cwd: URL) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    process.currentDirectoryURL = cwd
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
