/// An optional stage (from an `if` without `else` in the builder): applied when present.
extension Optional: UpdateRule where Wrapped: UpdateRule {
  public typealias State = Wrapped.State?

  public func makeState(for layout: ParameterLayout) -> State {
    self?.makeState(for: layout)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    self?.makeState(for: layout, seed: seed)
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    guard let rule = self, var inner = state else { return }
    state = nil
    rule.apply(to: &context, objective: &objective, state: &inner)
    state = inner
  }

  public func summary(of state: State) -> [String: Double] {
    guard let rule = self, let state else { return [:] }
    return rule.summary(of: state)
  }
}

/// One of two stages (from `if`/`else` in the builder), fixed when the optimizer is built.
public enum Either<First: UpdateRule, Second: UpdateRule>: UpdateRule {
  /// The `if` branch.
  case first(First)
  /// The `else` branch.
  case second(Second)

  public typealias State = EitherState<First.State, Second.State>

  public func makeState(for layout: ParameterLayout) -> State {
    makeState(for: layout, seed: 0)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    switch self {
    case .first(let r): return .first(r.makeState(for: layout, seed: seed))
    case .second(let r): return .second(r.makeState(for: layout, seed: seed))
    }
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    switch (self, state) {
    case (.first(let r), .first(var s)):
      r.apply(to: &context, objective: &objective, state: &s)
      state = .first(s)
    case (.second(let r), .second(var s)):
      r.apply(to: &context, objective: &objective, state: &s)
      state = .second(s)
    default:
      preconditionFailure("Either: state does not match the branch")
    }
  }

  public func summary(of state: State) -> [String: Double] {
    switch (self, state) {
    case (.first(let r), .first(let s)): return r.summary(of: s)
    case (.second(let r), .second(let s)): return r.summary(of: s)
    default: return [:]
    }
  }
}

/// The state of an ``Either`` stage.
public enum EitherState<First: Codable & Sendable, Second: Codable & Sendable>: Codable, Sendable {
  /// The `if` branch's state.
  case first(First)
  /// The `else` branch's state.
  case second(Second)
}

/// Stages from a `for` loop in the builder, applied in order.
public struct StageArray<Element: UpdateRule>: UpdateRule {
  /// The stages, in order.
  public var stages: [Element]

  /// Stages applied in order.
  public init(_ stages: [Element]) { self.stages = stages }

  public func makeState(for layout: ParameterLayout) -> [Element.State] {
    makeState(for: layout, seed: 0)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> [Element.State] {
    stages.indices.map { stages[$0].makeState(for: layout, seed: mixSeed(seed, UInt64($0) + 1)) }
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout [Element.State]
  ) {
    for i in stages.indices {
      stages[i].apply(to: &context, objective: &objective, state: &state[i])
    }
  }

  public func summary(of state: [Element.State]) -> [String: Double] {
    var all: [String: Double] = [:]
    for i in stages.indices {
      for (k, v) in stages[i].summary(of: state[i]) { all["\(i).\(k)"] = v }
    }
    return all
  }
}

/// The identity stage (an empty block).
public struct Identity: ElementwiseUpdateRule {
  /// The identity stage.
  public init() {}

  public func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel { Kernel() }

  /// Leaves the direction unchanged.
  public struct Kernel: ElementwiseKernel {
    @inlinable init() {}
    @inlinable
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {}
    @inlinable
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {}
  }
}
