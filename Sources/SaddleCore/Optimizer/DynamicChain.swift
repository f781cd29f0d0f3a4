/// Type-erased stages applied in order: what a JSON spec builds.
///
/// Presets registered by name are whole statically typed pipelines inside one
/// ``AnyUpdateRule``, so they keep their fused passes; erasure costs a dynamic call per stage
/// per step, not per element.
public struct DynamicChain: UpdateRule {
  /// The stages, in order.
  public var stages: [AnyUpdateRule]

  /// Stages applied in order.
  public init(_ stages: [AnyUpdateRule]) { self.stages = stages }

  public func makeState(for layout: ParameterLayout) -> [AnyRuleState] {
    makeState(for: layout, seed: 0)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> [AnyRuleState] {
    stages.indices.map { stages[$0].makeState(for: layout, seed: mixSeed(seed, UInt64($0) + 1)) }
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState]
  ) {
    for i in stages.indices {
      stages[i].apply(to: &context, objective: &objective, state: &state[i])
    }
  }

  public func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState]
  ) {
    guard let last = stages.indices.last else {
      context.updateParameters()
      return
    }
    for i in stages.indices.dropLast() {
      stages[i].apply(to: &context, objective: &objective, state: &state[i])
    }
    stages[last].applyAndUpdateParameters(to: &context, objective: &objective, state: &state[last])
  }

  public func summary(of state: [AnyRuleState]) -> [String: Double] {
    var all: [String: Double] = [:]
    for i in stages.indices {
      for (k, v) in stages[i].summary(of: state[i]) where all[k] == nil { all[k] = v }
    }
    return all
  }
}

/// An optimizer built at run time (from a JSON spec).
public typealias DynamicOptimizer = Optimizer<DynamicChain>
