import Foundation

/// Why a checkpoint could not be written or loaded. Every case names the file and says which
/// check failed; nothing is written or overwritten when a load is refused.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The directory holds no checkpoint.
  case noCheckpoint(directory: String)
  /// A fresh run was asked for, but the directory already holds checkpoints (resume, or choose
  /// another directory; they are not overwritten).
  case existingCheckpoints(directory: String, latestStep: Int)
  /// The file could not be read.
  case unreadable(path: String, reason: String)
  /// The file is shorter than its header says (an interrupted copy, a full disk).
  case truncated(path: String, expectedBytes: Int, foundBytes: Int)
  /// The file is not a SaddleKit checkpoint (no or foreign header).
  case notACheckpoint(path: String, reason: String)
  /// The file was written in a format version this build cannot read.
  case unsupportedVersion(path: String, found: Int, supported: Int)
  /// The payload's checksum does not match the header's (the bytes were altered).
  case checksumMismatch(path: String, expected: String, found: String)
  /// The checkpoint belongs to another model (layout or name).
  case modelMismatch(path: String, expected: String, found: String)
  /// The checkpoint was written by another optimizer configuration.
  case optimizerMismatch(path: String, expected: String, found: String)
  /// The payload does not decode as this optimizer's state.
  case incompatibleState(path: String, reason: String)
  /// The state holds a NaN or an infinity, so it is not saved.
  case nonFiniteState(step: Int, field: String)
  /// The checkpoint could not be written (nothing was replaced).
  case writeFailed(path: String, reason: String)

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
      return "checkpoint '\(path)' is truncated: payload has \(found) of \(expected) bytes"
    case .notACheckpoint(let path, let reason):
      return "'\(path)' is not a SaddleKit checkpoint: \(reason)"
    case .unsupportedVersion(let path, let found, let supported):
      return
        "checkpoint '\(path)' has format version \(found); this build reads version \(supported)"
    case .checksumMismatch(let path, let expected, let found):
      return
        "checkpoint '\(path)' is corrupted: checksum \(found) does not match the header's "
        + expected
    case .modelMismatch(let path, let expected, let found):
      return
        "checkpoint '\(path)' belongs to another model: it has \(found), expected \(expected)"
    case .optimizerMismatch(let path, let expected, let found):
      return
        "checkpoint '\(path)' was written by another optimizer: it has "
        + "\(abbreviate(found)), expected \(abbreviate(expected))"
    case .incompatibleState(let path, let reason):
      return "checkpoint '\(path)' does not fit this optimizer's state: \(reason)"
    case .nonFiniteState(let step, let field):
      return "refusing to checkpoint step \(step): '\(field)' holds a NaN or an infinity"
    case .writeFailed(let path, let reason):
      return "cannot write checkpoint '\(path)': \(reason)"
    }
  }
}

/// `text` on one line, shortened to `limit` characters.
func abbreviate(_ text: String, limit: Int = 160) -> String {
  let line = text.replacingOccurrences(of: "\n", with: " ")
  return line.count <= limit ? line : String(line.prefix(limit - 1)) + "…"
}
