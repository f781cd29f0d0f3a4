/// The Rosenbrock function `f(x, y) = (a − x)² + b(y − x²)²` (Rosenbrock 1960; `a = 1`,
/// `b = 100` in `reference/test-problems.md`).
///
/// No saddle: a curved, narrow valley. The minimum is `(a, a²)` with `f = 0` and Hessian
/// `[[2 + 8ba², −4ba], [−4ba, 2b]]`.
public struct Rosenbrock: DenseHessianProblem {
  /// `"rosenbrock"`.
  public static let name = "rosenbrock"

  /// The minimum's `x` coordinate.
  public var a: Double
  /// The valley's steepness.
  public var b: Double

  /// `f(x, y) = (a − x)² + b(y − x²)²`, with `b > 0`.
  public init(a: Double = 1, b: Double = 100) {
    precondition(b > 0, "Rosenbrock needs b > 0")
    self.a = a
    self.b = b
  }

  /// 2.
  public var dimension: Int { 2 }

  /// `(a − x)² + b(y − x²)²`.
  public func value(at p: [Double]) -> Double {
    let (x, y) = (p[0], p[1])
    let u = a - x
    let v = y - x * x
    return u * u + b * v * v
  }

  /// `(−2(a − x) − 4bx(y − x²), 2b(y − x²))`.
  public func gradient(at p: [Double]) -> [Double] {
    let (x, y) = (p[0], p[1])
    let v = y - x * x
    return [-2 * (a - x) - 4 * b * x * v, 2 * b * v]
  }

  /// `[[2 − 4b(y − x²) + 8bx², −4bx], [−4bx, 2b]]`.
  public func hessian(at p: [Double]) -> [[Double]] {
    let (x, y) = (p[0], p[1])
    return [[2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x], [-4 * b * x, 2 * b]]
  }

  /// None.
  public var saddles: [CriticalPoint] { [] }

  /// `(a, a²)`, `f = 0`, eigenvalues of `[[2 + 8ba², −4ba], [−4ba, 2b]]` in closed form
  /// (`(t ± √(t² − 4δ))/2` with trace `t` and determinant `δ`).
  public var minima: [CriticalPoint] {
    let (p, q, r) = (2 + 8 * b * a * a, -4 * b * a, 2 * b)
    let t = p + r
    let det = p * r - q * q
    let root = (t * t - 4 * det).squareRoot()
    // The small root via det / large root avoids cancellation.
    let large = 0.5 * (t + root)
    return [
      CriticalPoint(
        point: [a, a * a], value: 0, hessianEigenvalues: [det / large, large], kind: .minimum)
    ]
  }

  /// The classical start `(−1.2, 1)`.
  public var defaultStart: [Double] { [-1.2, 1] }
}
