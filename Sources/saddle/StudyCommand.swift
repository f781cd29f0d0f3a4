import Foundation
import SaddleKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

enum StudyCommand {
  static let options = [
    OptionSpec(name: "out", valueName: "DIR", help: "Results directory (default: study-NAME)."),
    OptionSpec(
      name: "shard", valueName: "K/N", help: "Run only shard K of N (K from 1), e.g. a Slurm array."
    ),
    OptionSpec(
      name: "jobs", valueName: "J",
      help: "Trials run at once (default: CPUs / threads). Slurm: --cpus-per-task = J × T."),
    OptionSpec(
      name: "threads", valueName: "T",
      help: "Kernel threads per trial (default 1; 2 for a Transformer study)."),
    OptionSpec(
      name: "claim-expiry", valueName: "HOURS",
      help: "Take over a trial claimed longer ago than this (default 6)."),
    OptionSpec(
      name: "allow-incomplete", valueName: nil,
      help: "For `merge`: merge a shard set with trials missing (the report is marked partial)."),
    OptionSpec(name: "shards", valueName: "N", help: "For `slurm`: the number of array tasks."),
    OptionSpec(name: "time", valueName: "HH:MM:SS", help: "For `slurm`: time limit per task."),
    OptionSpec(
      name: "allow-large", valueName: nil,
      help: "Accept more than 100,000 trials or optimizer specs of more than 10,000 stages."),
    OptionSpec(name: "mem", valueName: "SIZE", help: "For `slurm`: memory per task (default J G)."),
    OptionSpec(
      name: "submit", valueName: nil,
      help: "For `slurm`: submit the array and the merge job with sbatch."),
    OptionSpec(
      name: "phase", valueName: "PHASE",
      help:
        "For `run` of a study with tuningSeeds: only `tuning` (phase 1) or `reporting` (phase 2)."),
    OptionSpec(
      name: "tuning-from", valueName: "DIR",
      help:
        "For `run --phase reporting`: also read tuning trials from DIR and its study subdirectories (e.g. OUT/shards).",
      repeatable: true),
  ]

  static let usage = """
    saddle study run CONFIG [--out DIR] [--shard K/N] [--jobs J] [--threads T]
                              [--phase tuning|reporting] [--tuning-from DIR]...
           saddle study report DIR        (writes DIR/report.md, report.csv, one SVG per problem)
           saddle study status DIR        (a study, a shard, or a Slurm output directory)
           saddle study merge DIR SHARD_DIR... [--allow-incomplete]
           saddle study slurm CONFIG --shards N [--out DIR] [--jobs J] [--threads T] [--time T]
                              [--mem SIZE] [--submit]
    """

  static func run(_ arguments: [String], registry: Registry) throws {
    do {
      try dispatch(arguments, registry: registry)
    } catch let error as StudyDirectoryError {
      throw UsageError("saddle study: \(error.description)")
    }
  }

  static func dispatch(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(
      arguments, command: "study", options: options, positionals: 100_000)
    let positionals = args.positionals
    if args.has("help") || positionals.isEmpty {
      print(
        helpText(
          usage: usage,
          summary: """
            Ablation studies: problems × optimizer settings (grids) × seeds. `run` writes each
            finished trial atomically to DIR/trials/<key>.json, keyed by what the trial computes,
            so a killed study resumes where it stopped and a config that gains seeds or settings
            reuses every finished trial; runners sharing DIR claim trials and never duplicate
            work. `report` prints mean ± 95% CI per problem and setting. With tuningSeeds, every
            grid point runs on tuning seeds 1001…, and each optimizer's selected point per
            problem on the reporting seeds (Guides/Studies.md). Ready configs: Studies/.
            """, options: options))
      if positionals.isEmpty && !args.has("help") {
        throw UsageError("saddle study: name a subcommand: run, report, status, merge or slurm")
      }
      return
    }
    switch positionals[0] {
    case "run":
      guard positionals.count == 2 else {
        throw UsageError("saddle study run: give one CONFIG file")
      }
      let config = try loadConfigFile(
        positionals[1], command: "run", registry: registry, allowLarge: args.has("allow-large"))
      if let tuning = config.tuningSeeds {
        print(
          "study '\(config.name)': \(config.trialCount) trials: phase 1 (tuning) \(config.problems.count) problems × \(config.settingCount) settings × \(tuning) tuning seeds, phase 2 (reporting) \(config.problems.count) problems × \(config.optimizers.count) selected settings × \(config.seeds) seeds"
        )
      } else {
        print(
          "study '\(config.name)': \(config.trialCount) trials (\(config.problems.count) problems × \(config.settingCount) settings × \(config.seeds) seeds)"
        )
      }
      var phase: StudyRunner.Phase?
      if let text = args.string("phase") {
        guard let p = StudyRunner.Phase(rawValue: text) else {
          throw UsageError(
            "saddle study run: --phase expects tuning or reporting, got '\(text)'")
        }
        guard config.tuningSeeds != nil else {
          throw UsageError(
            "saddle study run: --phase applies only to a study with tuningSeeds ('\(positionals[1])' has none)"
          )
        }
        phase = p
      }
      var shard = (0, 1)
      if let text = args.string("shard") {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, (1...n).contains(k)
        else {
          throw UsageError("saddle study run: --shard expects K/N with 1 ≤ K ≤ N, got '\(text)'")
        }
        shard = (k - 1, n)
      }
      let (jobs, threads) = try jobsAndThreads(args)
      let directory = URL(
        fileURLWithPath: try args.string("out") ?? defaultDirectory(config, command: "run"))
      var runner = StudyRunner(config: config, directory: directory, registry: registry)
      runner.tuningSources = try tuningSources(args.all("tuning-from"))
      runner.jobs = jobs
      Kernels.threadCount = threads
      if let hours = try args.double("claim-expiry") {
        guard hours > 0 else {
          throw UsageError("saddle study run: --claim-expiry expects hours > 0, got \(hours)")
        }
        runner.claimExpiry = hours * 3600
      }
      let count = try runner.trials(shard: shard.0, of: shard.1).filter {
        phase == nil || $0.phase == phase
      }.count
      let shardText = shard.1 > 1 ? " (shard \(shard.0 + 1)/\(shard.1))" : ""
      say(
        "study '\(config.name)'\(shardText): \(count) trials, \(jobs) at a time × \(threads) "
          + "thread\(threads == 1 ? "" : "s") → \(directory.path)")
      let clock = ContinuousClock()
      let start = clock.now
      let printer = ProgressPrinter(terminal: isatty(STDOUT_FILENO) != 0)
      let (ran, skipped) = try runner.run(
        shard: shard.0, of: shard.1, phase: phase, progress: { printer.show($0) })
      printer.finish()
      say(
        "study '\(config.name)': ran \(ran) trials, \(skipped) already done, in \(HumanFormat.duration(clock.now - start)) → \(directory.path)"
      )
      if shard.1 == 1 { try report(directory, registry: registry) }
    case "report":
      guard positionals.count == 2 else { throw UsageError("saddle study report: give one DIR") }
      try report(URL(fileURLWithPath: positionals[1]), registry: registry)
    case "status":
      guard positionals.count == 2 else { throw UsageError("saddle study status: give one DIR") }
      try status(URL(fileURLWithPath: positionals[1]), registry: registry)
    case "merge":
      guard positionals.count >= 3 else {
        throw UsageError("saddle study merge: give the target DIR and at least one shard DIR")
      }
      let target = URL(fileURLWithPath: positionals[1])
      let summary = try StudyMerge.merge(
        into: target, from: positionals.dropFirst(2).map { URL(fileURLWithPath: $0) },
        allowIncomplete: args.has("allow-incomplete"), registry: registry)
      say(
        "merged \(summary.copied) trial files into \(target.path): \(summary.total - summary.missing) of \(summary.total) trials"
          + (summary.missing > 0 ? " (PARTIAL: \(summary.missing) missing)" : ""))
    case "slurm":
      try slurm(args, registry: registry)
    case let other:
      let hint =
        closestName(to: other, in: ["run", "report", "status", "merge", "slurm"]).map {
          "; did you mean '\($0)'?"
        } ?? ""
      throw UsageError("saddle study: unknown subcommand '\(other)'\(hint)")
    }
  }

  /// The study directories of `--tuning-from DIR`: DIR itself if it holds a `study.json`, and
  /// each subdirectory of DIR that does (the shards of a Slurm job), in name order.
  static func tuningSources(_ paths: [String]) throws -> [URL] {
    var out: [URL] = []
    for path in paths {
      let url = URL(fileURLWithPath: path)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw UsageError(
          "saddle study run: --tuning-from '\(path)' does not exist or is not a directory")
      }
      if StudyDirectory(url).configData() != nil { out.append(url) }
      let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      for name in names.sorted() {
        let child = url.appendingPathComponent(name)
        if StudyDirectory(child).configData() != nil { out.append(child) }
      }
    }
    return out
  }

  /// Prints a line at once (also when stdout is a pipe or a Slurm log).
  static func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  static func loadConfigFile(
    _ path: String, command: String, registry: Registry, allowLarge: Bool = false
  ) throws -> StudyConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UsageError("saddle study \(command): cannot read config file '\(path)'")
    }
    return try StudyConfig.load(data, registry: registry, source: path, allowLarge: allowLarge)
  }

  /// `study-NAME`, refused when the name is not one safe path component.
  static func defaultDirectory(_ config: StudyConfig, command: String) throws -> String {
    let name = config.name
    guard !name.isEmpty, name != ".", name != "..", !name.contains("/"),
      !name.contains(where: { $0.isNewline || $0 == "\0" })
    else {
      throw UsageError(
        "saddle study \(command): the study name '\(name.replacingOccurrences(of: "\n", with: "\\n"))' "
          + "cannot name the default directory study-NAME; pass --out DIR")
    }
    return "study-\(name)"
  }

  static func jobsAndThreads(_ args: ParsedArguments) throws -> (Int, Int) {
    let threads = try args.int("threads", default: 1, min: 1)!
    guard threads <= 256 else {
      throw UsageError("saddle study: --threads expects 1 ≤ T ≤ 256, got \(threads)")
    }
    let cpus = ProcessInfo.processInfo.activeProcessorCount
    let jobs = try args.int("jobs", default: Swift.max(1, cpus / threads), min: 1)!
    guard jobs <= 4096 else {
      throw UsageError("saddle study: --jobs expects 1 ≤ J ≤ 4096, got \(jobs)")
    }
    return (jobs, threads)
  }

  /// The main job: the default study into ./study-NAME (resumable), then its report. `quick`
  /// (`saddle --quick`, for tests and CI): 2 seeds and a budget of 500 into ./study-NAME-quick.
  static func runDefault(registry: Registry, quick: Bool = false) throws {
    var config = try StudyConfig.load(Data(defaultStudyJSON.utf8), registry: registry)
    if quick {
      config.name += "-quick"
      config.seeds = 2
      config.budget.cost = 500
      if config.tuningSeeds != nil { config.tuningSeeds = 1 }
    }
    let settingCount = try config.settings().count
    let tuning =
      config.tuningSeeds.map {
        " (\(settingCount) grid settings, chosen on \($0) tuning seeds)"
      } ?? ""
    print(
      "SaddleKit — default study '\(config.name)': \(config.problems.count) problems × "
        + "\(config.optimizers.count) optimizers\(tuning) × \(config.seeds) reporting seeds "
        + "(Studies/deo-ablation.json; other studies: saddle study --help)\n")
    let directory = URL(fileURLWithPath: "study-\(config.name)")
    let runner = StudyRunner(config: config, directory: directory, registry: registry)
    let (ran, skipped) = try runner.run()
    print("ran \(ran) trials (\(skipped) already done) → \(directory.path)/\n")
    try report(directory, registry: registry)
  }

  static func loadConfig(_ directory: URL, registry: Registry) throws -> StudyConfig {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw UsageError("saddle study: '\(directory.path)' does not exist or is not a directory")
    }
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent("study.json").path)
    else {
      throw UsageError(
        "saddle study: '\(directory.path)' has no study.json (not a study directory)")
    }
    guard try StudyDirectory(directory).info() != nil else {
      throw UsageError(
        "saddle study: '\(directory.path)' was written by an older saddle (no directory.json; "
          + "trial files named by label): run the study again into a new --out")
    }
    return try StudyConfig.load(
      data, registry: registry,
      source: directory.appendingPathComponent("study.json").path, allowLarge: true)
  }

  /// Writes report.md, report.csv, per-seed.csv, paired.csv, profiles.csv, timing.csv,
  /// provenance.json, the figures and report.html, reading trial files one at a time.
  static func report(_ directory: URL, registry: Registry) throws {
    let config = try loadConfig(directory, registry: registry)
    let runner = StudyRunner(config: config, directory: directory, registry: registry)
    // Streaming: each trial file is read, folded into per-row accumulators and dropped.
    var report = try StudyReport(runner: runner)
    let missing = report.missingTrials
    let found = report.trialCount
    let partial = try StudyDirectory(directory).info()?.partial == true
    if config.tuningSeeds != nil {
      // The Tuning section (StudyReport+Tuning.swift) after the main table, and tuning.csv.
      let choices = try runner.tuningChoices()
      report.tuningSection = StudyReport.tuningMarkdown(
        config: config, choices: choices, scales: config.relativeScales(registry: registry))
      report.tuningChoices = choices.flatMap { $0.compactMap { $0 } }
      try FileOutput.write(
        Data(StudyReport.tuningCSV(config: config, choices: choices).utf8),
        to: directory.appendingPathComponent("tuning.csv").path)
    }
    var markdown = try report.write(to: directory, title: "Study '\(config.name)'")
    if missing > 0 || partial {
      let total = found + missing
      let note =
        "**Partial report:** \(found) of \(total) trials"
        + (partial ? " (merged with --allow-incomplete)" : "") + "."
      if let end = markdown.firstIndex(of: "\n") {
        markdown.insert(contentsOf: "\n\n" + note, at: end)
      } else {
        markdown += "\n" + note + "\n"
      }
      try FileOutput.write(
        Data(markdown.utf8), to: directory.appendingPathComponent("report.md").path)
      printError("saddle study report: partial: \(missing) of \(total) trials missing")
    }
    print(markdown)
    try report.writeFiguresAndPage(
      config: config, to: directory, title: "Study '\(config.name)'",
      commands: [
        "saddle study run \(directory.path)/study.json --out \(directory.path)",
        "saddle study report \(directory.path)",
      ],
      machine: StudyReport.machineDescription() + [("saddle", SaddleKitVersion.string)])
  }

  static func status(_ directory: URL, registry: Registry) throws {
    if let record = SlurmJob.record(in: directory) {
      // A Slurm output directory: every shard, then the merged result.
      let config = try loadConfigFile(
        directory.appendingPathComponent("slurm/study.json").path, command: "status",
        registry: registry)
      var missingShards: [Int] = []
      var done = 0
      var total = 0
      let shardURLs = (1...record.shards).map { directory.appendingPathComponent("shards/\($0)") }
      var phaseTotals: [StudyRunner.Phase: (done: Int, total: Int)] = [:]
      var missingTuning: [Int] = []
      for k in 1...record.shards {
        var runner = StudyRunner(config: config, directory: shardURLs[k - 1], registry: registry)
        runner.tuningSources = shardURLs
        let status = try runner.status(shard: k - 1, of: record.shards)
        done += status.done
        total += status.total
        for (phase, d, t) in status.phases {
          phaseTotals[phase, default: (0, 0)].done += d
          phaseTotals[phase, default: (0, 0)].total += t
          if phase == .tuning && d < t { missingTuning.append(k) }
        }
        if status.done < status.total {
          missingShards.append(k)
          say(
            "  shard \(k): \(status.done) of \(status.total) trials done"
              + (status.running > 0 ? ", \(status.running) running" : "")
              + status.phases.map { " (\($0.phase.rawValue): \($0.done) of \($0.total))" }.joined())
        }
      }
      for phase in StudyRunner.Phase.allCases {
        guard let (d, t) = phaseTotals[phase] else { continue }
        say(
          "  phase \(phase == .tuning ? "1 (tuning)" : "2 (reporting)"): \(d) of \(t) trials done")
      }
      say(
        "study '\(config.name)': \(record.shards) shards, \(done) of \(total) trials done"
          + (missingShards.isEmpty
            ? "" : "; incomplete shards: \(SlurmJob.compactRanges(missingShards))"))
      if !missingShards.isEmpty {
        say(
          "resubmit: "
            + SlurmJob.resubmitLine(record, missing: missingShards, missingTuning: missingTuning))
      } else if FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("study.json").path)
      {
        var mergedRunner = StudyRunner(config: config, directory: directory, registry: registry)
        mergedRunner.tuningSources = shardURLs
        let merged = try mergedRunner.status()
        say("merged: \(merged.done) of \(merged.total) trials in \(directory.path)")
      } else {
        say("all shards done; merge: sbatch \(SlurmJob.shellQuote(record.mergeScript))")
      }
      return
    }
    let config = try loadConfig(directory, registry: registry)
    let info = try StudyDirectory(directory).info()
    var runner = StudyRunner(config: config, directory: directory, registry: registry)
    // A shard of a Slurm job (OUT/shards/K): its phase 2 is selected from every shard's tuning.
    let slurmOut = directory.standardizedFileURL.deletingLastPathComponent()
      .deletingLastPathComponent()
    if info?.shard != nil, let record = SlurmJob.record(in: slurmOut) {
      runner.tuningSources = (1...record.shards).map {
        slurmOut.appendingPathComponent("shards/\($0)")
      }
    }
    let status: StudyStatus
    if let k = info?.shard, let n = info?.shards {
      status = try runner.status(shard: k - 1, of: n)
    } else {
      status = try runner.status()
    }
    let what =
      status.shard.map { "shard \($0.0)/\($0.1) of study '\(config.name)'" }
      ?? "study '\(config.name)'"
    say(
      "\(what): \(status.done) of \(status.total) trials done"
        + (status.running > 0 ? ", \(status.running) running (claimed)" : "")
        + (info?.partial == true ? " (merged with --allow-incomplete: partial)" : ""))
    for (phase, done, total) in status.phases {
      say(
        "  phase \(phase == .tuning ? "1 (tuning)" : "2 (reporting)"): \(done) of \(total) trials done"
      )
    }
    if !status.missing.isEmpty {
      let shown = status.missing.prefix(10).joined(separator: ", ")
      say(
        "missing: \(shown)"
          + (status.missing.count > 10 ? ", … and \(status.missing.count - 10) more" : ""))
      // A shard of a Slurm job (OUT/shards/K): the line that reruns it.
      let out = directory.standardizedFileURL.deletingLastPathComponent()
        .deletingLastPathComponent()
      if let (k, _) = status.shard, let record = SlurmJob.record(in: out) {
        let tuningDone = status.phases.first { $0.phase == .tuning }.map { $0.done == $0.total }
        say(
          "resubmit: "
            + SlurmJob.resubmitLine(
              record, missing: [k], missingTuning: tuningDone == false ? [k] : []))
      }
    }
  }

  static func slurm(_ args: ParsedArguments, registry: Registry) throws {
    let positionals = args.positionals
    guard positionals.count == 2 else { throw UsageError("saddle study slurm: give one CONFIG") }
    guard let data = FileManager.default.contents(atPath: positionals[1]) else {
      throw UsageError("saddle study slurm: cannot read config file '\(positionals[1])'")
    }
    let config = try StudyConfig.load(data, registry: registry)
    guard let shards = try args.int("shards", min: 1) else {
      throw UsageError("saddle study slurm: --shards N is required (the array size)")
    }
    let (jobs, threads) = try jobsAndThreadsForSlurm(args)
    let out = URL(
      fileURLWithPath: try args.string("out") ?? defaultDirectory(config, command: "slurm")
    ).standardizedFileURL.path
    var job: SlurmJob
    do {
      job = try SlurmJob(
        name: config.name, binary: executablePath(), out: out, shards: shards, jobs: jobs,
        threads: threads, time: args.string("time") ?? "01:00:00",
        memory: args.string("mem") ?? "\(jobs)G")
    } catch {
      throw UsageError("saddle study slurm: \(error.description)")
    }
    job.tuning = config.tuningSeeds != nil
    try job.write(configData: data)
    if job.tuning {
      say(
        "wrote \(job.tuningScriptPath) (phase 1, tuning: \(shards) tasks, \(jobs * threads) CPUs and \(job.memory) each), "
          + "\(job.arrayScriptPath) (phase 2, selection and reporting, after the tuning array succeeds) "
          + "and \(job.mergeScriptPath) (merge and report after phase 2 succeeds)")
    } else {
      say(
        "wrote \(job.arrayScriptPath) (\(shards) tasks, \(jobs * threads) CPUs and \(job.memory) each)"
          + " and \(job.mergeScriptPath) (merge and report after the array succeeds)")
    }
    guard args.has("submit") else {
      say("submit: " + job.submitLine())
      return
    }
    var after: [String] = []
    if job.tuning {
      let tuning = try sbatch(["--parsable", job.tuningScriptPath])
      after = ["--dependency=afterok:\(tuning)"]
      say("submitted tuning array job \(tuning)")
    }
    let array = try sbatch(["--parsable"] + after + [job.arrayScriptPath])
    let merge = try sbatch(["--parsable", "--dependency=afterok:\(array)", job.mergeScriptPath])
    say(
      "submitted array job \(array)" + (after.isEmpty ? "" : " (\(after[0].dropFirst(2)))")
        + " and merge job \(merge) (afterok:\(array))")
    say("watch: saddle study status \(SlurmJob.shellQuote(out))")
  }

  /// `--jobs` defaults to 1 on a cluster (the script fixes the CPU count).
  static func jobsAndThreadsForSlurm(_ args: ParsedArguments) throws -> (Int, Int) {
    let threads = try args.int("threads", default: 1, min: 1)!
    let jobs = try args.int("jobs", default: 1, min: 1)!
    guard threads <= 256, jobs <= 4096 else {
      throw UsageError("saddle study slurm: --jobs J ≤ 4096 and --threads T ≤ 256")
    }
    return (jobs, threads)
  }

  /// Runs `sbatch ARGS` (from PATH) and returns the job id of `--parsable` output.
  static func sbatch(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sbatch"] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do {
      try process.run()
    } catch {
      throw RunError("saddle study slurm: cannot run sbatch: \(FileOutput.describe(error))")
    }
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let id =
      output.trimmingCharacters(in: .whitespacesAndNewlines)
      .split(separator: ";").first.map(String.init) ?? ""
    guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
      let reason = (errors + output).split(whereSeparator: \.isNewline).first ?? "no job id"
      throw RunError(
        "saddle study slurm: sbatch \(arguments.joined(separator: " ")) failed "
          + "(exit \(process.terminationStatus)): \(reason)")
    }
    return id
  }

  /// The absolute, symlink-free path of the running binary.
  static func executablePath() -> String {
    for candidate in ["/proc/self/exe", CommandLine.arguments[0]] {
      if let resolved = realpath(candidate, nil) {
        defer { free(resolved) }
        return String(cString: resolved)
      }
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }
}

/// One line per finished trial (`[done/total] id  ETA …`) when stdout is not a terminal; a
/// `\r`-redrawn bar on a terminal.
final class ProgressPrinter: @unchecked Sendable {
  let terminal: Bool
  private let lock = NSLock()
  private var drew = false
  init(terminal: Bool) { self.terminal = terminal }

  func show(_ p: StudyProgress) {
    let remaining = p.total - p.done
    let eta = p.ran > 0 ? p.elapsed / Double(p.ran) * Double(remaining) : 0
    let etaText = remaining == 0 ? "done" : "ETA \(Self.duration(eta))"
    lock.withLock {
      if terminal {
        let width = 30
        let filled = p.total > 0 ? width * p.done / p.total : width
        let bar =
          String(repeating: "#", count: filled)
          + String(repeating: ".", count: width - filled)
        FileHandle.standardOutput.write(
          Data("\r[\(bar)] \(p.done)/\(p.total) \(etaText)   ".utf8))
        drew = true
      } else {
        FileHandle.standardOutput.write(
          Data("[\(p.done)/\(p.total)] \(p.trial)  \(etaText)\n".utf8))
      }
    }
  }

  func finish() {
    lock.withLock {
      if drew { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
    return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
  }
}
