import Foundation

/// A type-erased stage, for stages chosen at run time (JSON specs, `for` loops over
/// `[any UpdateRule]`).
///
/// Its state stays typed inside a copy-on-write box, so a step neither copies nor allocates.
/// Decoded state (from a checkpoint) is kept as JSON until the stage first runs, when it is
/// decoded as the wrapped rule's `State`.
public struct AnyUpdateRule: UpdateRule {
  @usableFromInline let box: any AnyRuleBox

  /// Erases `rule`. An existential (`any UpdateRule`) is opened into this initializer; an
  /// elementwise rule whose static type is not known here still joins blocked passes, through
  /// unspecialized (slower) kernel calls — erase concrete types where you can.
  ///
  /// There is deliberately no `init(_: any UpdateRule)`: Swift ranks an existential overload
  /// above generic ones, so it would capture every call and lose the elementwise kernels.
  public init<R: UpdateRule>(_ rule: R) {
    if let already = rule as? AnyUpdateRule {
      box = already.box
    } else if let elementwise = rule as? any ElementwiseUpdateRule {
      func open<E: ElementwiseUpdateRule>(_ e: E) -> any AnyRuleBox {
        RuleBox(
          e, blockKernel: { context, storage in e.blockKernel(for: context, storage: storage) })
      }
      box = open(elementwise)
    } else {
      box = RuleBox(rule)
    }
  }

  /// Erases an elementwise `rule`, keeping a specialized kernel so that consecutive erased
  /// elementwise stages still run as one blocked pass (see ``DynamicChain``).
  public init<R: ElementwiseUpdateRule>(_ rule: R) {
    box = RuleBox(
      rule,
      blockKernel: { context, storage in rule.blockKernel(for: context, storage: storage) })
  }

  /// The wrapped rule.
  public var base: any UpdateRule { box.base }

  /// Whether the wrapped rule can join a blocked fused pass (it is elementwise and was erased
  /// with its static type known).
  public var isElementwise: Bool { box.isElementwise }

  public func makeState(for layout: ParameterLayout) -> AnyRuleState {
    box.makeState(for: layout, seed: 0)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState {
    box.makeState(for: layout, seed: seed)
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState
  ) {
    box.apply(to: &context, objective: &objective, state: &state, updatingParameters: false)
  }

  public func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState
  ) {
    box.apply(to: &context, objective: &objective, state: &state, updatingParameters: true)
  }

  public func summary(of state: AnyRuleState) -> [String: Double] { box.summary(of: state) }
}

@usableFromInline
protocol AnyRuleBox: Sendable {
  var base: any UpdateRule { get }
  var isElementwise: Bool { get }
  func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState
  func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState,
    updatingParameters: Bool)
  func summary(of state: AnyRuleState) -> [String: Double]
  /// For an elementwise rule: advances its per-step state and returns its kernel as closures
  /// over raw ranges, so a ``DynamicChain`` can run several erased stages block by block.
  func makeBlockKernel(for context: StepContext, state: inout AnyRuleState) -> BlockKernel?
}

/// An erased elementwise kernel over raw buffers (see ``DynamicChain``).
@usableFromInline
struct BlockKernel {
  /// `dest[r] ← kernel(source[r], θ[r])`.
  let apply:
    (
      UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
      Range<Int>
    ) -> Void
  /// `θ[r] ← θ[r] − kernel(source[r], θ[r])` in place; returns the first non-finite index or −1.
  let update: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>, Float) -> Int
}

extension ElementwiseUpdateRule {
  func blockKernel(for context: StepContext, storage: StateStorage) -> BlockKernel {
    let typed = storage as! TypedStateStorage<State>
    let kernel = makeKernel(for: context, state: &typed.value)
    return BlockKernel(
      apply: { source, dest, p, range in elementwisePass(kernel, source, dest, p, range) },
      update: { source, p, range, scale in
        fusedUpdatePass(kernel, source, p, range, scale: scale)
      })
  }
}

struct RuleBox<R: UpdateRule>: AnyRuleBox, @unchecked Sendable {
  let rule: R
  let blockKernel: ((StepContext, StateStorage) -> BlockKernel)?

  init(_ rule: R, blockKernel: ((StepContext, StateStorage) -> BlockKernel)? = nil) {
    self.rule = rule
    self.blockKernel = blockKernel
  }

  var base: any UpdateRule { rule }
  var isElementwise: Bool { blockKernel != nil }

  func makeState(for layout: ParameterLayout, seed: UInt64) -> AnyRuleState {
    AnyRuleState(storage: TypedStateStorage(rule.makeState(for: layout, seed: seed)))
  }

  func typedStorage(_ state: inout AnyRuleState) -> TypedStateStorage<R.State> {
    if let typed = state.storage as? TypedStateStorage<R.State> {
      if !isKnownUniquelyReferenced(&state.storage) {
        let copy = TypedStateStorage(typed.value)
        state.storage = copy
        return copy
      }
      return typed
    }
    // Decoded from a checkpoint: decode the JSON as this rule's state type.
    let decoded: R.State
    do {
      decoded = try state.decodePending(as: R.State.self)
    } catch {
      preconditionFailure("checkpointed state does not fit stage \(R.self): \(error)")
    }
    let storage = TypedStateStorage(decoded)
    state.storage = storage
    return storage
  }

  func apply(
    to context: inout StepContext, objective: inout Objective, state: inout AnyRuleState,
    updatingParameters: Bool
  ) {
    let storage = typedStorage(&state)
    if updatingParameters {
      rule.applyAndUpdateParameters(to: &context, objective: &objective, state: &storage.value)
    } else {
      rule.apply(to: &context, objective: &objective, state: &storage.value)
    }
  }

  func summary(of state: AnyRuleState) -> [String: Double] {
    guard let typed = state.storage as? TypedStateStorage<R.State> else { return [:] }
    return rule.summary(of: typed.value)
  }

  func makeBlockKernel(for context: StepContext, state: inout AnyRuleState) -> BlockKernel? {
    guard let blockKernel else { return nil }
    return blockKernel(context, typedStorage(&state))
  }
}

class StateStorage: @unchecked Sendable {
  func encode(to encoder: any Encoder) throws {}
}

final class TypedStateStorage<S: Codable & Sendable>: StateStorage, @unchecked Sendable {
  var value: S
  init(_ value: S) { self.value = value }
  override func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

final class PendingStateStorage: StateStorage, @unchecked Sendable {
  let json: JSONValue
  init(_ json: JSONValue) { self.json = json }
  override func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

/// The state of an ``AnyUpdateRule``: the wrapped rule's typed state, copy-on-write.
public struct AnyRuleState: Codable, Sendable {
  var storage: StateStorage

  init(storage: StateStorage) { self.storage = storage }

  /// The wrapped state, if it has the type `S`.
  public func value<S: Codable & Sendable>(as type: S.Type) -> S? {
    (storage as? TypedStateStorage<S>)?.value
  }

  public init(from decoder: any Decoder) throws {
    storage = PendingStateStorage(try JSONValue(from: decoder))
  }

  public func encode(to encoder: any Encoder) throws { try storage.encode(to: encoder) }

  func decodePending<S: Decodable>(as type: S.Type) throws -> S {
    guard let pending = storage as? PendingStateStorage else {
      throw DecodingError.typeMismatch(
        S.self, .init(codingPath: [], debugDescription: "state has another stage's type"))
    }
    let data = try JSONEncoder().encode(pending.json)
    return try JSONDecoder().decode(S.self, from: data)
  }
}
