import SaddleCore

/// Reports a fixed direction (the first axis) and curvature, at no evaluation cost.
struct ConstantEstimator: CurvatureEstimator {
  var curvature: Double

  func makeState(for layout: ParameterLayout, seed: UInt64) -> EmptyState { EmptyState() }

  func estimate(at context: StepContext, objective: inout Objective, state: inout EmptyState)
    -> CurvatureEstimate
  {
    var n = ParameterVector(count: context.parameters.count)
    n[0] = 1
    return CurvatureEstimate(direction: n, curvature: curvature, step: context.step)
  }
}
