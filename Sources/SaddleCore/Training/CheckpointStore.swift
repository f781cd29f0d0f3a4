import Foundation

/// A directory of checkpoints, one file per saved step (`checkpoint-000000001000.saddlekit`).
///
/// ```swift
/// let store = CheckpointStore(directory: URL(fileURLWithPath: "runs/a"))
/// try store.save(state, history: history, identity: identity)
/// let checkpoint = try store.load(Adam.State.self, expecting: identity)
/// ```
/// The directory also holds the run's ``HistoryLog`` (`history.bin`) and, while a run writes
/// into it, its lock file (`lock`, see ``CheckpointLock``).
///
/// Saving is atomic: the file is written under a temporary name in the same directory,
/// flushed to disk (`fsync`), renamed into place and the directory flushed, so a crash leaves
/// either the previous checkpoint or the new one, never a partial file. Loading refuses a
/// truncated, corrupted, foreign, newer-version or mismatched file with a ``CheckpointError``
/// and changes nothing on disk. The newest ``keep`` checkpoints are kept.
public struct CheckpointStore: Sendable {
  /// The directory holding the checkpoints (created on first save).
  public let directory: URL
  /// How many checkpoints to keep (the newest); at least 1.
  public var keep: Int

  static let prefix = "checkpoint-"
  static let suffix = ".saddlekit"

  /// A store in `directory`, keeping the newest `keep` checkpoints.
  public init(directory: URL, keep: Int = 2) {
    self.directory = directory
    self.keep = Swift.max(1, keep)
  }

  /// The file that holds the checkpoint of `step`.
  public func url(forStep step: Int) -> URL {
    let digits = String(step)
    let padded = String(repeating: "0", count: Swift.max(0, 12 - digits.count)) + digits
    return directory.appendingPathComponent(Self.prefix + padded + Self.suffix)
  }

  /// The steps that have a checkpoint file, in increasing order.
  public func steps() -> [Int] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.compactMap { name -> Int? in
      guard name.hasPrefix(Self.prefix), name.hasSuffix(Self.suffix) else { return nil }
      return Int(name.dropFirst(Self.prefix.count).dropLast(Self.suffix.count))
    }.sorted()
  }

  /// The newest saved step, if any.
  public var latestStep: Int? { steps().last }

  /// Saves `state` and `history` as the checkpoint of `state.step`, atomically, then removes
  /// checkpoints beyond the newest ``keep``.
  ///
  /// - Throws: ``CheckpointError/nonFiniteState(step:field:)`` when the state holds a NaN or an
  ///   infinity, ``CheckpointError/writeFailed(path:reason:)`` when the file cannot be written;
  ///   the existing checkpoints are then left as they were.
  @discardableResult
  public func save<S>(
    _ state: OptimizerState<S>, history: TrainingHistory, identity: CheckpointIdentity
  ) throws(CheckpointError) -> URL {
    let data = try Checkpoint(state: state, history: history, identity: identity).encoded()
    let target = url(forStep: state.step)
    try writeAtomically(data, to: target)
    prune(before: state.step)
    return target
  }

  /// Loads the checkpoint of `step` (the newest when `nil`), checked against `identity`.
  ///
  /// - Throws: ``CheckpointError`` saying which check failed: none found, unreadable,
  ///   truncated, not a checkpoint, unsupported version, checksum mismatch, another model,
  ///   another optimizer, or a state that does not decode as `S`.
  public func load<S>(
    _ type: S.Type = S.self, expecting identity: CheckpointIdentity, step: Int? = nil
  ) throws(CheckpointError) -> Checkpoint<S> {
    guard let chosen = step ?? latestStep else {
      throw .noCheckpoint(directory: directory.path)
    }
    let file = url(forStep: chosen)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      throw .unreadable(path: file.path, reason: "it is a directory, not a checkpoint file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw .unreadable(path: file.path, reason: FileOutput.describe(error))
    }
    return try Checkpoint<S>.decode(data, expecting: identity, path: file.path, step: chosen)
  }

  /// Loads the newest checkpoint for `optimizer`, checked against `model`'s layout and the
  /// optimizer's fingerprint; `nil` when the directory holds none.
  public func loadLatest<M: Model, R: UpdateRule>(
    for optimizer: Optimizer<R>, model: M, modelName: String? = nil
  ) throws(CheckpointError) -> Checkpoint<R.State>? {
    guard latestStep != nil else { return nil }
    let identity = CheckpointIdentity(model: model, optimizer: optimizer, modelName: modelName)
    return try load(R.State.self, expecting: identity)
  }

  /// Writes `data` to a temporary file in the directory, flushes it, renames it to `target`
  /// and flushes the directory.
  func writeAtomically(_ data: Data, to target: URL) throws(CheckpointError) {
    do {
      try FileOutput.createDirectory(directory.path)
      try FileOutput.write(data, to: target.path)
    } catch {
      throw .writeFailed(path: target.path, reason: "\(error.path): \(error.reason)")
    }
  }

  /// Removes all but the newest ``keep`` checkpoints up to `step` (the one just written):
  /// only regular checkpoint files of earlier steps, never a newer step, a temporary file, the
  /// lock or the history log. Runs hold the directory's lock (``CheckpointLock``), so no other
  /// run writes here meanwhile.
  func prune(before step: Int) {
    let older = steps().filter { $0 <= step }
    for old in older.dropLast(keep) {
      let file = url(forStep: old)
      var info = stat()
      guard lstat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
      unlink(file.path)
    }
  }
}
