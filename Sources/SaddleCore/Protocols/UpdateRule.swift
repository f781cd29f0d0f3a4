/// One stage of an optimizer: transforms the step direction in place (optax style).
///
/// A rule keeps all its state in `State` (`Codable`), so an optimizer can be checkpointed,
/// resumed bit for bit and inspected. Rules that act elementwise should conform to
/// ``ElementwiseUpdateRule`` instead, so chains of them run as one pass over memory.
public protocol UpdateRule: SendableMetatype {
  /// Everything the rule remembers between steps.
  associatedtype State: Codable & Sendable = EmptyState

  /// Fresh state for parameters laid out as `layout`.
  func makeState(for layout: ParameterLayout) -> State

  /// Fresh state, for rules that draw random numbers at creation. Defaults to
  /// ``makeState(for:)``.
  func makeState(for layout: ParameterLayout, seed: UInt64) -> State

  /// Transforms `context.direction` (and may read everything else in the context). Rules that
  /// evaluate more points (SAM, saddle-free Newton) use `objective`, which counts them.
  func apply(to context: inout StepContext, objective: inout Objective, state: inout State)

  /// Applies the rule, then `θ ← θ − direction`. Elementwise rules fuse both into one pass;
  /// the default runs them one after the other.
  func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout State)

  /// Scalars worth logging from `state` (learning rate, step count, …), keyed by name.
  func summary(of state: State) -> [String: Double]
}

extension UpdateRule {
  @inlinable
  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    makeState(for: layout)
  }

  @inlinable
  public func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout State
  ) {
    apply(to: &context, objective: &objective, state: &state)
    context.updateParameters()
  }

  public func summary(of state: State) -> [String: Double] { [:] }
}

extension UpdateRule where State == EmptyState {
  public func makeState(for layout: ParameterLayout) -> EmptyState { EmptyState() }
}

/// The state of a rule that remembers nothing.
public struct EmptyState: Codable, Hashable, Sendable {
  /// The empty state.
  public init() {}
}
