/// A stage applied only on every `period`-th step (steps `offset`, `offset + period`, …).
///
/// `Dimer().every(10)` refreshes the curvature estimate every ten steps; in between, the last
/// estimate stays in the context (DEO's "non-stepwise" updates).
public struct Every<Base: UpdateRule>: UpdateRule {
  /// The wrapped stage.
  public var base: Base
  /// Apply on steps where `(step − offset) mod period == 0`.
  public var period: Int
  /// The first step on which the stage runs.
  public var offset: Int

  /// `base` every `period` steps, starting at `offset`.
  public init(_ base: Base, period: Int, offset: Int = 0) {
    precondition(period >= 1, "every: period must be at least 1, got \(period)")
    self.base = base
    self.period = period
    self.offset = offset
  }

  /// Whether the stage runs at `step`.
  @inlinable
  public func isActive(at step: Int) -> Bool {
    step >= offset && (step - offset) % period == 0
  }

  public func makeState(for layout: ParameterLayout) -> Base.State {
    base.makeState(for: layout)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> Base.State {
    base.makeState(for: layout, seed: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout Base.State
  ) {
    if isActive(at: context.step) { base.apply(to: &context, objective: &objective, state: &state) }
  }

  public func summary(of state: Base.State) -> [String: Double] { base.summary(of: state) }
}

/// A stage applied only from step `start` on.
public struct After<Base: UpdateRule>: UpdateRule {
  /// The wrapped stage.
  public var base: Base
  /// The first step on which the stage runs.
  public var start: Int

  /// `base` from step `start` on.
  public init(_ base: Base, start: Int) {
    self.base = base
    self.start = start
  }

  public func makeState(for layout: ParameterLayout) -> Base.State { base.makeState(for: layout) }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> Base.State {
    base.makeState(for: layout, seed: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout Base.State
  ) {
    if context.step >= start { base.apply(to: &context, objective: &objective, state: &state) }
  }

  public func summary(of state: Base.State) -> [String: Double] { base.summary(of: state) }
}

/// A stage whose state and metrics are filed under `name` (the key in checkpoints and logs).
public struct Named<Base: UpdateRule>: UpdateRule {
  /// The wrapped stage.
  public var base: Base
  /// The stage's name.
  public var name: String

  /// `base` named `name`.
  public init(_ base: Base, name: String) {
    self.base = base
    self.name = name
  }

  public func makeState(for layout: ParameterLayout) -> NamedState<Base.State> {
    NamedState(name: name, state: base.makeState(for: layout))
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> NamedState<Base.State> {
    NamedState(name: name, state: base.makeState(for: layout, seed: seed))
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout NamedState<Base.State>
  ) {
    base.apply(to: &context, objective: &objective, state: &state.state)
  }

  public func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout NamedState<Base.State>
  ) {
    base.applyAndUpdateParameters(to: &context, objective: &objective, state: &state.state)
  }

  public func summary(of state: NamedState<Base.State>) -> [String: Double] {
    var out: [String: Double] = [:]
    for (k, v) in base.summary(of: state.state) { out["\(name).\(k)"] = v }
    return out
  }
}

/// The state of a ``Named`` stage, keyed by its name when encoded.
public struct NamedState<Base: Codable & Sendable>: Codable, Sendable {
  /// The stage's name.
  public var name: String
  /// The wrapped stage's state.
  public var state: Base
}

/// A stage restricted to some parameter segments (optax's `masked`): the direction outside
/// them is left as it was. The wrapped stage sees the whole context; what it writes outside
/// the segments is undone.
public struct Masked<Base: UpdateRule>: UpdateRule {
  /// The wrapped stage.
  public var base: Base
  /// Names of the segments the stage acts on.
  public var segmentNames: Set<String>

  /// `base` acting on the segments named in `segmentNames`.
  public init(_ base: Base, segments: Set<String>) {
    self.base = base
    segmentNames = segments
  }

  /// The wrapped stage's state (the scratch copy of the direction is not encoded).
  public struct State: Codable, Sendable {
    /// The wrapped stage's state.
    public var base: Base.State
    /// Scratch copy of the direction (not encoded).
    var saved: ParameterVector?

    enum CodingKeys: String, CodingKey { case base }

    init(base: Base.State) { self.base = base }
  }

  public func makeState(for layout: ParameterLayout) -> State {
    State(base: base.makeState(for: layout))
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(base: base.makeState(for: layout, seed: seed))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    if state.saved?.count != context.direction.count {
      state.saved = ParameterVector(count: context.direction.count)
    }
    state.saved!.assign(context.direction)
    base.apply(to: &context, objective: &objective, state: &state.base)
    let saved = state.saved!
    for segment in context.layout.segments where !segmentNames.contains(segment.name) {
      let d = context.direction.unsafeMutableBaseAddress()
      let s = saved.unsafeBaseAddress
      for i in segment.range { d[i] = s[i] }
    }
    withExtendedLifetime(saved) {}
  }

  public func summary(of state: State) -> [String: Double] { base.summary(of: state.base) }
}

extension UpdateRule {
  /// Applies the stage only every `period` steps, starting at `offset`.
  public func every(_ period: Int, offset: Int = 0) -> Every<Self> {
    Every(self, period: period, offset: offset)
  }

  /// Applies the stage only from step `start` on.
  public func after(_ start: Int) -> After<Self> { After(self, start: start) }

  /// Files the stage's state and metrics under `name`.
  public func named(_ name: String) -> Named<Self> { Named(self, name: name) }

  /// Restricts the stage to the segments named in `segments`.
  public func on(segments: Set<String>) -> Masked<Self> { Masked(self, segments: segments) }
}

extension CurvatureEstimator {
  /// Runs the estimator as a stage every `period` steps.
  public func every(_ period: Int, offset: Int = 0) -> Every<EstimatorStage<Self>> {
    Every(EstimatorStage(self), period: period, offset: offset)
  }

  /// Runs the estimator as a stage from step `start` on.
  public func after(_ start: Int) -> After<EstimatorStage<Self>> {
    After(EstimatorStage(self), start: start)
  }

  /// Files the estimator's state under `name`.
  public func named(_ name: String) -> Named<EstimatorStage<Self>> {
    Named(EstimatorStage(self), name: name)
  }
}
