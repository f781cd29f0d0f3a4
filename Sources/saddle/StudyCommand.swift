import Foundation
import SaddleKit

enum StudyCommand {
  static let options = [
    OptionSpec(name: "out", valueName: "DIR", help: "Results directory (default: study-NAME)."),
    OptionSpec(
      name: "shard", valueName: "K/N", help: "Run only shard K of N (K from 1), e.g. a Slurm array."
    ),
    OptionSpec(name: "shards", valueName: "N", help: "For `slurm`: the number of array tasks."),
    OptionSpec(name: "time", valueName: "HH:MM:SS", help: "For `slurm`: time limit per task."),
    OptionSpec(
      name: "allow-large", valueName: nil,
      help: "Accept more than 100,000 trials or optimizer specs of more than 10,000 stages."),
  ]

  static let usage = """
    saddle study run CONFIG [--out DIR] [--shard K/N]
           saddle study report DIR        (writes DIR/report.md, report.csv, one SVG per problem)
           saddle study status DIR
           saddle study merge DIR SHARD_DIR...
           saddle study slurm CONFIG --shards N [--out DIR] [--time HH:MM:SS]   (prints an sbatch script)
    """

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "study", options: options, positionals: 64)
    let positionals = args.positionals
    if args.has("help") || positionals.isEmpty {
      print(
        helpText(
          usage: usage,
          summary: """
            Ablation studies: problems × optimizer settings (grids) × seeds. `run` writes each
            finished trial atomically to DIR/trials, so a killed study resumes where it stopped;
            `report` prints mean ± 95% CI per problem and setting. Ready configs: Studies/.
            """, options: options))
      if positionals.isEmpty && !args.has("help") {
        throw UsageError("saddle study: name a subcommand: run, report, status or merge")
      }
      return
    }
    switch positionals[0] {
    case "run":
      guard positionals.count == 2 else {
        throw UsageError("saddle study run: give one CONFIG file")
      }
      let path = positionals[1]
      guard let data = FileManager.default.contents(atPath: path) else {
        throw UsageError("saddle study run: cannot read config file '\(path)'")
      }
      let config = try StudyConfig.load(
        data, registry: registry, source: path, allowLarge: args.has("allow-large"))
      print(
        "study '\(config.name)': \(config.trialCount) trials (\(config.problems.count) problems × \(config.settingCount) settings × \(config.seeds) seeds)"
      )
      var shard = (0, 1)
      if let text = args.string("shard") {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
          throw UsageError("saddle study run: --shard expects K/N with 1 ≤ K ≤ N, got '\(text)'")
        }
        shard = (parts[0] - 1, parts[1])
      }
      let directory = URL(fileURLWithPath: args.string("out") ?? "study-\(config.name)")
      let runner = StudyRunner(config: config, directory: directory, registry: registry)
      let clock = ContinuousClock()
      let start = clock.now
      let (ran, skipped) = try runner.run(shard: shard.0, of: shard.1)
      print(
        "study '\(config.name)': ran \(ran) trials, \(skipped) already done, in \(clock.now - start) → \(directory.path)"
      )
      if shard.1 == 1 { try report(directory) }
    case "report":
      guard positionals.count == 2 else { throw UsageError("saddle study report: give one DIR") }
      try report(URL(fileURLWithPath: positionals[1]))
    case "status":
      guard positionals.count == 2 else { throw UsageError("saddle study status: give one DIR") }
      let directory = URL(fileURLWithPath: positionals[1])
      let config = try loadConfig(directory, registry: registry)
      let total = try StudyRunner(config: config, directory: directory, registry: registry).trials()
        .count
      let done = try StudyRunner.results(in: directory).count
      print("study '\(config.name)': \(done) of \(total) trials done")
    case "merge":
      guard positionals.count >= 3 else {
        throw UsageError("saddle study merge: give the target DIR and at least one shard DIR")
      }
      let target = URL(fileURLWithPath: positionals[1])
      try FileOutput.createDirectory(target.appendingPathComponent("trials").path)
      var copied = 0
      for source in positionals.dropFirst(2) {
        let from = URL(fileURLWithPath: source)
        if let config = FileManager.default.contents(
          atPath: from.appendingPathComponent("study.json").path)
        {
          try FileOutput.write(config, to: target.appendingPathComponent("study.json").path)
        }
        let trials = from.appendingPathComponent("trials")
        for name in try FileManager.default.contentsOfDirectory(atPath: trials.path)
        where name.hasSuffix(".json") {
          let data = try Data(contentsOf: trials.appendingPathComponent(name))
          try FileOutput.write(data, to: target.appendingPathComponent("trials/\(name)").path)
          copied += 1
        }
      }
      print("merged \(copied) trial files into \(target.path)")
    case "slurm":
      guard positionals.count == 2 else { throw UsageError("saddle study slurm: give one CONFIG") }
      guard let data = FileManager.default.contents(atPath: positionals[1]) else {
        throw UsageError("saddle study slurm: cannot read config file '\(positionals[1])'")
      }
      let config = try StudyConfig.load(
        data, registry: registry, source: positionals[1], allowLarge: args.has("allow-large"))
      guard let shards = try args.int("shards", min: 1) else {
        throw UsageError("saddle study slurm: --shards N is required (the array size)")
      }
      let out = args.string("out") ?? "study-\(config.name)"
      let time = args.string("time") ?? "01:00:00"
      guard time.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) else {
        throw UsageError("saddle study slurm: --time expects HH:MM:SS, got '\(time)'")
      }
      print(
        slurmScript(config: positionals[1], name: config.name, shards: shards, out: out, time: time)
      )
    case let other:
      let hint =
        closestName(to: other, in: ["run", "report", "status", "merge", "slurm"]).map {
          "; did you mean '\($0)'?"
        } ?? ""
      throw UsageError("saddle study: unknown subcommand '\(other)'\(hint)")
    }
  }

  /// The main job: the default study into ./study-NAME (resumable), then its report.
  static func runDefault(registry: Registry) throws {
    let config = try StudyConfig.load(Data(defaultStudyJSON.utf8), registry: registry)
    print(
      "SaddleKit — default study '\(config.name)': \(config.problems.count) problems × "
        + "\(try config.settings().count) optimizer settings × \(config.seeds) seeds "
        + "(Studies/deo-ablation.json; other studies: saddle study --help)\n")
    let directory = URL(fileURLWithPath: "study-\(config.name)")
    let runner = StudyRunner(config: config, directory: directory, registry: registry)
    let (ran, skipped) = try runner.run()
    print("ran \(ran) trials (\(skipped) already done) → \(directory.path)/\n")
    try report(directory)
  }

  /// An sbatch script running one shard per array task into its own directory; merge and
  /// report afterwards (the script says how).
  static func slurmScript(config: String, name: String, shards: Int, out: String, time: String)
    -> String
  {
    """
    #!/bin/bash
    #SBATCH --job-name=saddle-\(name)
    #SBATCH --array=1-\(shards)
    #SBATCH --cpus-per-task=2
    #SBATCH --time=\(time)
    #SBATCH --output=saddle-\(name)-%A_%a.out
    # One shard of study '\(name)' per array task; each writes finished trials atomically into its
    # own directory, so a requeued task resumes where it stopped. When all tasks are done:
    #   saddle study merge \(out) \(out)-shard-*  &&  saddle study report \(out)
    set -euo pipefail
    saddle study run '\(config)' --out "\(out)-shard-${SLURM_ARRAY_TASK_ID}" \\
      --shard "${SLURM_ARRAY_TASK_ID}/\(shards)"
    """
  }

  static func loadConfig(_ directory: URL, registry: Registry) throws -> StudyConfig {
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent("study.json").path)
    else {
      throw UsageError(
        "saddle study: '\(directory.path)' has no study.json (not a study directory)")
    }
    return try StudyConfig.load(
      data, registry: registry,
      source: directory.appendingPathComponent("study.json").path, allowLarge: true)
  }

  static func report(_ directory: URL) throws {
    let config = try loadConfig(directory, registry: .standard)
    let report = StudyReport(results: try StudyRunner.results(in: directory), config: config)
    print(try report.write(to: directory, title: "Study '\(config.name)'"))
    try report.writeFiguresAndPage(
      config: config, to: directory, title: "Study '\(config.name)'",
      commands: [
        "saddle study run \(directory.path)/study.json --out \(directory.path)",
        "saddle study report \(directory.path)",
      ],
      machine: StudyReport.machineDescription() + [("saddle", SaddleKitVersion.string)])
  }
}
