import Foundation

/// Why a checkpoint could not be written or loaded. Every case names the file and says which
/// check failed, in one line; nothing is written or overwritten when a load is refused.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The directory holds no checkpoint.
  case noCheckpoint(directory: String)
  /// A fresh run was asked for, but the directory already holds checkpoints (resume, or choose
  /// another directory; they are not overwritten).
  case existingCheckpoints(directory: String, latestStep: Int)
  /// The file could not be read (missing, a directory, no permission).
  case unreadable(path: String, reason: String)
  /// The file is shorter than its header says (an interrupted copy, a full disk).
  case truncated(path: String, expectedBytes: Int, foundBytes: Int)
  /// The file is longer than its header says (bytes appended, or an altered length).
  case lengthMismatch(path: String, declaredBytes: Int, foundBytes: Int)
  /// The file is not a SaddleKit checkpoint (no or foreign header).
  case notACheckpoint(path: String, reason: String)
  /// The file was written in a format version this build cannot read.
  case unsupportedVersion(path: String, found: Int, supported: Int)
  /// The file's checksum does not match the header's (the bytes were altered).
  case checksumMismatch(path: String, expected: String, found: String)
  /// The file's name says one step, its checksummed contents another (a renamed file).
  case stepMismatch(path: String, named: Int, contains: Int)
  /// The checkpoint belongs to another model: `field` (layout, name or a model setting)
  /// differs.
  case modelMismatch(path: String, field: String, expected: String, found: String)
  /// The checkpoint belongs to another run of the same model: its `seed` or `start` differs.
  case runMismatch(path: String, field: String, expected: String, found: String)
  /// The checkpoint was written by another optimizer configuration: `field` differs.
  case optimizerMismatch(path: String, field: String, expected: String, found: String)
  /// The payload does not decode as this optimizer's state.
  case incompatibleState(path: String, reason: String)
  /// The state holds a NaN or an infinity, so it is not saved.
  case nonFiniteState(step: Int, field: String)
  /// The checkpoint could not be written (nothing was replaced).
  case writeFailed(path: String, reason: String)
  /// Another live process holds the directory's lock file.
  case locked(directory: String, holder: String)
  /// The history log beside the checkpoints does not hold what the checkpoint references.
  case historyLog(path: String, reason: String)

  public var description: String {
    switch self {
    case .noCheckpoint(let directory):
      return "no checkpoint in '\(directory)'"
    case .existingCheckpoints(let directory, let step):
      return
        "'\(directory)' already holds checkpoints (newest: step \(step)); resume from them or "
        + "choose another directory"
    case .unreadable(let path, let reason):
      return "cannot read checkpoint '\(path)': \(reason)"
    case .truncated(let path, let expected, let found):
      return
        "checkpoint '\(path)' is truncated: the header declares \(expected) bytes after it, "
        + "the file has \(found)"
    case .lengthMismatch(let path, let declared, let found):
      return
        "checkpoint '\(path)' has the wrong length: the header declares \(declared) bytes after "
        + "it, the file has \(found)"
    case .notACheckpoint(let path, let reason):
      return "'\(path)' is not a SaddleKit checkpoint: \(reason)"
    case .unsupportedVersion(let path, let found, let supported):
      return
        "checkpoint '\(path)' has format version \(found); this build reads version "
        + "\(supported) only"
    case .checksumMismatch(let path, let expected, let found):
      return
        "checkpoint '\(path)' is corrupted: its bytes have checksum \(found), the header says "
        + expected
    case .stepMismatch(let path, let named, let contains):
      return
        "checkpoint '\(path)' is named for step \(named) but holds step \(contains) "
        + "(renamed?); refusing it"
    case .modelMismatch(let path, let field, let expected, let found):
      return
        "checkpoint '\(path)' belongs to another model: \(field): ours \(oneLine(expected)) vs "
        + "theirs \(oneLine(found))"
    case .runMismatch(let path, let field, let expected, let found):
      return
        "checkpoint '\(path)' belongs to another run: \(field): ours \(oneLine(expected)) vs "
        + "theirs \(oneLine(found))"
    case .optimizerMismatch(let path, let field, let expected, let found):
      return
        "checkpoint '\(path)' was written by another optimizer: \(field): ours "
        + "\(oneLine(expected)) vs theirs \(oneLine(found))"
    case .incompatibleState(let path, let reason):
      return "checkpoint '\(path)' does not fit this optimizer's state: \(oneLine(reason))"
    case .nonFiniteState(let step, let field):
      return "refusing to checkpoint step \(step): '\(field)' holds a NaN or an infinity"
    case .writeFailed(let path, let reason):
      return "cannot write checkpoint '\(path)': \(reason)"
    case .locked(let directory, let holder):
      return
        "checkpoint directory '\(directory)' is in use by another run (\(holder)); wait for it, "
        + "or remove its 'lock' file if that run is gone"
    case .historyLog(let path, let reason):
      return "history log '\(path)': \(reason)"
    }
  }
}

/// `text` on one line, shortened to `limit` characters (the field is named beside it, so
/// only very long values are cut).
func oneLine(_ text: String, limit: Int = 400) -> String {
  let line = text.replacingOccurrences(of: "\n", with: " ")
  return line.count <= limit ? line : String(line.prefix(limit - 1)) + "…"
}
