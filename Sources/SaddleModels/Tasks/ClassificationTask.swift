/// A source of labeled examples for a classifier, deterministic in `(step, seed)`.
public protocol ClassificationTask: Sendable {
  /// Features per example.
  var inputWidth: Int { get }
  /// The number of classes.
  var classCount: Int { get }
  /// The training batch of `size` examples for `step` (deterministic in `(step, seed)`).
  func batch(size: Int, step: Int, seed: UInt64) -> ClassificationBatch
  /// The held-out evaluation set (never a training batch), deterministic in `seed`.
  func evaluationBatch(seed: UInt64) -> ClassificationBatch
}
