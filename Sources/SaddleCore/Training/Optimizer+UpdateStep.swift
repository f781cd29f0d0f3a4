extension Optimizer {
  /// Runs the stages on the gradient already in `state.context.gradient` and writes the
  /// update, without evaluating anything itself and without advancing the step (for timing
  /// the update alone: what ``step(_:objective:)`` runs after evaluating and checking the
  /// gradient). Returns whether no stage reported a non-finite value and every new parameter
  /// was finite.
  @inlinable
  package func update(
    _ state: inout OptimizerState<Rule.State>, objective: inout Objective
  ) -> Bool {
    state.context.directionIsGradient = true
    state.context.beginUpdate()
    rule.applyAndUpdateParameters(to: &state.context, objective: &objective, state: &state.rule)
    return state.context.nonFiniteReport == nil && state.context.commitUpdate()
  }
}
