/// One stage of an optimizer: transforms the step direction in place (optax style).
///
/// A rule needs three things: fresh (seeded) state, `apply`, and — optionally — a `summary`
/// of its state for logs. All its state is in `State` (`Codable`), so an optimizer can be
/// checkpointed, resumed bit for bit and inspected.
///
/// How the stages run over memory is the ``Optimizer``'s job, not the rule's: a rule that
/// acts elementwise declares that capability by conforming to ``ElementwiseUpdateRule``, and
/// the optimizer runs consecutive elementwise stages — with the final `θ ← θ − direction` —
/// as one pass.
public protocol UpdateRule: SendableMetatype {
  /// Everything the rule remembers between steps.
  associatedtype State: Codable & Sendable = EmptyState

  /// Fresh state for parameters laid out as `layout`. `seed` is this stage's own random
  /// stream, derived from the optimizer's seed and the stage's position in the flat list of stages;
  /// rules that draw no random numbers ignore it.
  func makeState(for layout: ParameterLayout, seed: UInt64) -> State

  /// Transforms `context.direction` (and may read everything else in the context). Rules that
  /// evaluate more points (SAM, saddle-free Newton) use `objective`, which counts them.
  func apply(to context: inout StepContext, objective: inout Objective, state: inout State)

  /// Scalars worth logging from `state` (learning rate, step count, …), keyed by name.
  func summary(of state: State) -> [String: Double]
}

extension UpdateRule {
  public func summary(of state: State) -> [String: Double] { [:] }
}

extension UpdateRule where State == EmptyState {
  public func makeState(for layout: ParameterLayout, seed: UInt64) -> EmptyState { EmptyState() }
}

/// The state of a rule that remembers nothing.
public struct EmptyState: Codable, Hashable, Sendable {
  /// The empty state.
  public init() {}
}
