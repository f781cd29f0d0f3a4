/// A deterministic standard-normal sampler: SplitMix64 (Steele, Lea & Flood 2014) feeding the
/// Box–Muller transform. The same seed gives the same numbers on every platform.
struct NormalSampler {
  private var state: UInt64
  private var spare: Double?

  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

  mutating func nextUInt64() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in (0, 1].
  mutating func nextUniform() -> Double {
    (Double(nextUInt64() >> 11) + 1) * 0x1.0p-53
  }

  mutating func next() -> Double {
    if let s = spare {
      spare = nil
      return s
    }
    let (u1, u2) = (nextUniform(), nextUniform())
    let r = (-2 * _log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spare = r * _sin(angle)
    return r * _cos(angle)
  }
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
  @inline(__always) private func _sin(_ x: Double) -> Double { Glibc.sin(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
  import Darwin
  @inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
  @inline(__always) private func _sin(_ x: Double) -> Double { Darwin.sin(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
