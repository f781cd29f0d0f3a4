/// Estimates the lowest-curvature direction of the loss at the current point.
///
/// An estimator keeps its direction in `State` between calls (warm start) and pays for its
/// evaluations through the `Objective`, which counts them. Used as a stage, it stores its
/// estimate in ``StepContext/curvature`` for the rules after it.
public protocol CurvatureEstimator: SendableMetatype {
  /// Warm-start direction, scratch buffers and counters.
  associatedtype State: Codable & Sendable

  /// Fresh state for `layout`; a random initial direction is drawn from `seed`.
  func makeState(for layout: ParameterLayout, seed: UInt64) -> State

  /// Estimates `(N, C)` at `context.parameters`; `context.gradient` holds `∇L(θ)` already.
  func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
}

/// A curvature estimator used as an optimizer stage: runs the estimator and stores its result
/// in ``StepContext/curvature``. The builder wraps estimators in it automatically.
public struct EstimatorStage<Estimator: CurvatureEstimator>: UpdateRule {
  /// The wrapped estimator.
  public var estimator: Estimator

  /// A stage running `estimator` every time it is applied.
  public init(_ estimator: Estimator) { self.estimator = estimator }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> Estimator.State {
    estimator.makeState(for: layout, seed: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout Estimator.State
  ) {
    // Drop the previous estimate first, so a warm-started direction held in `state` is
    // uniquely referenced and updated in place rather than copied.
    context.curvature = nil
    let estimate = estimator.estimate(at: context, objective: &objective, state: &state)
    guard estimate.curvature.isFinite, estimate.segmentCurvatures?.allSatisfy(\.isFinite) ?? true
    else {
      context.reportNonFinite(.curvature, stage: String(describing: Estimator.self))
      return
    }
    context.metrics["curvature"] = estimate.curvature
    context.curvature = estimate
  }
}
