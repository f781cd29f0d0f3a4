import SaddleCore

/// A finite-sum strict saddle for variance-reduced methods (`SSRGD`):
/// `f(x) = (1/n)Σᵢ fᵢ(x)`, `fᵢ(x) = ½xᵀ(D + Eᵢ)x + bᵢᵀx + (λ/4)‖x‖⁴`, with
/// `D = diag(−1, 1, …, 1)` and seeded random symmetric `Eᵢ` (entries `σ·N(0, 1)/√d`) and
/// `bᵢ` (`σ·N(0, 1)`), both centred so that `ΣEᵢ = 0` and `Σbᵢ = 0`. Hence
/// `f(x) = ½xᵀDx + (λ/4)‖x‖⁴` exactly, while the components disagree everywhere (also at the
/// saddle), so minibatch gradients are noisy.
///
/// Critical points of `f`: `∇f = Dx + λ‖x‖²x = 0` holds at `x = 0` — a strict saddle with
/// Hessian `D` (eigenvalues `{−1, 1, …, 1}`, `f = 0`) — and at `x = ±e₁/√λ`, the minima
/// (`f = −1/(4λ)`, Hessian `D + I + 2e₁e₁ᵀ`, eigenvalues `{2, …, 2}`); no others, since a
/// non-zero critical point is an eigenvector of `D` with eigenvalue `−λ‖x‖² < 0`.
public struct FiniteSumSaddle: DenseHessianProblem, FiniteSumModel {
  /// `"finite-sum-saddle"`.
  public static let name = "finite-sum-saddle"

  /// `d ≥ 2`.
  public let dimension: Int
  /// `n ≥ 1` components.
  public let componentCount: Int
  /// The component spread `σ ≥ 0`.
  public let spread: Double
  /// The quartic weight `λ > 0`.
  public let lambda: Double
  let perturbations: [Double]  // n·d·d, row-major Eᵢ
  let offsets: [Double]  // n·d

  /// The problem with `dimension` coordinates and `components` components drawn from `seed`.
  public init(
    dimension: Int = 10, components: Int = 50, spread: Double = 0.5, lambda: Double = 1,
    seed: UInt64 = 0
  ) {
    precondition(dimension >= 2 && components >= 1, "FiniteSumSaddle: d ≥ 2 and n ≥ 1")
    precondition(spread >= 0 && lambda > 0, "FiniteSumSaddle: σ ≥ 0, λ > 0")
    self.dimension = dimension
    componentCount = components
    self.spread = spread
    self.lambda = lambda
    let d = dimension
    var generator = SeededGenerator(seed: seed ^ 0xF1_5A)
    var e = [Double](repeating: 0, count: components * d * d)
    var b = [Double](repeating: 0, count: components * d)
    let scale = spread / Double(d).squareRoot()
    for i in 0..<components {
      for r in 0..<d {
        for c in r..<d {
          let v = scale * generator.nextGaussian()
          e[(i * d + r) * d + c] = v
          e[(i * d + c) * d + r] = v
        }
        b[i * d + r] = spread * generator.nextGaussian()
      }
    }
    for k in 0..<(d * d) {
      let mean = (0..<components).reduce(0) { $0 + e[$1 * d * d + k] } / Double(components)
      for i in 0..<components { e[i * d * d + k] -= mean }
    }
    for k in 0..<d {
      let mean = (0..<components).reduce(0) { $0 + b[$1 * d + k] } / Double(components)
      for i in 0..<components { b[i * d + k] -= mean }
    }
    perturbations = e
    offsets = b
  }

  func diagonal(_ j: Int) -> Double { j == 0 ? -1 : 1 }

  /// `½xᵀDx + (λ/4)‖x‖⁴`.
  public func value(at p: [Double]) -> Double {
    var quadratic = 0.0
    var squared = 0.0
    for j in 0..<dimension {
      quadratic += diagonal(j) * p[j] * p[j]
      squared += p[j] * p[j]
    }
    return 0.5 * quadratic + 0.25 * lambda * squared * squared
  }

  /// `Dx + λ‖x‖²x`.
  public func gradient(at p: [Double]) -> [Double] {
    let squared = p.reduce(0) { $0 + $1 * $1 }
    return (0..<dimension).map { diagonal($0) * p[$0] + lambda * squared * p[$0] }
  }

  /// `D + λ(‖x‖²I + 2xxᵀ)`.
  public func hessian(at p: [Double]) -> [[Double]] {
    let squared = p.reduce(0) { $0 + $1 * $1 }
    return (0..<dimension).map { r in
      (0..<dimension).map { c in
        (r == c ? diagonal(r) + lambda * squared : 0) + 2 * lambda * p[r] * p[c]
      }
    }
  }

  /// The origin: Hessian `D`.
  public var saddles: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 0, count: dimension), value: 0,
        hessianEigenvalues: [-1] + [Double](repeating: 1, count: dimension - 1), kind: .saddle)
    ]
  }

  /// `±e₁/√λ`, `f = −1/(4λ)`, eigenvalues all 2.
  public var minima: [CriticalPoint] {
    [1.0, -1.0].map { sign in
      var point = [Double](repeating: 0, count: dimension)
      point[0] = sign / lambda.squareRoot()
      return CriticalPoint(
        point: point, value: -0.25 / lambda,
        hessianEigenvalues: [Double](repeating: 2, count: dimension), kind: .minimum)
    }
  }

  /// The saddle.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }

  /// `(1/|I|)Σ_{i∈I} fᵢ(x)` (indices may repeat).
  public func minibatchLoss(at parameters: ParameterVector, components: [Int]) -> Double {
    var gradient = ParameterVector(count: dimension)
    return minibatchLossAndGradient(at: parameters, components: components, into: &gradient)
  }

  /// `(1/|I|)Σ_{i∈I} fᵢ(x)` and its gradient `(1/|I|)Σ ((D + Eᵢ)x + bᵢ) + λ‖x‖²x`.
  public func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector
  ) -> Double {
    let d = dimension
    let x = parameters.map { Double($0) }
    let squared = x.reduce(0) { $0 + $1 * $1 }
    var g = (0..<d).map { diagonal($0) * x[$0] + lambda * squared * x[$0] }
    var loss = value(at: x)
    let weight = 1 / Double(max(components.count, 1))
    for i in components {
      precondition(i >= 0 && i < componentCount, "FiniteSumSaddle: component \(i) out of range")
      var quadratic = 0.0
      for r in 0..<d {
        var row = offsets[i * d + r]
        for c in 0..<d { row += perturbations[(i * d + r) * d + c] * x[c] }
        g[r] += weight * row
        quadratic += x[r] * (row - offsets[i * d + r])
      }
      var linear = 0.0
      for r in 0..<d { linear += offsets[i * d + r] * x[r] }
      loss += weight * (0.5 * quadratic + linear)
    }
    if components.isEmpty { loss = value(at: x) }
    gradient.withUnsafeMutableBufferPointer { out in
      for r in 0..<d { out[r] = Float(g[r]) }
    }
    return loss
  }
}
