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

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> Base.State {
    makeChildState(base, for: layout, base: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout Base.State
  ) {
    if isActive(at: context.step) { base.apply(to: &context, objective: &objective, state: &state) }
  }

  public func summary(of state: Base.State) -> [String: Double] { base.summary(of: state) }
}

/// A stage applied only from step `start` on.
///
/// Before step `start` the stage is not applied at all: its state does not advance and the
/// direction passes through unchanged (the identity). So `Adam(...).after(100)` alone would
/// step by the raw gradient at rate 1 for the first 100 steps; gate stages that *modify* a
/// step (weight decay, a curvature estimator, a projection, a perturbation) and leave the
/// step-size rule ungated — for a delayed or ramped learning rate use a schedule
/// (``LearningRate``).
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

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> Base.State {
    makeChildState(base, for: layout, base: seed)
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

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> NamedState<Base.State> {
    NamedState(name: name, state: makeChildState(base, for: layout, base: seed))
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout NamedState<Base.State>
  ) {
    base.apply(to: &context, objective: &objective, state: &state.state)
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
/// them is left as it was. The wrapped stage sees the whole context (its per-element state
/// advances everywhere); what it writes to the direction outside the segments is undone. For
/// an elementwise stage this happens inside the fused pass (a per-segment range check).
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
    /// The flat ranges of the included segments, for the fused kernel (not encoded).
    var included: SegmentRanges?

    enum CodingKeys: String, CodingKey { case base }

    init(base: Base.State) { self.base = base }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(base: makeChildState(base, for: layout, base: seed))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    if state.saved?.count != context.direction.count {
      state.saved = ParameterVector(count: context.direction.count)
    }
    context.passCount &+= 1
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

// MARK: - Elementwise capability, inherited from the wrapped stage

/// The kernel of a stage that may be off in this step (``Every``, ``After``, an absent
/// `if` branch): the wrapped kernel, or the identity.
public struct GatedKernel<Base: ElementwiseKernel>: ElementwiseKernel {
  /// The wrapped kernel when the stage runs in this step.
  public let base: Base?

  /// `base`, or the identity when `nil`.
  @inlinable
  public init(_ base: Base?) { self.base = base }

  @inlinable @inline(__always)
  public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
    if let base { base.apply(&direction, parameters: parameters, at: index) }
  }

  @inlinable @inline(__always)
  public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
    if let base { base.apply(&direction, parameter: parameter, at: index) }
  }

  public func lower(into program: inout ElementwiseProgram) -> Bool {
    base?.lower(into: &program) ?? true
  }
}

extension Every: ElementwiseUpdateRule where Base: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout Base.State) -> GatedKernel<
    Base.Kernel
  > {
    GatedKernel(isActive(at: context.step) ? base.makeKernel(for: context, state: &state) : nil)
  }
}

extension After: ElementwiseUpdateRule where Base: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout Base.State) -> GatedKernel<
    Base.Kernel
  > {
    GatedKernel(context.step >= start ? base.makeKernel(for: context, state: &state) : nil)
  }
}

extension Named: ElementwiseUpdateRule where Base: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout NamedState<Base.State>)
    -> Base.Kernel
  {
    base.makeKernel(for: context, state: &state.state)
  }
}

extension Masked: ElementwiseUpdateRule where Base: ElementwiseUpdateRule {
  public func makeKernel(for context: StepContext, state: inout State) -> MaskedKernel<
    Base.Kernel
  > {
    if state.included == nil || state.included!.layoutCount != context.layout.count {
      state.included = SegmentRanges(
        context.layout.segments.filter { segmentNames.contains($0.name) }.map(\.range),
        layoutCount: context.layout.count)
    }
    let ranges = state.included!
    return MaskedKernel(
      base: base.makeKernel(for: context, state: &state.base), bounds: ranges.bounds,
      count: ranges.count)
  }
}

/// The kernel of a ``Masked`` elementwise stage: the wrapped kernel's result inside the
/// included segments, the incoming direction elsewhere.
public struct MaskedKernel<Base: ElementwiseKernel>: ElementwiseKernel {
  @usableFromInline let base: Base
  /// `[lo₀, hi₀, lo₁, hi₁, …]`, the included flat ranges.
  @usableFromInline let bounds: UnsafePointer<Int>
  @usableFromInline let count: Int

  @inlinable
  init(base: Base, bounds: UnsafePointer<Int>, count: Int) {
    self.base = base
    self.bounds = bounds
    self.count = count
  }

  @inlinable
  func contains(_ index: Int) -> Bool {
    for k in 0..<count where index >= bounds[2 * k] && index < bounds[2 * k + 1] { return true }
    return false
  }

  @inlinable @inline(__always)
  public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
    var result = direction
    base.apply(&result, parameters: parameters, at: index)
    for k in 0..<count {
      let lo = bounds[2 * k]
      let hi = bounds[2 * k + 1]
      if index >= lo && index + 8 <= hi {
        direction = result
        return
      }
      if index < hi && index + 8 > lo {
        // A segment boundary inside these 8 lanes: decide lane by lane.
        for lane in 0..<8 where contains(index + lane) { direction[lane] = result[lane] }
        return
      }
    }
  }

  @inlinable @inline(__always)
  public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
    var result = direction
    base.apply(&result, parameter: parameter, at: index)
    if contains(index) { direction = result }
  }
}

/// Flat index ranges kept in one allocation, for kernels that test membership per element.
final class SegmentRanges: @unchecked Sendable {
  let bounds: UnsafeMutablePointer<Int>
  let count: Int
  let layoutCount: Int

  init(_ ranges: [Range<Int>], layoutCount: Int) {
    count = ranges.count
    self.layoutCount = layoutCount
    bounds = .allocate(capacity: Swift.max(1, 2 * ranges.count))
    for (k, r) in ranges.enumerated() {
      bounds[2 * k] = r.lowerBound
      bounds[2 * k + 1] = r.upperBound
    }
  }

  deinit { bounds.deallocate() }
}

extension Every: StageContainer {
  var leafStageCount: Int { stageCount(of: base) }
}

extension After: StageContainer {
  var leafStageCount: Int { stageCount(of: base) }
}

extension Named: StageContainer {
  var leafStageCount: Int { stageCount(of: base) }
}

extension Masked: StageContainer {
  var leafStageCount: Int { stageCount(of: base) }
}
