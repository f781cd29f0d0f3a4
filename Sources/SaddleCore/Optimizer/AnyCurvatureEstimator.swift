/// A type-erased curvature estimator, for estimators chosen at run time (e.g. a preset that
/// takes "any estimator", or a user's registry entry).
///
/// Its state is the wrapped estimator's state in a copy-on-write box, like ``AnyUpdateRule``'s:
/// no copy or allocation per call, and checkpointed state is decoded as the wrapped type when
/// the estimator first runs.
public struct AnyCurvatureEstimator: CurvatureEstimator {
  let box: any AnyEstimatorBox

  /// Erases `estimator`.
  public init<E: CurvatureEstimator>(_ estimator: E) {
    if let already = estimator as? AnyCurvatureEstimator {
      box = already.box
    } else {
      box = EstimatorBox(estimator)
    }
  }

  /// The wrapped estimator.
  public var base: any CurvatureEstimator { box.base }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState {
    box.makeState(for: layout, seed: seed)
  }

  public func estimate(
    at context: StepContext, objective: inout Objective, state: inout AnyRuleState
  ) -> CurvatureEstimate {
    box.estimate(at: context, objective: &objective, state: &state)
  }
}

protocol AnyEstimatorBox: Sendable {
  var base: any CurvatureEstimator { get }
  func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState
  func estimate(at context: StepContext, objective: inout Objective, state: inout AnyRuleState)
    -> CurvatureEstimate
}

struct EstimatorBox<E: CurvatureEstimator>: AnyEstimatorBox, @unchecked Sendable {
  let estimator: E
  init(_ estimator: E) { self.estimator = estimator }

  var base: any CurvatureEstimator { estimator }

  func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState {
    AnyRuleState(storage: TypedStateStorage(estimator.makeState(for: layout, seed: seed)))
  }

  func estimate(at context: StepContext, objective: inout Objective, state: inout AnyRuleState)
    -> CurvatureEstimate
  {
    let storage = state.typedStorage(E.State.self)
    return estimator.estimate(at: context, objective: &objective, state: &storage.value)
  }
}
