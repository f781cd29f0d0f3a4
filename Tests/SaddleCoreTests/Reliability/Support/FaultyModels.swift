import SaddleCore

/// `f(θ) = ½ Σ λᵢ θᵢ²` over segments `w` (4) and `b` (2) that produces NaNs on demand: a NaN
/// gradient in segment `nanSegment` at the steps in `nanGradientSteps`, a NaN loss at the
/// steps in `nanLossSteps`.
struct FaultyQuadratic: Model {
  var nanGradientSteps: Set<Int> = []
  var nanLossSteps: Set<Int> = []
  var nanSegment = "b"

  var layout: ParameterLayout {
    ParameterLayout([(name: "w", shape: [2, 2]), (name: "b", shape: [2])])
  }

  func initialParameters(seed: UInt64) -> ParameterVector { [1, -2, 0.5, 3, -1, 2] }

  func batch(step: Int, seed: UInt64) -> Int { step }

  func eigenvalue(_ i: Int) -> Double { 0.5 + Double(i) / 2 }

  func loss(at p: ParameterVector, on step: Int) -> Double {
    if nanLossSteps.contains(step) { return .nan }
    var f = 0.0
    for i in 0..<p.count { f += 0.5 * eigenvalue(i) * Double(p[i]) * Double(p[i]) }
    return f
  }

  func lossAndGradient(at p: ParameterVector, on step: Int, into g: inout ParameterVector)
    -> Double
  {
    for i in 0..<p.count { g[i] = Float(eigenvalue(i) * Double(p[i])) }
    if nanGradientSteps.contains(step), let segment = layout.segment(named: nanSegment) {
      g[segment.range.lowerBound] = .nan
    }
    return loss(at: p, on: step)
  }
}

/// `f(θ) = ½‖θ‖²` whose gradient is NaN outside `|θᵢ| ≤ bound`: a step size that makes the
/// iterates grow ends in NaN a few steps later, as a diverging network does.
struct BoundedQuadratic: Model {
  var bound: Float = 5
  var layout: ParameterLayout { ParameterLayout(count: 3) }

  func initialParameters(seed: UInt64) -> ParameterVector { [1, -0.5, 0.25] }

  func loss(at p: ParameterVector, on batch: Void) -> Double {
    p.contains { abs($0) > bound } ? .nan : 0.5 * p.dot(p)
  }

  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    for i in 0..<p.count { g[i] = abs(p[i]) > bound ? .nan : p[i] }
    return loss(at: p, on: ())
  }
}

/// Reports the first axis with curvature 1, except NaN at the steps in `nanSteps`.
struct NaNCurvatureEstimator: CurvatureEstimator {
  var nanSteps: Set<Int>

  func makeState(for layout: ParameterLayout, seed: UInt64) -> EmptyState { EmptyState() }

  func estimate(at context: StepContext, objective: inout Objective, state: inout EmptyState)
    -> CurvatureEstimate
  {
    var n = ParameterVector(count: context.parameters.count)
    n[0] = 1
    let c: Double = nanSteps.contains(context.step) ? .nan : 1
    return CurvatureEstimate(direction: n, curvature: c, step: context.step)
  }
}
