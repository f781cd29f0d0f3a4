/// Reading and replacing one stage's state by its name or type, whatever wraps it.
///
/// A pipeline's state nests as its stages do (``ChainState``, ``NamedState``, optionals,
/// ``EitherState``, arrays, erased ``AnyRuleState`` boxes, the state of ``Masked``); these
/// functions search that tree in stage order, so `state.stage(named: "adam", as:
/// Adam.State.self)` finds Adam's moments in `Adam().every(2).named("adam")` built in the DSL
/// and in the same stage read from JSON.
extension OptimizerState {
  /// The state of the stage named `name` (see ``UpdateRule/named(_:)``; a dotted path
  /// `"outer.inner"` names a stage inside another named one), if it has type `S`.
  ///
  /// State restored from a checkpoint is decoded when its stage first runs; before that the
  /// state of an erased stage is not yet typed and is not found.
  public func stage<S>(named name: String, as type: S.Type) -> S? {
    var found: S?
    _ = visitStageStates(rule, path: name.split(separator: ".").map(String.init)) { value in
      found = value as? S
      return found != nil
    }
    return found
  }

  /// The state of the first stage (in stage order) whose state has type `S`.
  public func stage<S>(as type: S.Type) -> S? {
    var found: S?
    _ = visitStageStates(rule, path: nil) { value in
      found = value as? S
      return found != nil
    }
    return found
  }

  /// Replaces the state of the stage named `name` (a dotted path for nested names) with
  /// `value`; returns whether a stage of that name and state type was found.
  @discardableResult
  public mutating func setStage<S>(named name: String, to value: S) -> Bool {
    var copy: Any = rule
    let done = replaceStageState(
      &copy, path: name.split(separator: ".").map(String.init), value: value)
    if done { rule = copy as! RuleState }
    return done
  }

  /// Replaces the state of the first stage whose state has type `S` with `value`; returns
  /// whether one was found.
  @discardableResult
  public mutating func setStage<S>(as type: S.Type = S.self, to value: S) -> Bool {
    var copy: Any = rule
    let done = replaceStageState(&copy, path: nil, value: value)
    if done { rule = copy as! RuleState }
    return done
  }
}

/// A stage state that holds other stages' states.
protocol StageStateNode {
  /// The children in stage order, with the name of a named stage.
  var children: [(name: String?, value: Any)] { get }
  /// This node with child `index` replaced by `value` (which has the child's type).
  func replacingChild(_ index: Int, with value: Any) -> Any
}

/// Calls `match` on each stage state in stage order (depth first) until it returns true;
/// with a `path`, only on the state of the stage named by the path.
func visitStageStates(_ value: Any, path: [String]?, _ match: (Any) -> Bool) -> Bool {
  if path == nil || path!.isEmpty, match(value) { return true }
  if let erased = value as? AnyRuleState {
    guard let inner = erased.storage.anyValue else { return false }
    return visitStageStates(inner, path: path, match)
  }
  guard let container = value as? any StageStateNode else { return false }
  for child in container.children {
    if visitStageStates(child.value, path: remainingPath(path, after: child.name), match) {
      return true
    }
  }
  return false
}

/// The rest of a name path below a stage named `name` (names not on the path are passed
/// through, so a name finds its stage inside other named stages too).
func remainingPath(_ path: [String]?, after name: String?) -> [String]? {
  guard let path, let name, let first = path.first, first == name else { return path }
  return Array(path.dropFirst())
}

/// Replaces the first matching stage state under `value`; returns whether it did.
func replaceStageState<S>(_ value: inout Any, path: [String]?, value new: S) -> Bool {
  if path == nil || path!.isEmpty, value is S {
    value = new
    return true
  }
  if let erased = value as? AnyRuleState, var inner = erased.storage.anyValue {
    guard replaceStageState(&inner, path: path, value: new),
      let storage = erased.storage.replacing(with: inner)
    else { return false }
    value = AnyRuleState(storage: storage)
    return true
  }
  guard let container = value as? any StageStateNode else { return false }
  for (index, child) in container.children.enumerated() {
    var childValue = child.value
    if replaceStageState(&childValue, path: remainingPath(path, after: child.name), value: new) {
      value = container.replacingChild(index, with: childValue)
      return true
    }
  }
  return false
}

extension ChainState: StageStateNode {
  var children: [(name: String?, value: Any)] { [(nil, first), (nil, second)] }
  func replacingChild(_ index: Int, with value: Any) -> Any {
    var copy = self
    if index == 0 { copy.first = value as! First } else { copy.second = value as! Second }
    return copy
  }
}

extension NamedState: StageStateNode {
  var children: [(name: String?, value: Any)] { [(name, state)] }
  func replacingChild(_ index: Int, with value: Any) -> Any {
    var copy = self
    copy.state = value as! Base
    return copy
  }
}

extension Optional: StageStateNode {
  var children: [(name: String?, value: Any)] { map { [(nil, $0 as Any)] } ?? [] }
  func replacingChild(_ index: Int, with value: Any) -> Any { Optional(value as! Wrapped) as Any }
}

extension EitherState: StageStateNode {
  var children: [(name: String?, value: Any)] {
    switch self {
    case .first(let s): return [(nil, s)]
    case .second(let s): return [(nil, s)]
    }
  }
  func replacingChild(_ index: Int, with value: Any) -> Any {
    switch self {
    case .first: return EitherState.first(value as! First)
    case .second: return EitherState.second(value as! Second)
    }
  }
}

extension Array: StageStateNode {
  var children: [(name: String?, value: Any)] { map { (nil, $0 as Any) } }
  func replacingChild(_ index: Int, with value: Any) -> Any {
    var copy = self
    copy[index] = value as! Element
    return copy
  }
}

extension Masked.State: StageStateNode {
  var children: [(name: String?, value: Any)] { [(nil, base)] }
  func replacingChild(_ index: Int, with value: Any) -> Any {
    var copy = self
    copy.base = value as! Base.State
    return copy
  }
}
