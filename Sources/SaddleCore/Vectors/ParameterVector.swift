import Foundation

/// A contiguous, 64-byte-aligned buffer of `Float` parameters with value semantics.
///
/// Every estimator, rule and checkpoint in SaddleKit works on one flat `ParameterVector`
/// (described by a ``ParameterLayout``), so an update rule is one fused loop over memory.
/// Copies share storage until one of them is mutated (copy-on-write).
public struct ParameterVector: Sendable {
  @usableFromInline
  final class Storage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @inlinable
    init(count: Int) {
      self.count = count
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
      base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
  }

  @usableFromInline var storage: Storage

  /// A vector of `count` elements, each equal to `value`.
  @inlinable
  public init(count: Int, repeating value: Float = 0) {
    precondition(count >= 0, "ParameterVector count must be non-negative, got \(count)")
    storage = Storage(count: count)
    storage.base.initialize(repeating: value, count: count)
  }

  /// A vector holding the elements of `elements`, in order.
  @inlinable
  public init<S: Sequence>(_ elements: S) where S.Element == Float {
    let array = Array(elements)
    storage = Storage(count: array.count)
    array.withUnsafeBufferPointer { source in
      if let address = source.baseAddress {
        storage.base.initialize(from: address, count: array.count)
      }
    }
  }

  /// A vector of `count` elements, each produced by `body(index)`.
  @inlinable
  public init(count: Int, _ body: (Int) throws -> Float) rethrows {
    storage = Storage(count: count)
    for i in 0..<count { (storage.base + i).initialize(to: try body(i)) }
  }

  /// The number of parameters.
  @inlinable public var count: Int { storage.count }

  /// Makes the storage unique before a mutation (copy-on-write).
  @inlinable
  mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) {
      let copy = Storage(count: storage.count)
      copy.base.initialize(from: storage.base, count: storage.count)
      storage = copy
    }
  }

  /// Calls `body` with a read-only view of the elements.
  @inlinable
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
  }

  /// Calls `body` with a mutable view of the elements, copying the storage first if it is shared.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    makeUnique()
    return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
  }

  /// The address of the first element after making the storage unique.
  ///
  /// For fused kernels that hold several buffers at once. The pointer stays valid while this
  /// vector is alive and is not copied and then mutated; do not keep it beyond the current step.
  @inlinable
  public mutating func unsafeMutableBaseAddress() -> UnsafeMutablePointer<Float> {
    makeUnique()
    return storage.base
  }

  /// The address of the first element, read-only. Valid while this vector is alive and unmutated.
  @inlinable
  public var unsafeBaseAddress: UnsafePointer<Float> { UnsafePointer(storage.base) }

  /// The elements as an array (allocates; for tests, traces and reports).
  public var array: [Float] { withUnsafeBufferPointer { Array($0) } }

  /// Whether two vectors are equal bit for bit (so `NaN` equals the same `NaN`).
  public func isBitwiseEqual(to other: ParameterVector) -> Bool {
    guard count == other.count else { return false }
    for i in 0..<count where self[i].bitPattern != other[i].bitPattern { return false }
    return true
  }
}

extension ParameterVector: RandomAccessCollection, MutableCollection {
  public typealias Index = Int
  @inlinable public var startIndex: Int { 0 }
  @inlinable public var endIndex: Int { storage.count }

  /// The element at `index`.
  @inlinable
  public subscript(index: Int) -> Float {
    get {
      precondition(index >= 0 && index < storage.count, "index \(index) out of range 0..<\(count)")
      return storage.base[index]
    }
    set {
      precondition(index >= 0 && index < storage.count, "index \(index) out of range 0..<\(count)")
      makeUnique()
      storage.base[index] = newValue
    }
  }
}

extension ParameterVector: Equatable {
  /// Elementwise `==` on the values (so `NaN != NaN`, `0 == -0`).
  public static func == (lhs: ParameterVector, rhs: ParameterVector) -> Bool {
    guard lhs.count == rhs.count else { return false }
    if lhs.storage === rhs.storage { return true }
    for i in 0..<lhs.count where lhs[i] != rhs[i] { return false }
    return true
  }
}

extension ParameterVector: ExpressibleByArrayLiteral {
  /// A vector with the literal's elements.
  public init(arrayLiteral elements: Float...) { self.init(elements) }
}

extension ParameterVector: CustomStringConvertible {
  public var description: String {
    let shown = prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "ParameterVector(\(count): [\(shown)\(count > 8 ? ", …" : "")])"
  }
}

extension ParameterVector: Codable {
  /// Encoded as a Base64 string of the little-endian IEEE-754 bytes, so every value — NaN
  /// payloads and signed zeros included — round-trips bit for bit through any encoder.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "parameter vector is not Base64 of 4-byte floats")
    }
    self.init(count: data.count / 4)
    let y = unsafeMutableBaseAddress()
    data.withUnsafeBytes { raw in
      for i in 0..<(data.count / 4) {
        y[i] = Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var data = Data(count: count * 4)
    data.withUnsafeMutableBytes { raw in
      for i in 0..<count {
        raw.storeBytes(of: self[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
      }
    }
    var container = encoder.singleValueContainer()
    try container.encode(data.base64EncodedString())
  }
}
