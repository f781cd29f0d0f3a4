import Foundation
import SaddleCore

/// The Rastrigin function `f(x) = A·n + Σᵢ (xᵢ² − A cos 2πxᵢ)` (Rastrigin 1974; `A = 10` in
/// `reference/test-problems.md`).
///
/// The global minimum is `0` with `f = 0` and Hessian `(2 + 4π²A)·I`. `f` is separable, so its
/// critical points are products of the critical points of `φ(s) = s² − A cos 2πs`; they have no
/// closed form. One index-1 saddle is listed: `(s*, 0, …, 0)`, where `s* ≈ 0.5` is the local
/// maximum of `φ` found by Newton's method on `φ′(s) = 2s + 2πA sin 2πs` to machine precision
/// (a numerical root, not a closed form: it is the ``defaultStart``, tested like the others).
public struct Rastrigin: ClosedFormProblem {
  /// `"rastrigin"`.
  public static let name = "rastrigin"

  /// The number of coordinates `n`.
  public let dimension: Int
  /// The amplitude `A` of the cosine ripples.
  public let amplitude: Double
  /// The local maximum `s*` of `φ(s) = s² − A cos 2πs` next to `s = 1/2`.
  public let ridge: Double

  /// `f(x) = A·n + Σ (xᵢ² − A cos 2πxᵢ)` in `dimension` coordinates; `amplitude > 1/(2π²)`
  /// so that `φ` has a local maximum near `1/2`.
  public init(dimension: Int = 10, amplitude: Double = 10) {
    precondition(dimension >= 1, "Rastrigin needs dimension ≥ 1")
    precondition(amplitude > 1 / (2 * Double.pi * Double.pi), "Rastrigin needs A > 1/(2π²)")
    self.dimension = dimension
    self.amplitude = amplitude
    var s = 0.5
    for _ in 0..<50 {
      let step = Self.slope(s, amplitude) / Self.curvature(s, amplitude)
      s -= step
      if abs(step) < 1e-17 { break }
    }
    ridge = s
  }

  static func slope(_ s: Double, _ a: Double) -> Double { 2 * s + 2 * .pi * a * sin(2 * .pi * s) }
  static func curvature(_ s: Double, _ a: Double) -> Double {
    2 + 4 * .pi * .pi * a * cos(2 * .pi * s)
  }

  /// `A·n + Σ (xᵢ² − A cos 2πxᵢ)`.
  public func value(at p: [Double]) -> Double {
    var f = amplitude * Double(dimension)
    for x in p { f += x * x - amplitude * cos(2 * .pi * x) }
    return f
  }

  /// `∂f/∂xᵢ = 2xᵢ + 2πA sin 2πxᵢ`.
  public func gradient(at p: [Double]) -> [Double] { p.map { Self.slope($0, amplitude) } }

  /// `diag(2 + 4π²A cos 2πxᵢ)`.
  public func hessian(at p: [Double]) -> [[Double]] {
    (0..<dimension).map { i in
      var row = [Double](repeating: 0, count: dimension)
      row[i] = Self.curvature(p[i], amplitude)
      return row
    }
  }

  /// `O(n)`: `(H·v)ᵢ = (2 + 4π²A cos 2πxᵢ)·vᵢ`.
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    (0..<dimension).map { Self.curvature(p[$0], amplitude) * v[$0] }
  }

  /// `(s*, 0, …, 0)`: eigenvalues `φ″(s*) < 0` and `2 + 4π²A` (`n − 1` times),
  /// `f = A + φ(s*)`.
  public var saddles: [CriticalPoint] {
    let s = ridge
    let stable = 2 + 4 * .pi * .pi * amplitude
    return [
      CriticalPoint(
        point: defaultStart, value: amplitude + s * s - amplitude * cos(2 * .pi * s),
        hessianEigenvalues: [Self.curvature(s, amplitude)]
          + [Double](repeating: stable, count: dimension - 1),
        kind: .saddle)
    ]
  }

  /// The origin, `f = 0`, eigenvalues `2 + 4π²A`.
  public var minima: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 0, count: dimension), value: 0,
        hessianEigenvalues: [Double](
          repeating: 2 + 4 * .pi * .pi * amplitude, count: dimension),
        kind: .minimum)
    ]
  }

  /// The index-1 saddle `(s*, 0, …, 0)`.
  public var defaultStart: [Double] {
    [ridge] + [Double](repeating: 0, count: dimension - 1)
  }
}
