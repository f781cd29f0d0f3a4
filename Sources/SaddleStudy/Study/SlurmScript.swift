import Foundation
import SaddleCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A study as Slurm jobs: an array of `shards` tasks (task `k` runs shard `k` into
/// `OUT/shards/k`) and a merge-and-report job that depends on the array (`afterok`).
///
/// A study with `tuningSeeds` (``tuning``) is two arrays and the merge: `tuning.sh` runs phase
/// 1 (every grid point on the tuning seeds), `array.sh` depends on it (`afterok`) and runs
/// phase 2 — each task selects every optimizer's point from all shards' tuning trials
/// (`--tuning-from OUT/shards`, the same selection in every task) and runs its share of the
/// reporting trials — and `merge.sh` depends on `array.sh`. Shard `k` of both arrays writes to
/// `OUT/shards/k`.
///
/// Every path is absolute and every user string is single-quoted for the shell
/// (``shellQuote(_:)``), so paths with spaces, quotes, newlines or `$(…)` reach `saddle`
/// unchanged and run nothing; the study name, which goes into `#SBATCH` lines, must be
/// letters, digits, `.`, `_` or `-`.
public struct SlurmJob: Sendable {
  /// The study's name (validated by ``validateName(_:)``).
  public var name: String
  /// The absolute path of the `saddle` binary the tasks run.
  public var binary: String
  /// The absolute output directory: `OUT/slurm/` holds the scripts, the config copy and the
  /// logs, `OUT/shards/k` the shards; the merge writes `OUT/trials` and the report.
  public var out: String
  /// Array tasks.
  public var shards: Int
  /// Concurrent trials per task (`--jobs`).
  public var jobs: Int
  /// Kernel threads per trial (`--threads`).
  public var threads: Int
  /// `--time` per task (`HH:MM:SS` or `D-HH:MM:SS`).
  public var time: String
  /// `--mem` per task (e.g. `2G`).
  public var memory: String
  /// Whether the study has a tuning phase (`tuningSeeds`): then `tuning.sh` runs before the
  /// reporting array.
  public var tuning = false

  /// A value with every field given; throws a one-line message for a name, time or memory
  /// Slurm cannot take.
  public init(
    name: String, binary: String, out: String, shards: Int, jobs: Int, threads: Int,
    time: String, memory: String
  ) throws(StudyDirectoryError) {
    try Self.validateName(name)
    guard
      time.range(of: #"^([0-9]+-)?[0-9]{1,3}(:[0-9]{2}){0,2}$"#, options: .regularExpression)
        != nil
    else {
      throw StudyDirectoryError("--time: '\(time)' (accepted: HH:MM:SS or D-HH:MM:SS)")
    }
    guard memory.range(of: #"^[1-9][0-9]*[KMGT]?$"#, options: .regularExpression) != nil else {
      throw StudyDirectoryError("--mem: '\(memory)' (accepted: a size such as 4G or 500M)")
    }
    guard (1...100_000).contains(shards) else {
      throw StudyDirectoryError("--shards: \(shards) (accepted: 1 ≤ N ≤ 100000)")
    }
    self.name = name
    self.binary = binary
    self.out = out
    self.shards = shards
    self.jobs = jobs
    self.threads = threads
    self.time = time
    self.memory = memory
  }

  /// Refuses a study name that cannot go into an `#SBATCH --job-name` line.
  public static func validateName(_ name: String) throws(StudyDirectoryError) {
    guard !name.isEmpty, name.count <= 100,
      name.unicodeScalars.allSatisfy({
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || "._-".unicodeScalars.contains($0)
      })
    else {
      throw StudyDirectoryError(
        "study name '\(name.replacingOccurrences(of: "\n", with: "\\n"))' cannot be used as a "
          + "Slurm job name (accepted: 1–100 letters, digits, '.', '_', '-')")
    }
  }

  /// `s` as one POSIX shell word: in single quotes, each `'` written as `'\''`.
  public static func shellQuote(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
  }

  /// Whether `path` can be written into an `#SBATCH` line as is (no quoting is possible there).
  static func isDirectiveSafe(_ path: String) -> Bool {
    path.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "/._-+,=@:".unicodeScalars.contains($0)
    }
  }

  /// `OUT/slurm`.
  public var slurmDirectory: String { (out as NSString).appendingPathComponent("slurm") }
  /// The copy of the config the tasks run (so editing the original does not change them).
  public var configCopy: String {
    (slurmDirectory as NSString).appendingPathComponent("study.json")
  }
  /// The array script.
  public var arrayScriptPath: String {
    (slurmDirectory as NSString).appendingPathComponent("array.sh")
  }
  /// The tuning array script (phase 1; studies with `tuningSeeds`).
  public var tuningScriptPath: String {
    (slurmDirectory as NSString).appendingPathComponent("tuning.sh")
  }
  /// The merge-and-report script.
  public var mergeScriptPath: String {
    (slurmDirectory as NSString).appendingPathComponent("merge.sh")
  }
  /// Where task logs go.
  public var logDirectory: String { (slurmDirectory as NSString).appendingPathComponent("logs") }
  /// Shard `k`'s directory (1-based).
  public func shardDirectory(_ k: Int) -> String {
    (out as NSString).appendingPathComponent("shards/\(k)")
  }

  func header(jobName: String, cpus: Int, log: String, array: String?) -> [String] {
    var lines = ["#!/bin/bash", "#SBATCH --job-name=\(jobName)"]
    if let array { lines.append("#SBATCH --array=\(array)") }
    lines += [
      "#SBATCH --cpus-per-task=\(cpus)", "#SBATCH --mem=\(memory)", "#SBATCH --time=\(time)",
    ]
    let logDirectory = self.logDirectory
    if Self.isDirectiveSafe(logDirectory) {
      lines.append("#SBATCH --output=\(logDirectory)/\(log)")
    } else {
      lines.append("#SBATCH --output=/dev/null")
    }
    return lines
  }

  /// The body line that sends output to the log when `#SBATCH --output` could not name it.
  func redirect(_ shellName: String) -> [String] {
    Self.isDirectiveSafe(logDirectory)
      ? [] : ["exec >>\(Self.shellQuote(logDirectory + "/"))\(shellName) 2>&1"]
  }

  /// The array script: task `k` runs shard `k/N` into `OUT/shards/k`, printing one line per
  /// finished trial to its log. With ``tuning``: phase 2, selecting from every shard's tuning
  /// trials.
  public var arrayScript: String {
    tuning
      ? arrayScript(
        phase: "reporting", jobName: "saddle-\(name)", log: "array",
        what: "phase 2 (the selected settings on the reporting seeds) after the tuning array")
      : arrayScript(phase: nil, jobName: "saddle-\(name)", log: "array", what: nil)
  }

  /// The tuning array script (phase 1: every grid point on the tuning seeds).
  public var tuningScript: String {
    arrayScript(
      phase: "tuning", jobName: "saddle-\(name)-tuning", log: "tuning",
      what: "phase 1 (every grid point on the tuning seeds)")
  }

  func arrayScript(phase: String?, jobName: String, log: String, what: String?) -> String {
    let q = Self.shellQuote
    var run = [
      "exec \(q(binary)) study run \(q(configCopy)) \\",
      "  --out \(q(out + "/shards/"))\"${SLURM_ARRAY_TASK_ID}\" \\",
      "  --shard \"${SLURM_ARRAY_TASK_ID}/\(shards)\" --jobs \(jobs) --threads \(threads)"
        + (phase == nil ? "" : " \\"),
    ]
    if phase == "tuning" {
      run.append("  --phase tuning")
    } else if phase == "reporting" {
      run.append("  --phase reporting --tuning-from \(q(out + "/shards"))")
    }
    let lines =
      header(
        jobName: jobName, cpus: jobs * threads, log: "\(log)-%A_%a.out", array: "1-\(shards)")
      + [
        "# Study '\(name)': one shard per array task, each into its own directory; a requeued",
        "# or resubmitted task resumes where it stopped (finished trials are kept).",
      ]
      + (what.map { ["# This array: \($0)."] } ?? [])
      + ["set -euo pipefail"]
      + redirect("\"\(log)-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\"")
      + ["cd \(q(out))"] + run
    return lines.joined(separator: "\n") + "\n"
  }

  /// The merge-and-report job: merges every shard into `OUT` and writes the report there.
  public var mergeScript: String {
    let q = Self.shellQuote
    let lines =
      header(jobName: "saddle-\(name)-merge", cpus: 1, log: "merge-%j.out", array: nil)
      + ["set -euo pipefail"]
      + redirect(#""merge-${SLURM_JOB_ID}.out""#)
      + [
        "cd \(q(out))",
        "shards=()",
        "for k in $(seq 1 \(shards)); do shards+=(\(q(out + "/shards/"))\"$k\"); done",
        "\(q(binary)) study merge \(q(out)) \"${shards[@]}\"",
        "\(q(binary)) study report \(q(out))",
      ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// The line that submits the array (only tasks `array`, e.g. `3,5`, when given) and then
  /// the merge job depending on it; with ``tuning``, the tuning array first and the reporting
  /// array depending on it.
  public func submitLine(array: String? = nil) -> String {
    Self.submitLine(
      tuningScript: tuning ? tuningScriptPath : nil, tuningArray: array,
      arrayScript: arrayScriptPath, array: array, mergeScript: mergeScriptPath)
  }

  static func submitLine(
    tuningScript: String?, tuningArray: String?, arrayScript: String, array: String?,
    mergeScript: String
  ) -> String {
    let q = shellQuote
    let only = array.map { " --array=\($0)" } ?? ""
    guard let tuningScript else {
      return "jid=$(sbatch --parsable\(only) \(q(arrayScript))) && "
        + "sbatch --dependency=afterok:\"${jid%%;*}\" \(q(mergeScript))"
    }
    let tuningOnly = tuningArray.map { " --array=\($0)" } ?? ""
    return "tid=$(sbatch --parsable\(tuningOnly) \(q(tuningScript))) && "
      + "jid=$(sbatch --parsable\(only) --dependency=afterok:\"${tid%%;*}\" \(q(arrayScript))) && "
      + "sbatch --dependency=afterok:\"${jid%%;*}\" \(q(mergeScript))"
  }

  /// `slurm.json`, which `study status` reads to list missing shards.
  public struct Record: Codable, Sendable {
    /// Layout version.
    public var format: Int
    /// Array tasks.
    public var shards: Int
    /// The array script's path.
    public var arrayScript: String
    /// The merge script's path.
    public var mergeScript: String
    /// The tuning array script's path (studies with `tuningSeeds`).
    public var tuningScript: String? = nil
  }

  /// Writes the config copy, both scripts, the log directory and `OUT/slurm.json`.
  public func write(configData: Data) throws {
    try FileOutput.createDirectory(logDirectory)
    try FileOutput.write(configData, to: configCopy)
    try FileOutput.write(Data(arrayScript.utf8), to: arrayScriptPath)
    try FileOutput.write(Data(mergeScript.utf8), to: mergeScriptPath)
    chmod(arrayScriptPath, 0o755)
    chmod(mergeScriptPath, 0o755)
    if tuning {
      try FileOutput.write(Data(tuningScript.utf8), to: tuningScriptPath)
      chmod(tuningScriptPath, 0o755)
    }
    let record = Record(
      format: 1, shards: shards, arrayScript: arrayScriptPath, mergeScript: mergeScriptPath,
      tuningScript: tuning ? tuningScriptPath : nil)
    try FileOutput.write(
      try JSONEncoder.sorted.encode(record),
      to: (out as NSString).appendingPathComponent("slurm.json"))
  }

  /// Reads `DIR/slurm.json`, if any.
  public static func record(in directory: URL) -> Record? {
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent("slurm.json").path)
    else { return nil }
    return try? JSONDecoder().decode(Record.self, from: data)
  }

  /// The resubmission line for shards `missing` of a job described by `record`; with a
  /// tuning array and tuning shards `missingTuning` not done, those tuning tasks first.
  public static func resubmitLine(_ record: Record, missing: [Int], missingTuning: [Int] = [])
    -> String
  {
    submitLine(
      tuningScript: missingTuning.isEmpty ? nil : record.tuningScript,
      tuningArray: compactRanges(missingTuning), arrayScript: record.arrayScript,
      array: compactRanges(missing), mergeScript: record.mergeScript)
  }

  /// `[1, 2, 3, 5]` → `1-3,5`.
  public static func compactRanges(_ values: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    let v = values.sorted()
    while i < v.count {
      var j = i
      while j + 1 < v.count && v[j + 1] == v[j] + 1 { j += 1 }
      parts.append(j > i ? "\(v[i])-\(v[j])" : "\(v[i])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }
}
