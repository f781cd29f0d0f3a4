/// Unaligned 16-lane loads and stores plus chunked loops with partial tails.
@usableFromInline
enum Vector {
  @inlinable @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
  }

  @inlinable @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
  }

  @inlinable @inline(__always)
  static func load(_ p: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for i in 0..<count { v[i] = p[i] }
    return v
  }

  @inlinable @inline(__always)
  static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { p[i] = v[i] }
  }

  /// `out[i] = f(in[i])` over `count` elements (in and out may alias).
  @inlinable @inline(__always)
  static func map(
    _ count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
    _ f: (SIMD16<Float>) -> SIMD16<Float>
  ) {
    var i = 0
    while i + 16 <= count {
      store(f(load(input + i)), output + i)
      i += 16
    }
    if i < count { store(f(load(input + i, count: count - i)), output + i, count: count - i) }
  }

  /// `out[i] = f(a[i], b[i])` over `count` elements, or `out[i] += f(a[i], b[i])` if `accumulate`.
  @inlinable @inline(__always)
  static func zip(
    _ count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ output: UnsafeMutablePointer<Float>, accumulate: Bool,
    _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>
  ) {
    var i = 0
    if accumulate {
      while i + 16 <= count {
        store(load(output + i) + f(load(a + i), load(b + i)), output + i)
        i += 16
      }
      if i < count {
        let n = count - i
        let v = load(output + i, count: n) + f(load(a + i, count: n), load(b + i, count: n))
        store(v, output + i, count: n)
      }
    } else {
      while i + 16 <= count {
        store(f(load(a + i), load(b + i)), output + i)
        i += 16
      }
      if i < count {
        let n = count - i
        store(f(load(a + i, count: n), load(b + i, count: n)), output + i, count: n)
      }
    }
  }

  /// `out = a` or `out += a`.
  @inlinable @inline(__always)
  static func copy(
    _ count: Int, _ a: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    if accumulate {
      zip(count, a, UnsafePointer(output), output, accumulate: false) { $0 + $1 }
    } else {
      output.update(from: a, count: count)
    }
  }

  /// `Σ a[i]` accumulated in Double lanes of 16-float chunks.
  @inlinable
  static func sum(_ count: Int, _ a: UnsafePointer<Float>) -> Double {
    var total = 0.0
    var i = 0
    while i + 16 <= count {
      total += Double(load(a + i).sum())
      i += 16
    }
    while i < count {
      total += Double(a[i])
      i += 1
    }
    return total
  }
}
