import Foundation
import SaddleCore
import SaddleModels

/// How many trials of a study (or of one shard) are done.
public struct StudyStatus: Sendable {
  /// The shard (1-based) and shard count, when the directory is a shard.
  public var shard: (Int, Int)?
  /// Trials with a valid file.
  public var done: Int
  /// Distinct trials of the study (or shard).
  public var total: Int
  /// The ids (`problem/setting/seed`) of the trials not done, in config order.
  public var missing: [String]
  /// Trials a live runner has claimed.
  public var running: Int
  /// With `tuningSeeds`: per phase (`tuning`, `reporting`) the trials done and the total
  /// (reporting trials of pairs whose tuning is not done count as not done); empty otherwise.
  public var phases: [(phase: StudyRunner.Phase, done: Int, total: Int)] = []
}

extension StudyRunner {
  /// Counts the finished trials of shard `shard` (0-based) of `shards` in ``directory``.
  public func status(shard: Int = 0, of shards: Int = 1) throws -> StudyStatus {
    var seen = Set<String>()
    var missing: [String] = []
    var running = 0
    var perPhase: [StudyRunner.Phase: (done: Int, total: Int)] = [:]
    var waitingSlots = 0
    try forEachTrial(
      waiting: { p, o in
        // The reporting trials of a pair whose tuning is not done: not yet defined.
        for seed in 1...config.seeds {
          let index = (p * config.optimizers.count + o) * config.seeds + seed - 1
          guard index % shards == shard else { continue }
          waitingSlots += 1
          missing.append("\(config.problems[p].label)/\(config.optimizers[o].label)/\(seed)")
        }
      }
    ) { trial in
      guard trial.index % shards == shard, seen.insert(trial.key).inserted else { return }
      perPhase[trial.phase, default: (0, 0)].total += 1
      if case .done = store.readTrial(key: trial.key, definition: trial.definition) {
        perPhase[trial.phase, default: (0, 0)].done += 1
        return
      }
      missing.append(trial.id)
      if store.isClaimed(trial.key, expiry: claimExpiry) { running += 1 }
    }
    var status = StudyStatus(
      shard: shards > 1 ? (shard + 1, shards) : nil,
      done: seen.count - (missing.count - waitingSlots), total: seen.count + waitingSlots,
      missing: missing, running: running)
    if config.tuningSeeds != nil {
      perPhase[.reporting, default: (0, 0)].total += waitingSlots
      status.phases = StudyRunner.Phase.allCases.map {
        ($0, perPhase[$0]?.done ?? 0, perPhase[$0]?.total ?? 0)
      }
    }
    return status
  }
}

/// The outcome of ``StudyMerge/merge(into:from:allowIncomplete:registry:)``.
public struct MergeSummary: Sendable {
  /// Trial files copied into the target.
  public var copied: Int
  /// Distinct trials of the study.
  public var total: Int
  /// Trials found in no source (nonzero only with `allowIncomplete`).
  public var missing: Int
  /// Shards (1-based) that were not given, when the sources are shards.
  public var missingShards: [Int]
}

/// Merging shard directories of one study into one directory.
public enum StudyMerge {
  /// Copies every valid trial of `sources` into `target`, refusing — before anything is
  /// copied — sources of different studies (their `study.json` differ), a trial file whose
  /// definition differs from the study's under its key, two sources with different results for
  /// one trial, and an incomplete set of shards unless `allowIncomplete` (then `target`'s
  /// `directory.json` records `partial: true`).
  public static func merge(
    into target: URL, from sources: [URL], allowIncomplete: Bool, registry: Registry = .standard
  ) throws -> MergeSummary {
    var first: (url: URL, data: Data)?
    var infos: [(URL, StudyDirectoryInfo)] = []
    for source in sources {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else { throw StudyDirectoryError("'\(source.path)' does not exist or is not a directory") }
      let store = StudyDirectory(source)
      guard let data = store.configData() else {
        throw StudyDirectoryError("'\(source.path)' is not a study directory (no study.json)")
      }
      guard let info = try store.info() else {
        throw StudyDirectoryError(
          "'\(source.path)' was written by an older saddle (no directory.json): run it again")
      }
      if let first, first.data != data {
        throw StudyDirectoryError(
          "'\(source.path)' holds another study than '\(first.url.path)' (study.json identity "
            + "\(StudyDirectory.identity(data)) vs \(StudyDirectory.identity(first.data))); "
            + "merge only shards of one study")
      }
      if first == nil { first = (source, data) }
      infos.append((source, info))
    }
    guard let first else { throw StudyDirectoryError("merge: give at least one shard directory") }
    let config = try StudyConfig.load(first.data, registry: registry)
    var runner = StudyRunner(config: config, directory: target, registry: registry)
    // Phase 2 of a tuning study is defined by the tuning trials, wherever they are.
    runner.tuningSources = sources
    var expected: [String: JSONValue] = [:]
    var ids: [String: String] = [:]
    for trial in try runner.trials() where expected[trial.key] == nil {
      expected[trial.key] = trial.definition
      ids[trial.key] = trial.id
    }

    // Which file provides each trial; every candidate is checked before anything is copied.
    var chosen: [String: (path: String, data: Data, source: URL)] = [:]
    let targetStore = StudyDirectory(target)
    for (key, definition) in expected {
      if let data = FileManager.default.contents(atPath: targetStore.trialPath(key)) {
        if case .invalid(let reason) = StudyDirectory.decodeTrial(
          data, key: key, definition: definition, source: targetStore.trialPath(key))
        {
          throw StudyDirectoryError(reason)
        }
        chosen[key] = (targetStore.trialPath(key), data, target)
      }
    }
    var copies: [String: (data: Data, source: URL)] = [:]
    for source in sources {
      let store = StudyDirectory(source)
      for (key, definition) in expected {
        let path = store.trialPath(key)
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        if case .invalid(let reason) = StudyDirectory.decodeTrial(
          data, key: key, definition: definition, source: path)
        {
          throw StudyDirectoryError(reason)
        }
        if let other = chosen[key] {
          if other.data != data {
            throw StudyDirectoryError(
              "'\(path)' and '\(other.path)' hold different results for trial '\(ids[key]!)' "
                + "(key \(key)); a run is not deterministic or a file was edited")
          }
          continue
        }
        chosen[key] = (path, data, source)
        copies[key] = (data, source)
      }
    }

    // Completeness: every trial, and every shard of the split.
    let shardCounts = Set(infos.compactMap { $0.1.shards })
    guard shardCounts.count <= 1 else {
      throw StudyDirectoryError(
        "merge: the shards come from different splits (\(shardCounts.sorted().map(String.init).joined(separator: " and ")) shards)"
      )
    }
    var missingShards: [Int] = []
    var incomplete: [String] = []
    if let n = shardCounts.first, !infos.contains(where: { $0.1.shards == nil }) {
      let given = Set(infos.compactMap { $0.1.shard })
      missingShards = (1...n).filter { !given.contains($0) }
      for (url, info) in infos {
        guard let k = info.shard else { continue }
        var shardRunner = StudyRunner(config: config, directory: url, registry: registry)
        shardRunner.tuningSources = sources
        let status = try shardRunner.status(shard: k - 1, of: n)
        if status.done < status.total {
          incomplete.append("shard \(k) ('\(url.path)') has \(status.done) of \(status.total)")
        }
      }
    }
    let missing = expected.count - chosen.count
    if missing > 0 && !allowIncomplete {
      var parts = ["merge: \(missing) of \(expected.count) trials are missing"]
      if !missingShards.isEmpty {
        parts.append(
          "shards not given: \(missingShards.map(String.init).joined(separator: ",")) of "
            + "\(shardCounts.first!)")
      }
      if !incomplete.isEmpty { parts.append("incomplete: " + incomplete.joined(separator: ", ")) }
      parts.append("give every shard, or pass --allow-incomplete for a report marked partial")
      throw StudyDirectoryError(parts.joined(separator: "; "))
    }

    try targetStore.prepare(configData: first.data, shard: nil)
    for key in copies.keys.sorted() {
      let (data, source) = copies[key]!
      try FileOutput.write(data, to: targetStore.trialPath(key))
      let timing = StudyDirectory(source).timing.appendingPathComponent("\(key).json").path
      if let t = FileManager.default.contents(atPath: timing) {
        try FileOutput.write(t, to: targetStore.timing.appendingPathComponent("\(key).json").path)
      }
    }
    var info = try targetStore.info() ?? StudyDirectoryInfo(format: StudyDirectory.format)
    info.partial = missing > 0 ? true : nil
    info.shard = nil
    info.shards = nil
    try targetStore.writeInfo(info)
    return MergeSummary(
      copied: copies.count, total: expected.count, missing: missing, missingShards: missingShards)
  }
}
