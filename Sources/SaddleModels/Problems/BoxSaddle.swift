import SaddleCore

/// A saddle on the boundary of the box `[−1, 1]ᵈ`, for constrained escape
/// (`ConstrainedSecondOrder`, Mokhtari, Ozdaglar & Jadbabaie 2018):
/// `f(x) = −s²/2 + s⁴/4 + Σ_{i≥2} xᵢ²/2` with `s = x₁ + 1`.
///
/// Critical points of the constrained problem (KKT points in the box): the saddle
/// `(−1, 0, …, 0)` on the face `x₁ = −1` — `∇f = 0` there, Hessian `diag(−1, 1, …, 1)`, `f = 0`;
/// the only feasible descent direction of second order points **into the interior** (`+e₁`), so
/// a negative-curvature step restricted to the active face has nothing to follow — and the
/// minimum `(0, …, 0)` in the interior, `f = −1/4`, Hessian `diag(2, 1, …, 1)`. No other KKT
/// points: on `x₁ = 1`, `∂f/∂x₁ = 6 > 0`; on `xᵢ = ±1` (`i ≥ 2`), `∂f/∂xᵢ = ±1` points out. (The
/// unconstrained `f` has a second minimum at `x₁ = −2`, outside the box.)
public struct BoxSaddle: DenseHessianProblem {
  /// `"box-saddle"`.
  public static let name = "box-saddle"

  /// `d ≥ 1`.
  public let dimension: Int

  /// The problem in `dimension ≥ 1` coordinates; the box is `[−1, 1]ᵈ`.
  public init(dimension: Int = 2) {
    precondition(dimension >= 1, "BoxSaddle: dimension ≥ 1")
    self.dimension = dimension
  }

  /// The box's lower bound, −1.
  public static let lower = -1.0
  /// The box's upper bound, 1.
  public static let upper = 1.0

  public func value(at p: [Double]) -> Double {
    let s = p[0] + 1
    return -0.5 * s * s + 0.25 * s * s * s * s + p.dropFirst().reduce(0) { $0 + 0.5 * $1 * $1 }
  }

  public func gradient(at p: [Double]) -> [Double] {
    let s = p[0] + 1
    return [s * s * s - s] + p.dropFirst()
  }

  public func hessian(at p: [Double]) -> [[Double]] {
    let s = p[0] + 1
    return (0..<dimension).map { r in
      (0..<dimension).map { c in r != c ? 0 : (r == 0 ? 3 * s * s - 1 : 1) }
    }
  }

  /// The boundary saddle `(−1, 0, …)`.
  public var saddles: [CriticalPoint] {
    var point = [Double](repeating: 0, count: dimension)
    point[0] = -1
    return [
      CriticalPoint(
        point: point, value: 0,
        hessianEigenvalues: [-1] + [Double](repeating: 1, count: dimension - 1), kind: .saddle)
    ]
  }

  /// The interior minimum at the origin.
  public var minima: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 0, count: dimension), value: -0.25,
        hessianEigenvalues: [2] + [Double](repeating: 1, count: dimension - 1), kind: .minimum)
    ]
  }

  /// The boundary saddle.
  public var defaultStart: [Double] { saddles[0].point }
}
