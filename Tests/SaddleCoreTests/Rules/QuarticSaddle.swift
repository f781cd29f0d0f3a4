import SaddleCore

/// `f(θ) = ½ Σ λᵢ θᵢ² + Σ cᵢ θᵢ⁴` with `∇f(θ)ᵢ = λᵢθᵢ + 4cᵢθᵢ³`.
///
/// With some `λᵢ < 0` and `cᵢ > 0` the origin is a saddle and the problem is bounded below.
/// The gradient is computed in `Double` from the `Float` parameters and rounded once.
struct QuarticSaddle: Model {
  var eigenvalues: [Double]
  var quartic: [Double]
  var start: [Float]

  /// The problem of the float64 reference trajectories (`classic_rules.py`).
  static let reference = QuarticSaddle(
    eigenvalues: classicRulesProblem.eigenvalues, quartic: classicRulesProblem.quartic,
    start: classicRulesProblem.start.map { Float($0) })

  var layout: ParameterLayout { ParameterLayout(count: eigenvalues.count) }

  func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector(start) }

  func loss(at p: ParameterVector, on batch: Void) -> Double {
    var f = 0.0
    for i in 0..<p.count {
      let x = Double(p[i])
      f += 0.5 * eigenvalues[i] * x * x + quartic[i] * x * x * x * x
    }
    return f
  }

  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    for i in 0..<p.count {
      let x = Double(p[i])
      g[i] = Float(eigenvalues[i] * x + 4 * quartic[i] * x * x * x)
    }
    return loss(at: p, on: ())
  }
}
