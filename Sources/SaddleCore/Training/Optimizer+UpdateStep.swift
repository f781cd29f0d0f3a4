extension Optimizer {
  /// The update part of ``step(_:objective:)`` alone: every stage and `θ ← θ − d`, with the
  /// gradient already in `state.context.gradient` (neither evaluated nor checked). For
  /// benchmarks of the update step (`SaddleBenchmarks`), which must time exactly what `step`
  /// runs after the gradient. Returns whether the update was taken (no stage reported a
  /// non-finite value and every new parameter was finite); the step count then advances.
  @inlinable
  package func updateStep(
    _ state: inout OptimizerState<Rule.State>, objective: inout Objective
  ) -> Bool {
    state.context.directionIsGradient = true
    state.context.beginUpdate()
    rule.applyAndUpdateParameters(to: &state.context, objective: &objective, state: &state.rule)
    guard state.context.nonFiniteReport == nil, state.context.commitUpdate() else { return false }
    state.context.step += 1
    return true
  }
}
