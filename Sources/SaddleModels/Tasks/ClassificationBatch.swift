/// Labeled examples for a classifier: `count` inputs of `inputWidth` features (row-major) and
/// their class indices.
public struct ClassificationBatch: Sendable, Equatable {
  /// The number of examples.
  public var count: Int
  /// Features per example.
  public var inputWidth: Int
  /// `count × inputWidth` features, row-major.
  public var inputs: [Float]
  /// `count` class indices.
  public var labels: [Int32]
  /// The training step the batch was drawn for (`Model.batch(step:seed:)` sets it; 0 for
  /// held-out data and batches built by hand). Losses that change over training, such as
  /// deferred re-weighting (``ClassificationLoss/reweightFromStep``), read it.
  public var step: Int

  /// A batch from its features and labels.
  public init(inputWidth: Int, inputs: [Float], labels: [Int32], step: Int = 0) {
    precondition(inputs.count == labels.count * inputWidth, "ClassificationBatch: wrong sizes")
    count = labels.count
    self.inputWidth = inputWidth
    self.inputs = inputs
    self.labels = labels
    self.step = step
  }
}
