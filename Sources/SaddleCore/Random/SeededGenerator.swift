/// A small, fast, seedable random number generator (xoshiro256**, Blackman & Vigna 2018)
/// whose whole state is `Codable`, so a checkpoint resumes the same random stream.
public struct SeededGenerator: RandomNumberGenerator, Codable, Hashable, Sendable {
  /// The 256-bit state.
  public private(set) var state: [UInt64]

  /// A generator seeded from `seed` through SplitMix64, as the xoshiro authors recommend.
  public init(seed: UInt64) {
    var s = seed
    var words: [UInt64] = []
    for _ in 0..<4 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      words.append(z ^ (z >> 31))
    }
    state = words
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotate(state[1] &* 5, 7) &* 9
    let t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotate(state[3], 45)
    return result
  }

  private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform `Float` in [0, 1) with 24 random bits.
  public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// A uniform `Double` in [0, 1) with 53 random bits.
  public mutating func nextUniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A standard normal sample (Box–Muller, Double internally).
  public mutating func nextGaussian() -> Double {
    var u = nextUniformDouble()
    while u <= 0 { u = nextUniformDouble() }
    let v = nextUniformDouble()
    return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
  }

  /// A generator for an independent stream, derived deterministically from this one's seed
  /// material and `stream` (does not advance this generator).
  public func derived(stream: UInt64) -> SeededGenerator {
    SeededGenerator(seed: state[0] ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ state[3])
  }
}

extension ParameterVector {
  /// Fills the vector with independent standard normal samples.
  public mutating func fillGaussian(using generator: inout SeededGenerator, scale: Float = 1) {
    let y = unsafeMutableBaseAddress()
    for i in 0..<count { y[i] = Float(generator.nextGaussian()) * scale }
  }
}
