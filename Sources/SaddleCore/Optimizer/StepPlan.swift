/// How an ``Optimizer`` runs its stages in one step, planned once when the optimizer is built.
///
/// - ``fused``: the whole pipeline is elementwise (plain stages, ``FusedChain``s, and wrappers
///   and control flow around them): one pass over memory computes every stage and writes
///   `θ ← θ − d`.
/// - ``chained``: a ``Chain`` whose last stage is elementwise: the stages before it run, then
///   the elementwise tail and the update run as one pass.
/// - ``sequential``: anything else: the stages run in order and `θ ← θ − d` is its own pass —
///   except for erased pipelines (``DynamicChain``, ``AnyUpdateRule``), which carry a block
///   program of their own (consecutive erased elementwise stages in one blocked pass).
///
/// The builder picks the plan from the static type of the stages, so `Optimizer { … }` and
/// `Optimizer(rule:)` with a concrete type are planned without any work per step. An optimizer
/// built from a rule whose type is only known as a generic parameter gets ``sequential``.
public struct StepPlan<Rule: UpdateRule>: Sendable {
  /// Runs every stage and writes the update (or leaves it to the optimizer's final pass).
  @usableFromInline
  let run: @Sendable (Rule, inout StepContext, inout Objective, inout Rule.State) -> Void

  @inlinable
  init(
    _ run: @escaping @Sendable (Rule, inout StepContext, inout Objective, inout Rule.State) -> Void
  ) {
    self.run = run
  }

  /// Stages one after the other, then `θ ← θ − d` as a separate pass (an erased pipeline runs
  /// its own block program instead).
  @inlinable
  public static var sequential: StepPlan {
    StepPlan { rule, context, objective, state in
      runAsLastStage(rule, context: &context, objective: &objective, state: &state)
    }
  }
}

extension StepPlan where Rule: ElementwiseUpdateRule {
  /// The whole pipeline and the update in one pass over memory.
  @inlinable
  public static var fused: StepPlan {
    StepPlan { rule, context, _, state in
      context.runFinalElementwise(rule.makeKernel(for: context, state: &state))
    }
  }
}

extension StepPlan where Rule: StagePair, Rule.Second: ElementwiseUpdateRule {
  /// `first`'s stages, then `second` fused with the update in one pass.
  @inlinable
  public static var chained: StepPlan {
    StepPlan { rule, context, objective, state in
      rule.first.apply(to: &context, objective: &objective, state: &state.first)
      context.runFinalElementwise(rule.second.makeKernel(for: context, state: &state.second))
    }
  }
}

extension StepPlan where Rule: StagePair {
  /// `first`'s stages, then `second` as the last stage (fused with the update when it is an
  /// erased pipeline that can be).
  @inlinable
  public static var chainedErased: StepPlan {
    StepPlan { rule, context, objective, state in
      rule.first.apply(to: &context, objective: &objective, state: &state.first)
      runAsLastStage(rule.second, context: &context, objective: &objective, state: &state.second)
    }
  }
}

/// A rule made of two stages run one after the other (``Chain``), which the executor can
/// split to fuse the second with the update.
public protocol StagePair: UpdateRule where State == ChainState<First.State, Second.State> {
  /// The stage run first.
  associatedtype First: UpdateRule
  /// The stage run second.
  associatedtype Second: UpdateRule
  /// The stage run first.
  var first: First { get }
  /// The stage run second.
  var second: Second { get }
}

extension Chain: StagePair {}

/// Runs `rule` as the last stage of a step: an erased rule or chain runs its block program
/// (which writes the update when it ends in elementwise stages); any other rule just applies,
/// leaving the update to the optimizer.
@inlinable
func runAsLastStage<R: UpdateRule>(
  _ rule: R, context: inout StepContext, objective: inout Objective, state: inout R.State
) {
  if let erased = rule as? AnyUpdateRule {
    withUnsafeMutablePointer(to: &state) { pointer in
      pointer.withMemoryRebound(to: AnyRuleState.self, capacity: 1) {
        erased.runAsLastStage(context: &context, objective: &objective, state: &$0.pointee)
      }
    }
  } else if let chain = rule as? DynamicChain {
    withUnsafeMutablePointer(to: &state) { pointer in
      pointer.withMemoryRebound(to: [AnyRuleState].self, capacity: 1) {
        chain.run(context: &context, objective: &objective, state: &$0.pointee, last: true)
      }
    }
  } else {
    rule.apply(to: &context, objective: &objective, state: &state)
  }
}
