/// The shape of a tensor: up to four dimensions stored inline (no heap allocation), row-major.
public struct TensorShape: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// Number of dimensions (0 for a scalar).
  public let rank: Int
  @usableFromInline var dimensions: SIMD4<Int>

  /// A scalar (rank 0, one element).
  public static let scalar = TensorShape(rank: 0, dimensions: .zero)

  @usableFromInline
  init(rank: Int, dimensions: SIMD4<Int>) {
    self.rank = rank
    self.dimensions = dimensions
  }

  /// A vector of `a` elements.
  public init(_ a: Int) { self.init(rank: 1, dimensions: SIMD4(a, 0, 0, 0)) }
  /// An `a×b` matrix.
  public init(_ a: Int, _ b: Int) { self.init(rank: 2, dimensions: SIMD4(a, b, 0, 0)) }
  /// An `a×b×c` tensor.
  public init(_ a: Int, _ b: Int, _ c: Int) { self.init(rank: 3, dimensions: SIMD4(a, b, c, 0)) }
  /// An `a×b×c×d` tensor.
  public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
    self.init(rank: 4, dimensions: SIMD4(a, b, c, d))
  }

  /// A shape from an array of at most four dimensions.
  public init(_ dimensions: [Int]) {
    precondition(dimensions.count <= 4, "TensorShape holds at most 4 dimensions")
    var d = SIMD4<Int>.zero
    for (i, n) in dimensions.enumerated() { d[i] = n }
    self.init(rank: dimensions.count, dimensions: d)
  }

  /// The size of dimension `i`.
  @inlinable public subscript(_ i: Int) -> Int { dimensions[i] }

  /// The number of elements (the product of the dimensions; 1 for a scalar).
  @inlinable public var count: Int {
    var n = 1
    for i in 0..<rank { n *= dimensions[i] }
    return n
  }

  /// The last dimension (1 for a scalar).
  @inlinable public var last: Int { rank == 0 ? 1 : dimensions[rank - 1] }

  /// The product of all but the last dimension (the number of rows of the matrix view).
  @inlinable public var rows: Int { count / Swift.max(last, 1) }

  /// The dimensions as an array.
  public var array: [Int] { (0..<rank).map { dimensions[$0] } }

  /// `[a, b, c]`.
  public var description: String { "\(array)" }
}
