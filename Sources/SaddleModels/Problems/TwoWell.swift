/// The two-well function `f(x, y) = x⁴ − 2x² + y²` (`reference/test-problems.md`).
///
/// The origin is a saddle with Hessian eigenvalues `{−4, 2}`; the minima are `(±1, 0)` with
/// `f = −1` and eigenvalues `{2, 8}` (`∂²f/∂x² = 12x² − 4`).
public struct TwoWell: DenseHessianProblem {
  /// `"two-well"`.
  public static let name = "two-well"

  /// The problem has no parameters.
  public init() {}

  /// 2.
  public var dimension: Int { 2 }

  /// `x⁴ − 2x² + y²`.
  public func value(at p: [Double]) -> Double {
    let (x, y) = (p[0], p[1])
    return x * x * x * x - 2 * x * x + y * y
  }

  /// `(4x³ − 4x, 2y)`.
  public func gradient(at p: [Double]) -> [Double] {
    [4 * p[0] * p[0] * p[0] - 4 * p[0], 2 * p[1]]
  }

  /// `diag(12x² − 4, 2)`.
  public func hessian(at p: [Double]) -> [[Double]] { [[12 * p[0] * p[0] - 4, 0], [0, 2]] }

  /// The origin, eigenvalues `{−4, 2}`.
  public var saddles: [CriticalPoint] {
    [CriticalPoint(point: [0, 0], value: 0, hessianEigenvalues: [-4, 2], kind: .saddle)]
  }

  /// `(±1, 0)`, `f = −1`, eigenvalues `{2, 8}`.
  public var minima: [CriticalPoint] {
    [1.0, -1.0].map {
      CriticalPoint(point: [$0, 0], value: -1, hessianEigenvalues: [2, 8], kind: .minimum)
    }
  }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [0, 0] }
}
