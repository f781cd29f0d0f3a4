/// The quartic double well `f(x, y) = x²/2 + y⁴/4 − y²/2` (`reference/test-problems.md`).
///
/// The origin is a saddle with Hessian eigenvalues `{1, −1}`; the minima are `(0, ±1)` with
/// `f = −1/4` and eigenvalues `{1, 2}`.
public struct QuarticDoubleWell: DenseHessianProblem {
  /// `"quartic-double-well"`.
  public static let name = "quartic-double-well"

  /// The problem has no parameters.
  public init() {}

  /// 2.
  public var dimension: Int { 2 }

  /// `x²/2 + y⁴/4 − y²/2`.
  public func value(at p: [Double]) -> Double {
    let (x, y) = (p[0], p[1])
    return 0.5 * x * x + 0.25 * y * y * y * y - 0.5 * y * y
  }

  /// `(x, y³ − y)`.
  public func gradient(at p: [Double]) -> [Double] { [p[0], p[1] * p[1] * p[1] - p[1]] }

  /// `diag(1, 3y² − 1)`.
  public func hessian(at p: [Double]) -> [[Double]] { [[1, 0], [0, 3 * p[1] * p[1] - 1]] }

  /// The origin, eigenvalues `{1, −1}`.
  public var saddles: [CriticalPoint] {
    [CriticalPoint(point: [0, 0], value: 0, hessianEigenvalues: [1, -1], kind: .saddle)]
  }

  /// `(0, ±1)`, `f = −1/4`, eigenvalues `{1, 2}`.
  public var minima: [CriticalPoint] {
    [1.0, -1.0].map {
      CriticalPoint(point: [0, $0], value: -0.25, hessianEigenvalues: [1, 2], kind: .minimum)
    }
  }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [0, 0] }
}
