import Foundation
import SaddleCore

/// Character-level language modeling on a UTF-8 text: tokens are the text's distinct Unicode
/// scalars (sorted), every next character is scored.
///
/// The last `heldOutFraction` of the text (at least `T + 1` characters) is held out — or a
/// separate validation text (``init(training:validation:sequenceLength:)``, as for
/// ``shakespeare(sequenceLength:)``'s held-out plays): training windows of `T + 1` characters
/// start uniformly in the training part, evaluation windows in the held-out part, so held-out
/// loss measures generalization to unseen text.
public struct CharacterLanguageTask: SequenceTask {
  /// The distinct characters of the text, sorted; token `i` is `alphabet[i]`.
  public let alphabet: [Unicode.Scalar]
  /// The predicted positions per row `T`.
  public let sequenceLength: Int
  /// The text as token indices.
  public let tokens: [Int32]
  /// The number of leading tokens used for training; the rest is held out.
  public let trainingCount: Int

  /// The number of token classes (the alphabet's size).
  public var vocabularySize: Int { alphabet.count }

  /// A task over `text` with windows of `sequenceLength + 1` characters.
  ///
  /// - Throws: ``TaskError/textTooShort(characters:needed:)`` when the text has fewer than
  ///   `2·(T + 1)` characters.
  public init(text: String, sequenceLength: Int = 32, heldOutFraction: Double = 0.1) throws {
    precondition(sequenceLength >= 1, "CharacterLanguageTask: sequenceLength must be ≥ 1")
    precondition(
      heldOutFraction > 0 && heldOutFraction < 1,
      "CharacterLanguageTask: heldOutFraction must be in (0, 1)")
    let scalars = Array(text.unicodeScalars)
    let window = sequenceLength + 1
    guard scalars.count >= 2 * window else {
      throw TaskError.textTooShort(characters: scalars.count, needed: 2 * window)
    }
    let alphabet = Array(Set(scalars)).sorted { $0.value < $1.value }
    var index: [Unicode.Scalar: Int32] = [:]
    for (i, scalar) in alphabet.enumerated() { index[scalar] = Int32(i) }
    self.alphabet = alphabet
    self.sequenceLength = sequenceLength
    tokens = scalars.map { index[$0]! }
    let heldOut = max(window, Int((Double(scalars.count) * heldOutFraction).rounded()))
    trainingCount = scalars.count - heldOut
  }

  /// A task that trains on `training` and holds out `validation` (a separate text, e.g. other
  /// plays, so no held-out text leaks into training); the alphabet is both texts' characters.
  ///
  /// - Throws: ``TaskError/textTooShort(characters:needed:)`` when either text has fewer than
  ///   `T + 1` characters.
  public init(training: String, validation: String, sequenceLength: Int = 32) throws {
    precondition(sequenceLength >= 1, "CharacterLanguageTask: sequenceLength must be ≥ 1")
    let train = Array(training.unicodeScalars)
    let held = Array(validation.unicodeScalars)
    let window = sequenceLength + 1
    for part in [train, held] where part.count < window {
      throw TaskError.textTooShort(characters: part.count, needed: window)
    }
    let alphabet = Array(Set(train).union(held)).sorted { $0.value < $1.value }
    var index: [Unicode.Scalar: Int32] = [:]
    for (i, scalar) in alphabet.enumerated() { index[scalar] = Int32(i) }
    self.alphabet = alphabet
    self.sequenceLength = sequenceLength
    tokens = (train + held).map { index[$0]! }
    trainingCount = train.count
  }

  /// A task over the UTF-8 text file at `path`.
  ///
  /// - Throws: ``TaskError`` when the file is missing or unreadable, empty, not UTF-8, or too
  ///   short.
  public init(contentsOf path: String, sequenceLength: Int = 32, heldOutFraction: Double = 0.1)
    throws
  {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: path)
        ? "\((error as NSError).localizedDescription)" : "no such file"
      throw TaskError.unreadableFile(path: path, reason: reason)
    }
    guard !data.isEmpty else { throw TaskError.emptyFile(path: path) }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw TaskError.notUTF8(path: path)
    }
    try self.init(text: text, sequenceLength: sequenceLength, heldOutFraction: heldOutFraction)
  }

  /// The longest `sequenceLength` the ``embeddedCorpus`` supports: its training and held-out
  /// parts each need a window of `T + 1` characters.
  public static let maximumEmbeddedSequenceLength: Int = {
    let count = embeddedCorpus.unicodeScalars.count
    // The held-out part is max(T + 1, round(0.1·n)); the training part must also hold T + 1.
    var t = count / 2 - 1
    while t > 1 && count - max(t + 1, Int((Double(count) * 0.1).rounded())) < t + 1 { t -= 1 }
    return t
  }()

  /// A task over ``embeddedCorpus`` (runs without any file).
  ///
  /// - Precondition: `1 ≤ sequenceLength ≤ maximumEmbeddedSequenceLength` (the registry checks
  ///   this first and reports a bad value as a `SpecError`).
  public init(sequenceLength: Int = 32) {
    precondition(
      (1...Self.maximumEmbeddedSequenceLength).contains(sequenceLength),
      "CharacterLanguageTask: sequenceLength must be in 1…\(Self.maximumEmbeddedSequenceLength) for the embedded corpus, got \(sequenceLength)"
    )
    do {
      try self.init(text: Self.embeddedCorpus, sequenceLength: sequenceLength)
    } catch {
      preconditionFailure("CharacterLanguageTask: \(error)")
    }
  }

  public func batch(rows: Int, step: Int, seed: UInt64) -> TokenBatch {
    var generator = TaskRandom.generator(seed: seed, step: step, stream: TaskRandom.training)
    return windows(rows: rows, in: 0..<trainingCount, using: &generator)
  }

  public func evaluationBatch(rows: Int, seed: UInt64) -> TokenBatch {
    var generator = TaskRandom.generator(seed: seed, step: 0, stream: TaskRandom.evaluation)
    return windows(rows: rows, in: trainingCount..<tokens.count, using: &generator)
  }

  /// The text of `tokens` (for samples and tests).
  public func decode<S: Sequence>(_ tokens: S) -> String where S.Element == Int32 {
    var text = String.UnicodeScalarView()
    for t in tokens { text.append(alphabet[Int(t)]) }
    return String(text)
  }

  private func windows(
    rows: Int, in range: Range<Int>, using generator: inout SeededGenerator
  ) -> TokenBatch {
    let width = sequenceLength + 1
    let starts = range.count - width + 1
    var out = [Int32]()
    out.reserveCapacity(rows * width)
    for _ in 0..<rows {
      let start = range.lowerBound + generator.nextIndex(below: starts)
      out += tokens[start..<(start + width)]
    }
    return TokenBatch(rows: rows, sequenceLength: sequenceLength, tokens: out)
  }
}
