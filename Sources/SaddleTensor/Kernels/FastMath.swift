/// Polynomial approximations of `exp`, `log`, `tanh` and GELU in single precision, on scalars and
/// on `SIMD16<Float>` lanes.
///
/// glibc's `tanhf` costs ~18 ns per element; these cost about 1 ns or less and stay within a few
/// float32 ulps (the tests bound the error against Foundation over wide ranges).
/// Coefficients are Cephes' `expf`/`logf` minimax polynomials (S. L. Moshier, Cephes Math
/// Library, 1984–1992).
public enum FastMath {
  @usableFromInline static let log2e: Float = 1.442_695_04
  @usableFromInline static let ln2High: Float = 0.693_359_375
  @usableFromInline static let ln2Low: Float = -2.121_944_4e-4
  /// 1.5·2²³: adding it rounds to an integer held in the low mantissa bits.
  @usableFromInline static let roundingMagic: Float = 12_582_912
  /// √(2/π), the GELU tanh-approximation scale.
  public static let geluScale: Float = 0.797_884_56
  /// The cubic coefficient of the GELU tanh approximation.
  public static let geluCubic: Float = 0.044_715

  /// `eˣ` on 16 lanes: `x = n·ln 2 + r`, `|r| ≤ ln2/2`, `eʳ` by a degree-7 polynomial and `2ⁿ`
  /// by exponent bits. Inputs are clamped to `[-87.3, 88.7]` (no infinities, no denormals).
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = x.clamped(
      lowerBound: SIMD16(repeating: -87.3), upperBound: SIMD16(repeating: 88.7))
    let shifted = clamped * log2e + roundingMagic
    let n = shifted - roundingMagic
    let r = clamped - n * ln2High - n * ln2Low
    var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_1e-1
    p = p * (r * r) + r + 1
    let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
    return p * scale
  }

  /// `eˣ` on one value (same polynomial as the 16-lane version).
  @inlinable @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.3), 88.7)
    let n = (clamped * log2e).rounded(.toNearestOrEven)
    let r = clamped - n * ln2High - n * ln2Low
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_1e-1
    p = p * (r * r) + r + 1
    return p * Float(sign: .plus, exponent: Int(n), significand: 1)
  }

  /// `ln x` for positive normal `x`: `x = m·2ᵉ` with `m ∈ [√½, √2)`, `ln(m)` by Cephes' degree-9
  /// polynomial in `m − 1`.
  @inlinable @inline(__always)
  public static func log(_ x: Float) -> Float {
    var e = Float(x.exponent)
    var m = x.significand * 0.5  // in [0.5, 1)
    e += 1
    if m < 0.707_106_78 {
      e -= 1
      m = m + m - 1
    } else {
      m -= 1
    }
    let z = m * m
    var y: Float = 7.037_683_6e-2
    y = y * m - 1.151_461_03e-1
    y = y * m + 1.167_699_87e-1
    y = y * m - 1.242_014_08e-1
    y = y * m + 1.424_932_28e-1
    y = y * m - 1.666_805_77e-1
    y = y * m + 2.000_071_48e-1
    y = y * m - 2.499_999_4e-1
    y = y * m + 3.333_333_1e-1
    y = y * m * z
    y += ln2Low * e
    y -= 0.5 * z
    return m + y + ln2High * e
  }

  /// `ln x` on 16 lanes (lane-wise `log(_:)`).
  @inlinable @inline(__always)
  public static func log(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var out = SIMD16<Float>()
    for i in 0..<16 { out[i] = log(x[i]) }
    return out
  }

  /// `tanh x = sign(x)·(1 − t)/(1 + t)` with `t = e^(−2|x|)` from `exp(_:)`;
  /// absolute error below 3·10⁻⁷.
  @inlinable @inline(__always)
  public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
    let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self)
    let t = exp(-2 * magnitude)
    let r = (1 - t) / (1 + t)
    let signBits = bits & 0x8000_0000
    return unsafeBitCast(
      unsafeBitCast(r, to: SIMD16<UInt32>.self) | signBits, to: SIMD16<Float>.self)
  }

  /// `tanh x` on one value (same formula as the 16-lane version).
  @inlinable @inline(__always)
  public static func tanh(_ x: Float) -> Float {
    let t = exp(-2 * Swift.abs(x))
    let r = (1 - t) / (1 + t)
    return x < 0 ? -r : r
  }

  /// GELU, tanh approximation: `gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`
  /// (Hendrycks & Gimpel 2016; `jax.nn.gelu(approximate=True)`).
  @inlinable @inline(__always)
  public static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let u = geluScale * (x + geluCubic * x * x * x)
    return 0.5 * x * (1 + tanh(u))
  }

  /// GELU (tanh approximation) and its derivative
  /// `½(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)`, `t = tanh(u)`.
  @inlinable @inline(__always)
  public static func geluWithDerivative(
    _ x: SIMD16<Float>
  ) -> (value: SIMD16<Float>, derivative: SIMD16<Float>) {
    let x2 = x * x
    let u = geluScale * (x + geluCubic * x2 * x)
    let t = tanh(u)
    let value = 0.5 * x * (1 + t)
    let du = geluScale * (1 + 3 * geluCubic * x2)
    let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    return (value, derivative)
  }
}
