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

  /// A batch from its features and labels.
  public init(inputWidth: Int, inputs: [Float], labels: [Int32]) {
    precondition(inputs.count == labels.count * inputWidth, "ClassificationBatch: wrong sizes")
    count = labels.count
    self.inputWidth = inputWidth
    self.inputs = inputs
    self.labels = labels
  }
}
