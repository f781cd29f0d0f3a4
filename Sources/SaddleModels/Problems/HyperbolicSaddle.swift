/// The hyperbolic saddle `f(x, y) = a·x² − b·y²` (with `a = b = 1` it is the `x² − y²` of
/// `reference/test-problems.md`).
///
/// The origin is a saddle with Hessian eigenvalues `{2a, −2b}`; `f` is unbounded below, so
/// there are no minima. The ratio `a/b` sets the conditioning of the saddle.
public struct HyperbolicSaddle: DenseHessianProblem {
  /// `"hyperbolic-saddle"`.
  public static let name = "hyperbolic-saddle"

  /// The curvature factor of the stable direction `x` (`∂²f/∂x² = 2a`).
  public var a: Double
  /// The curvature factor of the unstable direction `y` (`∂²f/∂y² = −2b`).
  public var b: Double

  /// `f(x, y) = a·x² − b·y²`, with `a, b > 0`.
  public init(a: Double = 1, b: Double = 1) {
    precondition(a > 0 && b > 0, "HyperbolicSaddle needs a > 0 and b > 0")
    self.a = a
    self.b = b
  }

  /// 2.
  public var dimension: Int { 2 }

  /// `a·x² − b·y²`.
  public func value(at p: [Double]) -> Double { a * p[0] * p[0] - b * p[1] * p[1] }

  /// `(2a·x, −2b·y)`.
  public func gradient(at p: [Double]) -> [Double] { [2 * a * p[0], -2 * b * p[1]] }

  /// `diag(2a, −2b)` (constant).
  public func hessian(at p: [Double]) -> [[Double]] { [[2 * a, 0], [0, -2 * b]] }

  /// The origin, eigenvalues `{2a, −2b}`.
  public var saddles: [CriticalPoint] {
    [CriticalPoint(point: [0, 0], value: 0, hessianEigenvalues: [2 * a, -2 * b], kind: .saddle)]
  }

  /// None: `f → −∞` along `y`.
  public var minima: [CriticalPoint] { [] }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [0, 0] }
}
