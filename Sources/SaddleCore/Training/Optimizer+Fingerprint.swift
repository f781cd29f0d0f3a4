extension Optimizer {
  /// A string naming every stage and its settings, e.g.
  /// `FusedChain(first: Adam(learningRate: LearningRate.constant(0.001), …), …)`.
  ///
  /// Checkpoints record it, so a run is only resumed by the optimizer that wrote it. Sets and
  /// dictionaries are listed in sorted order, so it is the same in every process.
  public var fingerprint: String { canonicalDescription(of: rule, depth: 0) }
}

/// `value` described by reflection: type names, labels and leaf values, with unordered
/// collections sorted so that the text does not depend on hashing seeds.
func canonicalDescription(of value: Any, depth: Int) -> String {
  let mirror = Mirror(reflecting: value)
  let typeName = String(describing: type(of: value))
  guard depth < 24 else { return typeName }
  func children() -> [String] {
    mirror.children.map { child in
      let text = canonicalDescription(of: child.value, depth: depth + 1)
      return child.label.map { "\($0): \(text)" } ?? text
    }
  }
  switch mirror.displayStyle {
  case .set?:
    return "[" + children().sorted().joined(separator: ", ") + "]"
  case .dictionary?:
    return "[" + children().sorted().joined(separator: ", ") + "]"
  case .collection?:
    return "[" + children().joined(separator: ", ") + "]"
  case .optional?:
    return mirror.children.first.map { canonicalDescription(of: $0.value, depth: depth + 1) }
      ?? "nil"
  case .tuple?:
    return "(" + children().joined(separator: ", ") + ")"
  case .enum?:
    if mirror.children.isEmpty { return "\(typeName).\(value)" }
    let child = mirror.children.first!
    let payload = canonicalDescription(of: child.value, depth: depth + 1)
    return "\(typeName).\(child.label ?? "")\(payload.hasPrefix("(") ? payload : "(\(payload))")"
  case .struct?, .class?:
    return typeName + "(" + children().joined(separator: ", ") + ")"
  default:
    if let text = value as? String { return text.debugDescription }
    return "\(value)"
  }
}
