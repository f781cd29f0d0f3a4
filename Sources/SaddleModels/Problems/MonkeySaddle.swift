/// The monkey saddle `f(x, y) = x³ − 3xy²` (`reference/test-problems.md`).
///
/// The origin is a degenerate critical point: gradient and Hessian both vanish there, so no
/// curvature-based method sees a descent direction at the point itself; `f` decreases along
/// three directions (`θ = π/3, π, 5π/3`). Unbounded below: no minima.
public struct MonkeySaddle: DenseHessianProblem {
  /// `"monkey-saddle"`.
  public static let name = "monkey-saddle"

  /// The problem has no parameters.
  public init() {}

  /// 2.
  public var dimension: Int { 2 }

  /// `x³ − 3xy²`.
  public func value(at p: [Double]) -> Double {
    let (x, y) = (p[0], p[1])
    return x * x * x - 3 * x * y * y
  }

  /// `(3x² − 3y², −6xy)`.
  public func gradient(at p: [Double]) -> [Double] {
    [3 * p[0] * p[0] - 3 * p[1] * p[1], -6 * p[0] * p[1]]
  }

  /// `[[6x, −6y], [−6y, −6x]]`.
  public func hessian(at p: [Double]) -> [[Double]] {
    [[6 * p[0], -6 * p[1]], [-6 * p[1], -6 * p[0]]]
  }

  /// The origin, degenerate: eigenvalues `{0, 0}`.
  public var saddles: [CriticalPoint] {
    [CriticalPoint(point: [0, 0], value: 0, hessianEigenvalues: [0, 0], kind: .degenerate)]
  }

  /// None: `f → −∞` along `x → −∞`.
  public var minima: [CriticalPoint] { [] }

  /// The degenerate saddle at the origin.
  public var defaultStart: [Double] { [0, 0] }
}
