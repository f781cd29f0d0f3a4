import SaddleCore

/// The ill-conditioned saddle `f(x) = ½ Σᵢ λᵢ xᵢ² + (μ/4) Σᵢ xᵢ⁴` with
/// `λ = (1, …, 1, −ε)` (`reference/test-problems.md`).
///
/// The origin is a saddle whose Hessian eigenvalues are `λ`: the unstable direction `eₙ` has
/// curvature `−ε`, so gradient descent at its stable rate `η ≈ 1/λ_max = 1` escapes in about
/// `(1/ε)·ln(r/δ)` steps. The minima are `xₙ = ±√(ε/μ)`, other coordinates 0, with
/// `f = −ε²/(4μ)` and Hessian `diag(1, …, 1, 2ε)` (`−ε + 3μxₙ² = 2ε`).
///
/// Default `μ = ε`: the minima then sit at `xₙ = ±1` and `f_min = −ε/4` for every `ε`, so the
/// distance to travel is the same across conditionings and an escape threshold can be a fixed
/// fraction of `ε/4` (e.g. `δ = ε/8`, half the well's depth).
public struct IllConditionedSaddle: ClosedFormProblem {
  /// `"ill-conditioned-saddle"`.
  public static let name = "ill-conditioned-saddle"

  /// The number of coordinates `n ≥ 2`.
  public let dimension: Int
  /// The magnitude `ε > 0` of the single negative eigenvalue at the origin.
  public let epsilon: Double
  /// The quartic coefficient `μ > 0` (sets the depth `ε²/(4μ)` of the wells).
  public let mu: Double

  /// `f(x) = ½ Σ λᵢxᵢ² + (μ/4) Σ xᵢ⁴` with `λ = (1, …, 1, −ε)`; `mu` defaults to `epsilon`.
  public init(dimension: Int = 10, epsilon: Double = 1e-2, mu: Double? = nil) {
    precondition(dimension >= 2, "IllConditionedSaddle needs dimension ≥ 2")
    precondition(epsilon > 0, "IllConditionedSaddle needs epsilon > 0")
    precondition((mu ?? epsilon) > 0, "IllConditionedSaddle needs mu > 0")
    self.dimension = dimension
    self.epsilon = epsilon
    self.mu = mu ?? epsilon
  }

  @inline(__always)
  func lambda(_ i: Int) -> Double { i == dimension - 1 ? -epsilon : 1 }

  /// `½ Σ λᵢxᵢ² + (μ/4) Σ xᵢ⁴`.
  public func value(at p: [Double]) -> Double {
    var f = 0.0
    for i in 0..<dimension {
      let x2 = p[i] * p[i]
      f += 0.5 * lambda(i) * x2 + 0.25 * mu * x2 * x2
    }
    return f
  }

  /// `∂f/∂xᵢ = λᵢxᵢ + μxᵢ³`.
  public func gradient(at p: [Double]) -> [Double] {
    (0..<dimension).map { lambda($0) * p[$0] + mu * p[$0] * p[$0] * p[$0] }
  }

  /// `diag(λᵢ + 3μxᵢ²)`.
  public func hessian(at p: [Double]) -> [[Double]] {
    (0..<dimension).map { i in
      var row = [Double](repeating: 0, count: dimension)
      row[i] = lambda(i) + 3 * mu * p[i] * p[i]
      return row
    }
  }

  /// `O(n)`: `(H·v)ᵢ = (λᵢ + 3μxᵢ²)·vᵢ`.
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    (0..<dimension).map { (lambda($0) + 3 * mu * p[$0] * p[$0]) * v[$0] }
  }

  /// `O(n)` without intermediate arrays, for large `n` in benchmarks.
  public func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    parameters.withUnsafeBufferPointer { x in
      var f = 0.0
      for i in 0..<dimension {
        let x2 = Double(x[i]) * Double(x[i])
        f += 0.5 * lambda(i) * x2 + 0.25 * mu * x2 * x2
      }
      return f
    }
  }

  /// `O(n)` without intermediate arrays, for large `n` in benchmarks.
  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    gradient.withUnsafeMutableBufferPointer { g in
      parameters.withUnsafeBufferPointer { x in
        var f = 0.0
        for i in 0..<dimension {
          let xi = Double(x[i])
          let x2 = xi * xi
          f += 0.5 * lambda(i) * x2 + 0.25 * mu * x2 * x2
          g[i] = Float(lambda(i) * xi + mu * x2 * xi)
        }
        return f
      }
    }
  }

  /// `O(n)` without intermediate arrays, for large `n` in benchmarks.
  public func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Void, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    result.withUnsafeMutableBufferPointer { r in
      parameters.withUnsafeBufferPointer { x in
        vector.withUnsafeBufferPointer { v in
          for i in 0..<dimension {
            let xi = Double(x[i])
            r[i] = Float((lambda(i) + 3 * mu * xi * xi) * Double(v[i]))
          }
        }
      }
    }
  }

  /// The origin, eigenvalues `λ = (1, …, 1, −ε)`.
  public var saddles: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 0, count: dimension), value: 0,
        hessianEigenvalues: (0..<dimension).map(lambda), kind: .saddle)
    ]
  }

  /// `xₙ = ±√(ε/μ)`, `f = −ε²/(4μ)`, eigenvalues `(1, …, 1, 2ε)`.
  public var minima: [CriticalPoint] {
    let s = (epsilon / mu).squareRoot()
    return [s, -s].map { xn in
      var point = [Double](repeating: 0, count: dimension)
      point[dimension - 1] = xn
      return CriticalPoint(
        point: point, value: -epsilon * epsilon / (4 * mu),
        hessianEigenvalues: [Double](repeating: 1, count: dimension - 1) + [2 * epsilon],
        kind: .minimum)
    }
  }

  /// The saddle at the origin.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}
