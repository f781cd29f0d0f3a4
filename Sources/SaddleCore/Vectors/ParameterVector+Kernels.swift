import Dispatch
import Synchronization

/// Vectorized kernels over ``ParameterVector``.
///
/// Reductions accumulate in `Double` over fixed blocks of ``Kernels/reductionBlock`` elements
/// summed in order, so a result never depends on the number of threads.
public enum Kernels {
  /// Elements per reduction block; partial sums are combined in block order.
  public static let reductionBlock = 1 << 14
  /// Below this many elements a pass runs on one thread.
  public static let parallelThreshold = 1 << 17

  /// The number of threads passes may use (1 or 2 on this kind of machine). Results do not
  /// depend on it. Read at each pass; stored atomically, so setting it while other threads
  /// run is safe (passes already running keep the count they started with).
  @inlinable
  public static var threadCount: Int {
    get { threadCountStorage.load(ordering: .relaxed) }
    set { threadCountStorage.store(Swift.max(1, newValue), ordering: .relaxed) }
  }

  @usableFromInline static let threadCountStorage = Atomic<Int>(2)

  /// Elements per chunk of a parallel pass: threads take chunks from a shared counter, so a
  /// thread that the OS deschedules (on a loaded machine) delays the pass by at most one
  /// chunk instead of half the pass. A multiple of 16, so chunk boundaries are 64-byte
  /// apart and lane loops stay aligned.
  public static let parallelChunk = 1 << 16

  /// Runs `body(range)` over `0..<count`, on up to ``threadCount`` threads. Each element is
  /// visited exactly once; ranges are contiguous chunks of ``parallelChunk`` elements (the
  /// whole range on one thread), taken dynamically by the threads.
  @inlinable
  public static func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
    let chunks = (count + parallelChunk - 1) / parallelChunk
    let threads = Swift.min(threadCount, chunks)
    if threads <= 1 || count < parallelThreshold {
      body(0..<count)
      return
    }
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
      let box = UnsafeSendable(body)
      DispatchQueue.concurrentPerform(iterations: threads) { _ in
        while true {
          let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
          if c >= chunks { break }
          let lo = c * parallelChunk
          box.value(lo..<Swift.min(count, lo + parallelChunk))
        }
      }
    }
  }

  /// Runs `body` over `0..<count` like ``parallelFor(_:_:)`` and returns the smallest index
  /// any call reported (a call returns −1 when it has none), or −1: the same for every
  /// thread count and chunking.
  @inlinable
  public static func parallelFirstIndex(_ count: Int, _ body: (Range<Int>) -> Int) -> Int {
    parallelFirstIndex(count, threads: threadCount) { range, _ in body(range) }
  }

  /// ``parallelFirstIndex(_:_:)`` on at most `threads` threads; `body` also receives the
  /// index of the worker running it (`0..<threads`), for per-worker scratch memory.
  @inlinable
  public static func parallelFirstIndex(
    _ count: Int, threads: Int, _ body: (Range<Int>, _ worker: Int) -> Int
  ) -> Int {
    let chunks = (count + parallelChunk - 1) / parallelChunk
    let threads = Swift.min(threads, chunks)
    if threads <= 1 || count < parallelThreshold { return body(0..<count, 0) }
    let next = Atomic<Int>(0)
    let found = Atomic<Int>(Int.max)
    withoutActuallyEscaping(body) { body in
      let box = UnsafeSendable(body)
      DispatchQueue.concurrentPerform(iterations: threads) { worker in
        while true {
          let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
          if c >= chunks { break }
          let lo = c * parallelChunk
          let bad = box.value(lo..<Swift.min(count, lo + parallelChunk), worker)
          if bad >= 0 { found.min(bad, ordering: .relaxed) }
        }
      }
    }
    let first = found.load(ordering: .relaxed)
    return first == Int.max ? -1 : first
  }

  /// Sum over fixed blocks of `partial(range)`, added in block order (deterministic).
  @inlinable
  public static func blockedSum(_ count: Int, _ partial: (Range<Int>) -> Double) -> Double {
    let blocks = (count + reductionBlock - 1) / reductionBlock
    if blocks <= 1 { return partial(0..<count) }
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: blocks) { sums in
      let threads = count >= parallelThreshold ? Swift.min(threadCount, blocks) : 1
      let sumsBox = UnsafeSendable(sums)
      withoutActuallyEscaping(partial) { partial in
        let work = UnsafeSendable { (t: Int) in
          for b in stride(from: t, to: blocks, by: threads) {
            let lo = b * reductionBlock
            sumsBox.value[b] = partial(lo..<Swift.min(count, lo + reductionBlock))
          }
        }
        if threads == 1 {
          work.value(0)
        } else {
          DispatchQueue.concurrentPerform(iterations: threads) { work.value($0) }
        }
      }
      var total = 0.0
      for s in sums { total += s }
      return total
    }
  }

  /// `Σ x[i]·y[i]` over `range`, accumulated in Double.
  @inlinable
  public static func dot(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ range: Range<Int>
  ) -> Double {
    var acc = SIMD8<Double>()
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
      let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
      acc += SIMD8<Double>(a) * SIMD8<Double>(b)
      i += 8
    }
    var total = acc.sum()
    while i < range.upperBound {
      total += Double(x[i]) * Double(y[i])
      i += 1
    }
    return total
  }
}

/// Wraps a non-Sendable value to cross into `concurrentPerform`, whose iterations touch
/// disjoint data by construction.
@usableFromInline
struct UnsafeSendable<T>: @unchecked Sendable {
  @usableFromInline let value: T
  @inlinable init(_ value: T) { self.value = value }
}

extension ParameterVector {
  /// `Σ self[i]·other[i]`, accumulated in Double (deterministic for any thread count).
  @inlinable
  public func dot(_ other: ParameterVector) -> Double {
    precondition(count == other.count, "dot: counts differ (\(count) vs \(other.count))")
    let x = unsafeBaseAddress
    let y = other.unsafeBaseAddress
    return withExtendedLifetime((self, other)) {
      Kernels.blockedSum(count) { Kernels.dot(x, y, $0) }
    }
  }

  /// `Σ self[i]·other[i]` over the flat index range `range`.
  @inlinable
  public func dot(_ other: ParameterVector, in range: Range<Int>) -> Double {
    precondition(count == other.count, "dot: counts differ (\(count) vs \(other.count))")
    return withExtendedLifetime((self, other)) {
      Kernels.dot(unsafeBaseAddress, other.unsafeBaseAddress, range)
    }
  }

  /// The Euclidean norm `‖self‖₂`, accumulated in Double.
  @inlinable
  public var norm: Double { dot(self).squareRoot() }

  /// `‖self‖²` over the flat index range `range`.
  @inlinable
  public func squaredNorm(in range: Range<Int>) -> Double { dot(self, in: range) }

  /// The largest absolute value (0 for an empty vector; NaN if any element is NaN).
  public var maxMagnitude: Float {
    var m: Float = 0
    for x in self {
      if x.isNaN { return .nan }
      m = Swift.max(m, abs(x))
    }
    return m
  }

  /// Whether every element is finite.
  @inlinable
  public var isFinite: Bool {
    let p = unsafeBaseAddress
    return withExtendedLifetime(self) {
      // x − x is 0 for finite x and NaN for ±∞ and NaN, so one sum decides.
      var acc = SIMD8<Float>()
      var i = 0
      while i + 8 <= count {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
        acc += v - v
        i += 8
      }
      var tail: Float = 0
      while i < count {
        tail += p[i] - p[i]
        i += 1
      }
      return acc.sum() == 0 && tail == 0
    }
  }

  /// `self ← self + alpha·x`.
  @inlinable
  public mutating func add(_ x: ParameterVector, scaledBy alpha: Float = 1) {
    precondition(count == x.count, "add: counts differ (\(count) vs \(x.count))")
    let y = unsafeMutableBaseAddress()
    let xs = x.unsafeBaseAddress
    withExtendedLifetime(x) {
      Kernels.parallelFor(count) { range in
        let a = SIMD8<Float>(repeating: alpha)
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
          let xv = UnsafeRawPointer(xs + i).loadUnaligned(as: SIMD8<Float>.self)
          let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
          UnsafeMutableRawPointer(y + i).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
          i += 8
        }
        while i < range.upperBound {
          y[i] += alpha * xs[i]
          i += 1
        }
      }
    }
  }

  /// `self[range] ← self[range] + alpha·x[range]`.
  @inlinable
  public mutating func add(_ x: ParameterVector, scaledBy alpha: Float, in range: Range<Int>) {
    precondition(count == x.count, "add: counts differ (\(count) vs \(x.count))")
    let y = unsafeMutableBaseAddress()
    withExtendedLifetime(x) {
      let xs = x.unsafeBaseAddress
      for i in range { y[i] += alpha * xs[i] }
    }
  }

  /// `self ← alpha·self`.
  @inlinable
  public mutating func scale(by alpha: Float) {
    let y = unsafeMutableBaseAddress()
    Kernels.parallelFor(count) { range in
      var i = range.lowerBound
      let a = SIMD8<Float>(repeating: alpha)
      while i + 8 <= range.upperBound {
        let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: a * v, as: SIMD8<Float>.self)
        i += 8
      }
      while i < range.upperBound {
        y[i] *= alpha
        i += 1
      }
    }
  }

  /// Sets every element to `value`.
  @inlinable
  public mutating func fill(with value: Float) {
    let y = unsafeMutableBaseAddress()
    y.update(repeating: value, count: count)
  }

  /// Copies `source` into this vector's existing storage (no allocation when unique).
  @inlinable
  public mutating func assign(_ source: ParameterVector) {
    precondition(count == source.count, "assign: counts differ (\(count) vs \(source.count))")
    if storage === source.storage { return }
    let y = unsafeMutableBaseAddress()
    withExtendedLifetime(source) { y.update(from: source.unsafeBaseAddress, count: count) }
  }

  /// `self ← a + alpha·b`, reusing this vector's storage.
  @inlinable
  public mutating func assign(_ a: ParameterVector, plus alpha: Float, times b: ParameterVector) {
    precondition(count == a.count && count == b.count, "assign: counts differ")
    let y = unsafeMutableBaseAddress()
    let ap = a.unsafeBaseAddress
    let bp = b.unsafeBaseAddress
    withExtendedLifetime((a, b)) {
      Kernels.parallelFor(count) { range in
        for i in range { y[i] = ap[i] + alpha * bp[i] }
      }
    }
  }

  /// Applies `transform` to every element in place.
  @inlinable
  public mutating func mapInPlace(_ transform: (Float) -> Float) {
    let y = unsafeMutableBaseAddress()
    for i in 0..<count { y[i] = transform(y[i]) }
  }

  /// Scales the vector to unit norm; returns the norm before scaling. A zero (or non-finite)
  /// vector is left unchanged and its norm returned, so callers decide what to do.
  @discardableResult
  @inlinable
  public mutating func normalize() -> Double {
    let n = norm
    if n > 0 && n.isFinite { scale(by: Float(1 / n)) }
    return n
  }
}
