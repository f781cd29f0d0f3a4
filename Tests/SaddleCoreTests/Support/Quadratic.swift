import SaddleCore

/// `f(θ) = ½ Σ λᵢ θᵢ²` — a diagonal quadratic with exact gradient and Hessian-vector product.
struct DiagonalQuadratic: Model {
  var eigenvalues: [Double]
  var start: [Float]

  init(eigenvalues: [Double], start: [Float]? = nil) {
    self.eigenvalues = eigenvalues
    self.start = start ?? Array(repeating: 1, count: eigenvalues.count)
  }

  var layout: ParameterLayout { ParameterLayout(count: eigenvalues.count) }

  func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector(start) }

  func loss(at p: ParameterVector, on batch: Void) -> Double {
    var f = 0.0
    for i in 0..<p.count { f += 0.5 * eigenvalues[i] * Double(p[i]) * Double(p[i]) }
    return f
  }

  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    for i in 0..<p.count { g[i] = Float(eigenvalues[i] * Double(p[i])) }
    return loss(at: p, on: ())
  }

  var hasExactHessianVectorProduct: Bool { true }

  func hessianVectorProduct(
    at p: ParameterVector, on batch: Void, along v: ParameterVector, into r: inout ParameterVector
  ) {
    for i in 0..<p.count { r[i] = Float(eigenvalues[i] * Double(v[i])) }
  }
}
