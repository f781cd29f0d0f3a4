import SaddleCore

/// A closed-form problem seen in a rotated basis: `f(x) = g(Qᵀx)` for an orthogonal `Q` drawn
/// from `seed` (Haar-distributed: Gram–Schmidt of a Gaussian matrix, from the stream
/// `mixSeed(seed, SeedPurpose.basis)`, independent of the start perturbation's stream).
///
/// `∇f(x) = Q∇g(Qᵀx)`, `∇²f(x) = Q∇²g(Qᵀx)Qᵀ`; critical points map by `x = Qy` with the same
/// values and Hessian eigenvalues. Axis-aligned test problems flatter per-coordinate methods
/// (Adam, sign descent): their escape direction is a coordinate axis. The rotated version
/// removes that advantage without changing the spectrum.
public struct RotatedProblem: ClosedFormProblem {
  public static let name = "rotated"

  /// The problem in its own coordinates.
  public let base: any ClosedFormProblem
  /// `Q`, row-major, `dimension × dimension`.
  public let rotation: [[Double]]

  public var dimension: Int { base.dimension }

  /// `base` rotated by a Haar-random orthogonal matrix drawn from `seed`.
  public init(_ base: any ClosedFormProblem, seed: UInt64) {
    self.base = base
    let n = base.dimension
    let q = haarOrthogonal(dimension: n, seed: mixSeed(seed, SeedPurpose.basis))
    rotation = (0..<n).map { i in Array(q[(i * n)..<(i * n + n)]) }
  }

  /// `Q·y`.
  public func rotate(_ y: [Double]) -> [Double] {
    rotation.map { row in zip(row, y).reduce(0) { $0 + $1.0 * $1.1 } }
  }

  /// `Qᵀ·x`.
  public func unrotate(_ x: [Double]) -> [Double] {
    (0..<dimension).map { j in (0..<dimension).reduce(0) { $0 + rotation[$1][j] * x[$1] } }
  }

  public func value(at p: [Double]) -> Double { base.value(at: unrotate(p)) }

  public func gradient(at p: [Double]) -> [Double] {
    rotate(base.gradient(at: unrotate(p)))
  }

  /// `(g(y), Q∇g(y))` at `y = Qᵀx`, one change of basis and one call of the base problem.
  public func valueAndGradient(at p: [Double]) -> (value: Double, gradient: [Double]) {
    let (value, g) = base.valueAndGradient(at: unrotate(p))
    return (value, rotate(g))
  }

  public func hessian(at p: [Double]) -> [[Double]] {
    let h = base.hessian(at: unrotate(p))
    let n = dimension
    // Q H Qᵀ
    let qh = (0..<n).map { i in
      (0..<n).map { j in (0..<n).reduce(0) { $0 + rotation[i][$1] * h[$1][j] } }
    }
    return (0..<n).map { i in
      (0..<n).map { j in (0..<n).reduce(0) { $0 + qh[i][$1] * rotation[j][$1] } }
    }
  }

  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    rotate(base.hessianVectorProduct(at: unrotate(p), along: unrotate(v)))
  }

  public var saddles: [CriticalPoint] {
    base.saddles.map { c in
      CriticalPoint(
        point: rotate(c.point), value: c.value, hessianEigenvalues: c.hessianEigenvalues,
        kind: c.kind)
    }
  }

  public var minima: [CriticalPoint] {
    base.minima.map { c in
      CriticalPoint(
        point: rotate(c.point), value: c.value, hessianEigenvalues: c.hessianEigenvalues,
        kind: c.kind)
    }
  }

  public var defaultStart: [Double] { rotate(base.defaultStart) }
}
