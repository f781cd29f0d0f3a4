/// Why a task could not be built from its inputs.
public enum TaskError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The text file does not exist or cannot be read.
  case unreadableFile(path: String, reason: String)
  /// The text file is empty.
  case emptyFile(path: String)
  /// The file is not valid UTF-8.
  case notUTF8(path: String)
  /// The text has fewer characters than the task needs.
  case textTooShort(characters: Int, needed: Int)

  public var description: String {
    switch self {
    case .unreadableFile(let path, let reason):
      "cannot read the corpus '\(path)': \(reason)"
    case .emptyFile(let path):
      "the corpus '\(path)' is empty; give a UTF-8 text file with some text in it"
    case .notUTF8(let path):
      "the corpus '\(path)' is not valid UTF-8 text"
    case .textTooShort(let characters, let needed):
      "the corpus has \(characters) characters but at least \(needed) are needed "
        + "(two windows of sequenceLength + 1: one to train on, one held out)"
    }
  }
}
