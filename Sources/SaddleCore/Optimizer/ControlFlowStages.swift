/// An optional stage (from an `if` without `else` in the builder): applied when present.
extension Optional: UpdateRule where Wrapped: UpdateRule {
  public typealias State = Wrapped.State?

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    self.map { makeChildState($0, for: layout, base: seed) }
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    guard let rule = self, state != nil else { return }
    rule.apply(to: &context, objective: &objective, state: &state!)
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

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    switch self {
    case .first(let r): return .first(makeChildState(r, for: layout, base: seed))
    case .second(let r): return .second(makeChildState(r, for: layout, base: seed))
    }
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    // `consume` moves the state out so its buffers stay uniquely referenced (no copy).
    switch (self, consume state) {
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

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> [Element.State] {
    var offset = 0
    return stages.map { stage in
      defer { offset += stageCount(of: stage) }
      return makeChildState(stage, for: layout, base: seed, offset: offset)
    }
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

    public func lower(into program: inout ElementwiseProgram) -> Bool { true }
  }
}

// MARK: - Elementwise capability, inherited from the wrapped stages

extension Optional: ElementwiseUpdateRule where Wrapped: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout State) -> GatedKernel<
    Wrapped.Kernel
  > {
    guard let rule = self, state != nil else { return GatedKernel(nil) }
    return GatedKernel(rule.makeKernel(for: context, state: &state!))
  }
}

extension Either: ElementwiseUpdateRule
where First: ElementwiseUpdateRule, Second: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout State) -> EitherKernel<
    First.Kernel, Second.Kernel
  > {
    // `consume` moves the state out so its buffers stay uniquely referenced (no copy).
    switch (self, consume state) {
    case (.first(let r), .first(var s)):
      let k = r.makeKernel(for: context, state: &s)
      state = .first(s)
      return .first(k)
    case (.second(let r), .second(var s)):
      let k = r.makeKernel(for: context, state: &s)
      state = .second(s)
      return .second(k)
    default:
      preconditionFailure("Either: state does not match the branch")
    }
  }
}

/// The kernel of an ``Either`` stage: one branch's kernel, fixed when the optimizer is built.
public enum EitherKernel<First: ElementwiseKernel, Second: ElementwiseKernel>:
  ElementwiseKernel
{
  /// The `if` branch's kernel.
  case first(First)
  /// The `else` branch's kernel.
  case second(Second)

  @inlinable @inline(__always)
  public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
    switch self {
    case .first(let k): k.apply(&direction, parameters: parameters, at: index)
    case .second(let k): k.apply(&direction, parameters: parameters, at: index)
    }
  }

  @inlinable @inline(__always)
  public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
    switch self {
    case .first(let k): k.apply(&direction, parameter: parameter, at: index)
    case .second(let k): k.apply(&direction, parameter: parameter, at: index)
    }
  }

  public func lower(into program: inout ElementwiseProgram) -> Bool {
    switch self {
    case .first(let k): k.lower(into: &program)
    case .second(let k): k.lower(into: &program)
    }
  }
}

extension StageArray: ElementwiseUpdateRule where Element: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout [Element.State])
    -> ArrayKernel<Element.Kernel>
  {
    let kernels = KernelList<Element.Kernel>(count: stages.count)
    for i in stages.indices {
      (kernels.pointer + i).initialize(to: stages[i].makeKernel(for: context, state: &state[i]))
    }
    return ArrayKernel(kernels)
  }
}

/// The kernels of a ``StageArray``'s stages, applied in order lane by lane.
public struct ArrayKernel<Element: ElementwiseKernel>: ElementwiseKernel {
  @usableFromInline let list: KernelList<Element>

  @inlinable
  init(_ list: KernelList<Element>) { self.list = list }

  @inlinable @inline(__always)
  public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
    for k in 0..<list.count { list.pointer[k].apply(&direction, parameters: parameters, at: index) }
  }

  @inlinable @inline(__always)
  public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
    for k in 0..<list.count { list.pointer[k].apply(&direction, parameter: parameter, at: index) }
  }

  public func lower(into program: inout ElementwiseProgram) -> Bool {
    for k in 0..<list.count where !list.pointer[k].lower(into: &program) { return false }
    return true
  }
}

/// A fixed number of kernels in one allocation (one per step for a `for` stage).
@usableFromInline
final class KernelList<Element>: @unchecked Sendable {
  @usableFromInline let pointer: UnsafeMutablePointer<Element>
  @usableFromInline let count: Int

  init(count: Int) {
    self.count = count
    pointer = .allocate(capacity: Swift.max(1, count))
  }

  deinit {
    pointer.deinitialize(count: count)
    pointer.deallocate()
  }
}

extension Optional: StageContainer where Wrapped: UpdateRule {
  var leafStageCount: Int { self.map { stageCount(of: $0) } ?? 0 }
}

extension Either: StageContainer {
  var leafStageCount: Int {
    switch self {
    case .first(let r): return stageCount(of: r)
    case .second(let r): return stageCount(of: r)
    }
  }
}

extension StageArray: StageContainer {
  var leafStageCount: Int { stages.reduce(0) { $0 + stageCount(of: $1) } }
}
