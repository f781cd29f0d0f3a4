/// A batch of token sequences for a language model: `rows × (sequenceLength + 1)` tokens,
/// where row `r` predicts `tokens[r, t + 1]` from `tokens[r, 0...t]` for `t < sequenceLength`.
///
/// `scored[r·T + t]` says whether target `t` of row `r` counts in the loss (e.g. only the
/// predictable second half of an induction sequence); `nil` scores every target.
public struct TokenBatch: Sendable, Equatable {
  /// The number of sequences `B`.
  public var rows: Int
  /// The number of predicted positions per row `T`.
  public var sequenceLength: Int
  /// `B × (T + 1)` token indices, row-major.
  public var tokens: [Int32]
  /// `B × T` flags for the scored targets, or `nil` when all are scored.
  public var scored: [Bool]?

  /// A batch from its tokens and optional target mask.
  public init(rows: Int, sequenceLength: Int, tokens: [Int32], scored: [Bool]? = nil) {
    precondition(tokens.count == rows * (sequenceLength + 1), "TokenBatch: wrong token count")
    precondition(
      scored.map { $0.count == rows * sequenceLength } ?? true, "TokenBatch: wrong mask size")
    self.rows = rows
    self.sequenceLength = sequenceLength
    self.tokens = tokens
    self.scored = scored
  }

  /// The target of position `position` in row `row`: `tokens[row, position + 1]`.
  public func target(row: Int, position: Int) -> Int32 {
    tokens[row * (sequenceLength + 1) + position + 1]
  }

  /// Whether target `position` of row `row` is scored.
  public func isScored(row: Int, position: Int) -> Bool {
    scored?[row * sequenceLength + position] ?? true
  }

  /// The number of scored targets.
  public var scoredCount: Int {
    scored.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } ?? rows * sequenceLength
  }
}
