import Foundation
import SaddleCore

/// `f(θ) = ½ θᵀHθ` with a dense symmetric `H = Q diag(λ) Qᵀ`, `Q` a seeded random orthogonal
/// basis (Gram–Schmidt on Gaussian vectors), computed in Double; exact gradient and HVP.
struct DenseQuadratic: Model {
  let dimension: Int
  /// Row-major `H`.
  let hessian: [Double]
  let eigenvalues: [Double]
  /// `basis[k]` is the unit eigenvector of `eigenvalues[k]`.
  let basis: [[Double]]
  let start: [Float]

  init(eigenvalues: [Double], seed: UInt64, startScale: Float = 1e-2) {
    let n = eigenvalues.count
    var generator = SeededGenerator(seed: seed)
    var q: [[Double]] = []
    for _ in 0..<n {
      var v = (0..<n).map { _ in generator.nextGaussian() }
      for _ in 0..<2 {
        for u in q {
          let c = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
          for i in 0..<n { v[i] -= c * u[i] }
        }
      }
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      q.append(v.map { $0 / norm })
    }
    var h = [Double](repeating: 0, count: n * n)
    for k in 0..<n {
      for i in 0..<n {
        let a = eigenvalues[k] * q[k][i]
        for j in 0..<n { h[i * n + j] += a * q[k][j] }
      }
    }
    self.init(
      hessian: h, eigenvalues: eigenvalues, basis: q,
      start: (0..<n).map { _ in Float(generator.nextGaussian()) * startScale })
  }

  init(hessian: [Double], eigenvalues: [Double], basis: [[Double]], start: [Float]) {
    dimension = start.count
    self.hessian = hessian
    self.eigenvalues = eigenvalues
    self.basis = basis
    self.start = start
  }

  var layout: ParameterLayout { ParameterLayout(count: dimension) }

  func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector(start) }

  func product(_ v: ParameterVector) -> [Double] {
    let n = dimension
    return (0..<n).map { i in
      var s = 0.0
      for j in 0..<n { s += hessian[i * n + j] * Double(v[j]) }
      return s
    }
  }

  func loss(at p: ParameterVector, on batch: Void) -> Double {
    0.5 * zip(product(p), p).reduce(0) { $0 + $1.0 * Double($1.1) }
  }

  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    let hp = product(p)
    for i in 0..<dimension { g[i] = Float(hp[i]) }
    return 0.5 * zip(hp, p).reduce(0) { $0 + $1.0 * Double($1.1) }
  }

  var hasExactHessianVectorProduct: Bool { true }

  func hessianVectorProduct(
    at p: ParameterVector, on batch: Void, along v: ParameterVector, into r: inout ParameterVector
  ) {
    let hv = product(v)
    for i in 0..<dimension { r[i] = Float(hv[i]) }
  }

  /// `|cos|` between `v` and the eigenvector `k`.
  func cosine(_ v: ParameterVector, eigenvector k: Int) -> Double {
    let dot = zip(basis[k], v).reduce(0) { $0 + $1.0 * Double($1.1) }
    return abs(dot) / max(v.norm, 1e-300)
  }

  /// `vᵀHv/‖v‖²`.
  func rayleigh(_ v: ParameterVector) -> Double {
    zip(product(v), v).reduce(0) { $0 + $1.0 * Double($1.1) } / (v.norm * v.norm)
  }
}

/// A diagonal quadratic as a ``DenseQuadratic`` (identity basis), so tests share one API.
func diagonalProblem(_ eigenvalues: [Double], seed: UInt64, startScale: Float = 1e-2)
  -> DenseQuadratic
{
  let n = eigenvalues.count
  var generator = SeededGenerator(seed: seed)
  var h = [Double](repeating: 0, count: n * n)
  for i in 0..<n { h[i * n + i] = eigenvalues[i] }
  let basis = (0..<n).map { k in (0..<n).map { $0 == k ? 1.0 : 0.0 } }
  return DenseQuadratic(
    hessian: h, eigenvalues: eigenvalues, basis: basis,
    start: (0..<n).map { _ in Float(generator.nextGaussian()) * startScale })
}

/// The test spectrum: `λ_min = −1` (index 0), the rest evenly in `[0.1, 3]`, so the largest
/// eigenvalue has the largest magnitude (a method converging to the largest would fail).
func testSpectrum(_ n: Int) -> [Double] {
  var spectrum: [Double] = [-1]
  let denominator = Double(max(n - 2, 1))
  for i in 1..<n { spectrum.append(0.1 + 2.9 * Double(i - 1) / denominator) }
  return spectrum
}

/// Reports a fixed direction and curvature at no cost (optionally per segment).
struct FixedEstimator: CurvatureEstimator {
  var direction: [Float]
  var curvature: Double
  var segmentCurvatures: [Double]? = nil

  func makeState(for layout: ParameterLayout, seed: UInt64) -> EmptyState { EmptyState() }

  func estimate(at context: StepContext, objective: inout Objective, state: inout EmptyState)
    -> CurvatureEstimate
  {
    CurvatureEstimate(
      direction: ParameterVector(direction), curvature: curvature,
      segmentCurvatures: segmentCurvatures, step: context.step)
  }
}

/// Runs `stages` for `steps` steps with the parameters held fixed (a final `SGD(0)`), so an
/// estimator iterates at one point; returns the optimizer state.
func runAtFixedPoint<R: UpdateRule, M: Model>(
  _ stage: R, model: M, steps: Int, seed: UInt64 = 1
) throws -> OptimizerState<ChainState<R.State, SGD.State>> {
  let optimizer = Optimizer(rule: Chain(stage, SGD(learningRate: 0)))
  var state = optimizer.makeState(for: model, seed: seed)
  for _ in 0..<steps { try optimizer.step(&state, model: model) }
  return state
}
