/// A source of token sequences for a language model, deterministic in `(step, seed)`.
public protocol SequenceTask: Sendable {
  /// The number of token classes.
  var vocabularySize: Int { get }
  /// The number of predicted positions per sequence `T` (rows hold `T + 1` tokens).
  var sequenceLength: Int { get }
  /// The training batch of `rows` sequences for `step` (deterministic in `(step, seed)`).
  func batch(rows: Int, step: Int, seed: UInt64) -> TokenBatch
  /// Held-out sequences (never a training batch), deterministic in `seed`.
  func evaluationBatch(rows: Int, seed: UInt64) -> TokenBatch
}
