/// An optimizer: a pipeline of stages that turns the gradient into the step `θ ← θ − d`.
///
/// Build one with the ``OptimizerBuilder`` DSL or from a JSON spec (``Registry``). One call
/// of ``step(_:model:dataSeed:)`` evaluates the gradient on the step's batch, runs every stage
/// and updates the parameters, counting every evaluation.
///
/// The optimizer plans how the stages run over memory (see ``StepPlan``): consecutive
/// elementwise stages, whatever wraps them, run as one pass that ends in `θ ← θ − d`.
public struct Optimizer<Rule: UpdateRule> {
  /// The stages, as one (possibly nested) rule.
  public var rule: Rule

  /// How the stages run in a step, chosen from their static type when the optimizer is built.
  public let plan: StepPlan<Rule>

  /// Whether a step evaluates the gradient (`false` for zeroth-order pipelines, which only
  /// evaluate losses: the step then evaluates the loss alone and the gradient is zero). See
  /// ``withoutGradient()``.
  public var needsGradient = true

  /// An optimizer from a block of stages.
  @inlinable
  public init(@OptimizerBuilder _ stages: () -> Rule) {
    self.init(rule: stages(), plan: .sequential)
  }

  /// An optimizer from an already built rule.
  @inlinable
  public init(rule: Rule) { self.init(rule: rule, plan: .sequential) }

  /// An optimizer running `rule` with an explicit plan.
  @inlinable
  public init(rule: Rule, plan: StepPlan<Rule>) {
    self.rule = rule
    self.plan = plan
  }

  /// This optimizer, evaluating only the loss in each step (no gradient): for pipelines of
  /// zeroth-order stages. The stages see a zero gradient.
  @inlinable
  public func withoutGradient() -> Self {
    var copy = self
    copy.needsGradient = false
    return copy
  }

  /// Fresh state at `parameters`; `seed` seeds every stage's random draws.
  public func makeState(
    parameters: ParameterVector, layout: ParameterLayout, seed: UInt64 = 0
  ) -> OptimizerState<Rule.State> {
    OptimizerState(
      context: StepContext(parameters: parameters, layout: layout, seed: seed),
      rule: makeChildState(rule, for: layout, base: mixSeed(seed, 0x0071)))
  }

  /// Fresh state at the model's initial parameters for `seed`.
  public func makeState<M: Model>(for model: M, seed: UInt64 = 0) -> OptimizerState<Rule.State> {
    makeState(parameters: model.initialParameters(seed: seed), layout: model.layout, seed: seed)
  }

  /// One step on `model`: batch, gradient, stages, update. Returns the loss at the parameters
  /// before the update.
  ///
  /// - Throws: ``NonFiniteValueError`` if the loss or the gradient is not finite (the step is
  ///   then not taken) or if an updated parameter would not be finite (such elements keep
  ///   their old values, so a NaN never reaches the parameters; the stages' state has advanced
  ///   — restore a snapshot or checkpoint to undo the step).
  @inlinable
  @discardableResult
  public func step<M: Model>(
    _ state: inout OptimizerState<Rule.State>, model: M, dataSeed: UInt64 = 0
  ) throws(NonFiniteValueError) -> Double {
    let batch = model.batch(step: state.context.step, seed: dataSeed)
    var objective = Objective(model: model, batch: batch)
    return try step(&state, objective: &objective)
  }

  /// One step using `objective` for every evaluation.
  @inlinable
  @discardableResult
  public func step(
    _ state: inout OptimizerState<Rule.State>, objective: inout Objective
  ) throws(NonFiniteValueError) -> Double {
    let before = objective.counts
    defer { state.evaluations = state.evaluations + (objective.counts - before) }
    var oracle = stepOracle(of: rule)  // SeedMethods/StepOracle.swift
    if !needsGradient && oracle == .lossAndGradient { oracle = .loss }
    var loss = Double.nan
    switch oracle {
    case .lossAndGradient:
      loss = objective.lossAndGradient(at: state.context.parameters, into: &state.context.gradient)
    case .loss: loss = objective.loss(at: state.context.parameters)
    case .nothing: break
    }
    if oracle != .lossAndGradient { state.context.gradient.fill(with: 0) }
    state.context.loss = loss
    let step = state.context.step
    guard loss.isFinite || oracle == .nothing else {
      throw NonFiniteValueError(step: step, quantity: .loss, stage: nil, segment: nil)
    }
    guard state.context.gradient.isFinite else {
      let segment = state.context.firstNonFiniteSegment(in: state.context.gradient)
      throw NonFiniteValueError(step: step, quantity: .gradient, stage: nil, segment: segment)
    }
    state.context.directionIsGradient = true
    state.context.beginUpdate()
    plan.run(rule, &state.context, &objective, &state.rule)
    if let report = state.context.nonFiniteReport {
      throw NonFiniteValueError(step: step, quantity: report.quantity, stage: report.stage)
    }
    if !state.context.commitUpdate() {
      let index = state.context.firstNonFiniteUpdate
      let segment = state.context.layout.segmentIndex(containing: index).map {
        state.context.layout.segments[$0].name
      }
      throw NonFiniteValueError(step: step, quantity: .update, stage: nil, segment: segment)
    }
    state.context.step += 1
    return oracle == .nothing ? state.context.loss : loss
  }

  /// Runs the stages on the gradient already in `state.context.gradient` and writes the
  /// update, without evaluating anything itself and without advancing the step (for timing
  /// the update alone). Returns whether every new parameter was finite.
  @inlinable
  public func update(_ state: inout OptimizerState<Rule.State>, objective: inout Objective) -> Bool
  {
    state.context.directionIsGradient = true
    state.context.beginUpdate()
    plan.run(rule, &state.context, &objective, &state.rule)
    return state.context.commitUpdate()
  }

  /// Scalars worth logging from the stages' state (learning rates, counters, …).
  public func summary(of state: OptimizerState<Rule.State>) -> [String: Double] {
    rule.summary(of: state.rule)
  }
}

extension Optimizer where Rule: ElementwiseUpdateRule {
  /// An optimizer from a block of elementwise stages: one pass per step.
  @inlinable
  public init(@OptimizerBuilder _ stages: () -> Rule) { self.init(rule: stages(), plan: .fused) }

  /// An optimizer from an elementwise rule: one pass per step.
  @inlinable
  public init(rule: Rule) { self.init(rule: rule, plan: .fused) }
}

extension Optimizer where Rule: StagePair, Rule.Second: ElementwiseUpdateRule {
  /// An optimizer from a block ending in an elementwise stage (fused with the update).
  @inlinable
  public init(@OptimizerBuilder _ stages: () -> Rule) {
    self.init(rule: stages(), plan: .chained)
  }

  /// An optimizer from a chain ending in an elementwise stage (fused with the update).
  @inlinable
  public init(rule: Rule) { self.init(rule: rule, plan: .chained) }
}

extension Optimizer where Rule: StagePair {
  /// An optimizer from a block ending in any stage (an erased last stage runs its program).
  @inlinable
  public init(@OptimizerBuilder _ stages: () -> Rule) {
    self.init(rule: stages(), plan: .chainedErased)
  }

  /// An optimizer from a chain ending in any stage (an erased last stage runs its program).
  @inlinable
  public init(rule: Rule) { self.init(rule: rule, plan: .chainedErased) }
}

/// Everything an optimizer carries between steps: the context (parameters, step, RNG, last
/// curvature estimate), every stage's state and the evaluation counts.
public struct OptimizerState<RuleState: Codable & Sendable>: Codable, Sendable {
  /// Parameters, step, random stream and latest curvature estimate.
  public var context: StepContext
  /// The stages' state (nested as the stages are).
  public var rule: RuleState
  /// Evaluations made so far by the optimizer and its estimators.
  public var evaluations = EvaluationCounts()

  /// The current parameters.
  public var parameters: ParameterVector { context.parameters }
  /// The number of completed steps.
  public var step: Int { context.step }

  @usableFromInline
  init(context: StepContext, rule: RuleState) {
    self.context = context
    self.rule = rule
  }
}

/// A loss, gradient or update that is NaN or infinite. No NaN or infinity is written into the
/// parameters.
public struct NonFiniteValueError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What was not finite.
  public enum Quantity: String, Sendable, Equatable {
    case loss, gradient, update, curvature
  }

  /// The step at which it happened.
  public var step: Int
  /// Which quantity.
  public var quantity: Quantity
  /// The stage that produced it, when known.
  public var stage: String?
  /// The first parameter segment holding a non-finite value, when known.
  public var segment: String?

  /// An error for `quantity` at `step`, naming the stage and segment when known.
  public init(step: Int, quantity: Quantity, stage: String? = nil, segment: String? = nil) {
    self.step = step
    self.quantity = quantity
    self.stage = stage
    self.segment = segment
  }

  public var description: String {
    var text = "non-finite \(quantity.rawValue) at step \(step)"
    if let stage { text += " in stage '\(stage)'" }
    if let segment { text += " (segment '\(segment)')" }
    switch quantity {
    case .update:
      return text + "; elements whose new value was not finite kept their old values"
    default:
      return text + "; parameters left unchanged"
    }
  }
}
