/// Describes how a flat ``ParameterVector`` splits into named tensors (segments).
///
/// Segments are contiguous and in order; "per-tensor" behaviour (a dimer direction per weight
/// matrix, masking a stage to some tensors) is a loop over segments.
public struct ParameterLayout: Hashable, Codable, Sendable {
  /// One named, contiguous range of the flat parameter buffer.
  public struct Segment: Hashable, Codable, Sendable {
    /// The tensor's name, e.g. `"layer0.attention.query"`.
    public var name: String
    /// The tensor's shape; its product is `count`.
    public var shape: [Int]
    /// Index of the first element in the flat buffer.
    public var offset: Int
    /// Number of elements.
    public var count: Int
    /// The segment's elements as a range of flat indices.
    public var range: Range<Int> { offset..<(offset + count) }
  }

  /// The segments, in buffer order.
  public private(set) var segments: [Segment]
  /// Total number of parameters.
  public private(set) var count: Int

  /// A layout from named shapes, laid out one after another.
  public init(_ tensors: [(name: String, shape: [Int])]) {
    var offset = 0
    segments = tensors.map { tensor in
      let n = tensor.shape.reduce(1, *)
      precondition(n >= 0, "segment \(tensor.name) has a negative size")
      defer { offset += n }
      return Segment(name: tensor.name, shape: tensor.shape, offset: offset, count: n)
    }
    count = offset
  }

  /// A layout of one segment of `count` parameters.
  public init(count: Int, name: String = "x") {
    self.init([(name: name, shape: [count])])
  }

  /// The segment named `name`, if any.
  public func segment(named name: String) -> Segment? { segments.first { $0.name == name } }

  /// The index of the segment that holds flat index `index`.
  public func segmentIndex(containing index: Int) -> Int? {
    segments.firstIndex { $0.range.contains(index) }
  }
}
