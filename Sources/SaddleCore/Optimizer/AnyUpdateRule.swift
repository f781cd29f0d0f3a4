import Foundation

/// A type-erased stage, for stages chosen at run time (JSON specs, `for` loops over
/// `[any UpdateRule]`).
///
/// Its state stays typed inside a copy-on-write box, so a step neither copies nor allocates.
/// Decoded state (from a checkpoint) is kept as JSON until the stage first runs, when it is
/// decoded as the wrapped rule's `State`.
///
/// Erasure keeps what the executor needs: an elementwise rule erased with its static type
/// known brings a specialized lane program, so consecutive erased elementwise stages of a
/// ``DynamicChain`` run as one blocked pass at the speed of the statically fused chain; an
/// erased optimizer (``init(planned:)``) keeps its ``StepPlan``.
public struct AnyUpdateRule: UpdateRule {
  @usableFromInline let box: any AnyRuleBox

  @inlinable
  init(box: any AnyRuleBox) { self.box = box }

  /// Erases `rule`. An existential (`any UpdateRule`) is opened into this initializer; an
  /// elementwise rule whose static type is not known here still joins blocked passes, through
  /// unspecialized (slower) kernel calls — erase concrete types where you can.
  ///
  /// There is deliberately no `init(_: any UpdateRule)`: Swift ranks an existential overload
  /// above generic ones, so it would capture every call and lose the elementwise kernels.
  @inlinable
  public init<R: UpdateRule>(_ rule: R) {
    if let already = rule as? AnyUpdateRule {
      box = already.box
    } else if let elementwise = rule as? any ElementwiseUpdateRule {
      func open<E: ElementwiseUpdateRule>(_ e: E) -> any AnyRuleBox {
        RuleBox(e, plan: .fused, lanes: { ErasedLanes.make(e) })
      }
      box = open(elementwise)
    } else {
      box = RuleBox(rule, plan: .sequential, lanes: nil)
    }
  }

  /// Erases an elementwise `rule`, keeping its specialized kernel so that consecutive erased
  /// elementwise stages still run as one blocked pass (see ``DynamicChain``). Inlinable, so a
  /// rule defined in another module runs specialized, at its DSL speed.
  @inlinable
  public init<R: ElementwiseUpdateRule>(_ rule: R) {
    box = RuleBox(rule, plan: .fused, lanes: { ErasedLanes.make(rule) })
  }

  /// Erases a whole optimizer's stages together with its ``StepPlan`` (a preset registered by
  /// name keeps its fused passes).
  @inlinable
  public init<R: UpdateRule>(planned optimizer: Optimizer<R>) {
    if let already = optimizer.rule as? AnyUpdateRule {
      box = already.box
    } else {
      box = RuleBox(optimizer.rule, plan: optimizer.plan, lanes: nil)
    }
  }

  /// The wrapped rule.
  public var base: any UpdateRule { box.base }

  /// Whether the wrapped rule can join a blocked fused pass (it is elementwise and was erased
  /// with its static type known, or is a wrapper around such a stage).
  public var isElementwise: Bool { box.makeLanes != nil }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState {
    box.makeState(for: layout, base: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState
  ) {
    box.apply(to: &context, objective: &objective, state: &state, last: false)
  }

  /// Runs the stage as the last of a step, with the wrapped rule's plan (fusing the update
  /// when it can).
  public func runAsLastStage(
    context: inout StepContext, objective: inout Objective, state: inout AnyRuleState
  ) {
    box.apply(to: &context, objective: &objective, state: &state, last: true)
  }

  public func summary(of state: AnyRuleState) -> [String: Double] { box.summary(of: state) }
}

extension AnyUpdateRule: StageContainer {
  var leafStageCount: Int { box.leafStageCount }
}

// MARK: - Wrappers that keep the lane program

extension AnyUpdateRule {
  /// Applies the stage only every `period` steps, starting at `offset` (still fusable).
  public func every(_ period: Int, offset: Int = 0) -> AnyUpdateRule {
    let wrapped = Every(self, period: period, offset: offset)
    return gated(wrapped, state: \AnyRuleState.self) { wrapped.isActive(at: $0.step) }
  }

  /// Applies the stage only from step `start` on (still fusable); before, the identity.
  public func after(_ start: Int) -> AnyUpdateRule {
    gated(After(self, start: start), state: \AnyRuleState.self) { $0.step >= start }
  }

  /// Files the stage's state and metrics under `name` (still fusable).
  public func named(_ name: String) -> AnyUpdateRule {
    gated(Named(self, name: name), state: \NamedState<AnyRuleState>.state) { _ in true }
  }

  /// `wrapper` (around this rule) with this rule's lane program behind a per-step gate: the
  /// wrapper's state `W.State` holds the inner state at `path`, and the stage acts in a step
  /// only when `isActive` says so (the gate is a scalar test per step, not a pass).
  private func gated<W: UpdateRule>(
    _ wrapper: W, state path: WritableKeyPath<W.State, AnyRuleState>,
    isActive: @escaping (StepContext) -> Bool
  ) -> AnyUpdateRule {
    return AnyUpdateRule(
      box: RuleBox(
        wrapper, plan: .sequential,
        lanes: box.makeLanes.map { make in
          {
            let lanes = make()
            return ErasedLanes(
              prepare: { context, state in
                let storage = state.typedStorage(W.State.self)
                guard isActive(context) else { return false }
                return lanes.prepare(context, &storage.value[keyPath: path])
              }, apply: lanes.apply, update: lanes.update, lower: lanes.lower)
          }
        }))
  }

  /// Restricts the stage to the segments named in `segments` (still fusable: the mask is a
  /// per-segment range check inside the blocked pass).
  public func on(segments: Set<String>) -> AnyUpdateRule {
    let wrapped = Masked(self, segments: segments)
    let inner = box.makeLanes
    return AnyUpdateRule(
      box: RuleBox(
        wrapped, plan: .sequential,
        lanes: inner.map { make in
          {
            let lanes = make()
            let table = RangeTableSlot()
            return ErasedLanes(
              prepare: { context, state in
                let storage = state.typedStorage(Masked<AnyUpdateRule>.State.self)
                if table.ranges?.layoutCount != context.layout.count {
                  table.ranges = SegmentRanges(
                    context.layout.segments.filter { segments.contains($0.name) }.map(\.range),
                    layoutCount: context.layout.count)
                }
                return lanes.prepare(context, &storage.value.base)
              },
              apply: { source, d, p, range in
                lanes.apply(source, d, p, range)
                // Undo what the stage wrote outside the included segments (source ≠ d here).
                let ranges = table.ranges!
                var i = range.lowerBound
                var k = 0
                while i < range.upperBound {
                  while k < ranges.count && ranges.bounds[2 * k + 1] <= i { k += 1 }
                  let inside = k < ranges.count && ranges.bounds[2 * k] <= i
                  let end =
                    k < ranges.count
                    ? Swift.min(
                      range.upperBound, inside ? ranges.bounds[2 * k + 1] : ranges.bounds[2 * k])
                    : range.upperBound
                  if !inside { (d + i).update(from: source + i, count: end - i) }
                  i = end
                }
              }, update: nil, lower: { _ in false })
          }
        }))
  }
}

/// Holds a ``SegmentRanges`` computed on the first step of a masked erased stage.
final class RangeTableSlot: @unchecked Sendable {
  var ranges: SegmentRanges?
}

// MARK: - Boxes

@usableFromInline
protocol AnyRuleBox: Sendable {
  var base: any UpdateRule { get }
  var leafStageCount: Int { get }
  /// Creates a fresh lane program for the wrapped rule (one per planned pipeline and state),
  /// or `nil` if it is not elementwise.
  var makeLanes: (() -> ErasedLanes)? { get }
  func makeState(for layout: ParameterLayout, base: UInt64) -> AnyRuleState
  func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState,
    last: Bool)
  func summary(of state: AnyRuleState) -> [String: Double]
}

/// An erased elementwise stage's program over raw blocks, planned once and reused every step.
///
/// `prepare` advances the stage's per-step state and stores its kernel (returns whether the
/// stage acts in this step); `apply` writes `d[r] ← kernel(source[r], θ[r])` (`source ≠ d`);
/// `update`, when present, writes `θ[r] ← θ[r] − s·kernel(source[r], θ[r])` in place and
/// returns the first non-finite index or −1; `lower` appends the prepared kernel's C form to a
/// block program (see ``ElementwiseKernel/lower(into:)``).
@usableFromInline
final class ErasedLanes: @unchecked Sendable {
  @usableFromInline let prepare: (StepContext, inout AnyRuleState) -> Bool
  @usableFromInline let apply:
    (
      UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
      Range<Int>
    ) -> Void
  @usableFromInline let update:
    ((UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>, Float) -> Int)?
  @usableFromInline let lower: (inout ElementwiseProgram) -> Bool

  @inlinable
  init(
    prepare: @escaping (StepContext, inout AnyRuleState) -> Bool,
    apply:
      @escaping (
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
        Range<Int>
      ) -> Void,
    update: (
      (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>, Float) -> Int
    )?,
    lower: @escaping (inout ElementwiseProgram) -> Bool
  ) {
    self.prepare = prepare
    self.apply = apply
    self.update = update
    self.lower = lower
  }

  /// The lane program of `rule`, specialized for its kernel (inlinable: specialized in the
  /// module that erases the rule).
  @inlinable
  static func make<R: ElementwiseUpdateRule>(_ rule: R) -> ErasedLanes {
    let slot = KernelSlot<R.Kernel>()
    return ErasedLanes(
      prepare: { context, state in
        let storage = state.typedStorage(R.State.self)
        slot.kernel = rule.makeKernel(for: context, state: &storage.value)
        return true
      },
      apply: { source, d, p, range in
        elementwisePass(slot.kernel.unsafelyUnwrapped, source, d, p, range)
      },
      update: { source, p, range, scale in
        fusedUpdatePass(slot.kernel.unsafelyUnwrapped, source, p, range, scale: scale)
      },
      lower: { slot.kernel.unsafelyUnwrapped.lower(into: &$0) })
  }
}

/// This step's kernel of one erased stage (reused every step: no allocation).
@usableFromInline
final class KernelSlot<K: ElementwiseKernel>: @unchecked Sendable {
  @usableFromInline var kernel: K?
  @inlinable init() {}
}

@usableFromInline
struct RuleBox<R: UpdateRule>: AnyRuleBox, @unchecked Sendable {
  @usableFromInline let rule: R
  @usableFromInline let plan: StepPlan<R>
  @usableFromInline let makeLanes: (() -> ErasedLanes)?

  @inlinable
  init(_ rule: R, plan: StepPlan<R>, lanes: (() -> ErasedLanes)?) {
    self.rule = rule
    self.plan = plan
    self.makeLanes = lanes
  }

  @usableFromInline var base: any UpdateRule { rule }
  @usableFromInline var leafStageCount: Int { stageCount(of: rule) }

  @usableFromInline
  func makeState(for layout: ParameterLayout, base: UInt64) -> AnyRuleState {
    AnyRuleState(storage: TypedStateStorage(makeChildState(rule, for: layout, base: base)))
  }

  @usableFromInline
  func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState,
    last: Bool
  ) {
    let storage = state.typedStorage(R.State.self)
    if last {
      plan.run(rule, &context, &objective, &storage.value)
    } else {
      rule.apply(to: &context, objective: &objective, state: &storage.value)
    }
  }

  @usableFromInline
  func summary(of state: AnyRuleState) -> [String: Double] {
    guard let typed = state.storage as? TypedStateStorage<R.State> else { return [:] }
    return rule.summary(of: typed.value)
  }
}

@usableFromInline
class StateStorage: @unchecked Sendable {
  func encode(to encoder: any Encoder) throws {}
  /// The stored state, type-erased (nil while still pending JSON).
  var anyValue: Any? { nil }
  /// New storage holding `value`, if it has the stored type (the original is left alone:
  /// copies of the state share it).
  func replacing(with value: Any) -> StateStorage? { nil }
}

@usableFromInline
final class TypedStateStorage<S: Codable & Sendable>: StateStorage, @unchecked Sendable {
  @usableFromInline var value: S
  @usableFromInline init(_ value: S) { self.value = value }
  override func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
  override var anyValue: Any? { value }
  override func replacing(with value: Any) -> StateStorage? {
    (value as? S).map { TypedStateStorage($0) }
  }
}

final class PendingStateStorage: StateStorage, @unchecked Sendable {
  let json: JSONValue
  init(_ json: JSONValue) { self.json = json }
  override func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

/// The state of an ``AnyUpdateRule``: the wrapped rule's typed state, copy-on-write.
public struct AnyRuleState: Codable, Sendable {
  @usableFromInline var storage: StateStorage

  @usableFromInline
  init(storage: StateStorage) { self.storage = storage }

  /// The identity of the box holding the state (changes when a shared box is copied).
  package var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

  /// The wrapped state, if it has the type `S`.
  public func value<S: Codable & Sendable>(as type: S.Type) -> S? {
    (storage as? TypedStateStorage<S>)?.value
  }

  public init(from decoder: any Decoder) throws {
    storage = PendingStateStorage(try JSONValue(from: decoder))
  }

  public func encode(to encoder: any Encoder) throws { try storage.encode(to: encoder) }

  /// The typed storage for state of type `S`, made unique (copied if shared) and decoded
  /// from pending checkpoint JSON on first use.
  @inlinable
  mutating func typedStorage<S: Codable & Sendable>(_ type: S.Type) -> TypedStateStorage<S> {
    // Uniqueness first: a reference held by a cast result would make it look shared.
    let unique = isKnownUniquelyReferenced(&storage)
    guard let typed = storage as? TypedStateStorage<S> else { return decodeStorage(type) }
    if unique { return typed }
    let copy = TypedStateStorage(typed.value)
    storage = copy
    return copy
  }

  @usableFromInline
  mutating func decodeStorage<S: Codable & Sendable>(_ type: S.Type) -> TypedStateStorage<S> {
    let decoded: S
    do {
      decoded = try decodePending(as: S.self)
    } catch {
      preconditionFailure("checkpointed state does not fit stage state \(S.self): \(error)")
    }
    let typed = TypedStateStorage(decoded)
    storage = typed
    return typed
  }

  func decodePending<S: Decodable>(as type: S.Type) throws -> S {
    guard let pending = storage as? PendingStateStorage else {
      throw DecodingError.typeMismatch(
        S.self, .init(codingPath: [], debugDescription: "state has another stage's type"))
    }
    let data = try JSONEncoder().encode(pending.json)
    return try JSONDecoder().decode(S.self, from: data)
  }
}
