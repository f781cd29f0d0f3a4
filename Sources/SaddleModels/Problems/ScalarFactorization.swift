/// Scalar factorization `f(a, b) = ½(ab − c)²` (`c = 1` in `reference/test-problems.md`).
///
/// The origin is a saddle with Hessian `[[0, −c], [−c, 0]]`, eigenvalues `{c, −c}`, and
/// `f = c²/2`. The minima form the hyperbola `ab = c`; the listed representative is the
/// balanced point `(√c, √c)`, where the Hessian `[[c, c], [c, c]]` has eigenvalues `{0, 2c}`
/// (the zero is the direction along the hyperbola).
public struct ScalarFactorization: DenseHessianProblem {
  /// `"scalar-factorization"`.
  public static let name = "scalar-factorization"

  /// The target product `c > 0`.
  public var target: Double

  /// `f(a, b) = ½(ab − target)²`.
  public init(target: Double = 1) {
    precondition(target > 0, "ScalarFactorization needs target > 0")
    self.target = target
  }

  /// 2.
  public var dimension: Int { 2 }

  /// `½(ab − c)²`.
  public func value(at p: [Double]) -> Double {
    let r = p[0] * p[1] - target
    return 0.5 * r * r
  }

  /// `((ab − c)·b, (ab − c)·a)`.
  public func gradient(at p: [Double]) -> [Double] {
    let r = p[0] * p[1] - target
    return [r * p[1], r * p[0]]
  }

  /// `[[b², 2ab − c], [2ab − c, a²]]`.
  public func hessian(at p: [Double]) -> [[Double]] {
    let (a, b) = (p[0], p[1])
    let off = 2 * a * b - target
    return [[b * b, off], [off, a * a]]
  }

  /// The origin, eigenvalues `{c, −c}`, `f = c²/2`.
  public var saddles: [CriticalPoint] {
    [
      CriticalPoint(
        point: [0, 0], value: 0.5 * target * target, hessianEigenvalues: [target, -target],
        kind: .saddle)
    ]
  }

  /// `±(√c, √c)` on the hyperbola `ab = c`, `f = 0`, eigenvalues `{0, 2c}`.
  public var minima: [CriticalPoint] {
    let s = target.squareRoot()
    return [s, -s].map {
      CriticalPoint(
        point: [$0, $0], value: 0, hessianEigenvalues: [0, 2 * target], kind: .minimum)
    }
  }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [0, 0] }
}
