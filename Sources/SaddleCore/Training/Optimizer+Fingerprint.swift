extension Optimizer {
  /// A string naming every stage and its settings, e.g.
  /// `FusedChain(first: Adam(learningRate: LearningRate.constant(0.001), …), …)`.
  ///
  /// Sets and dictionaries are listed in sorted order, so it is the same in every process.
  public var fingerprint: String { canonicalDescription(of: rule, depth: 0) }

  /// The optimizer's settings as an ordered list of fields, e.g.
  /// `("first", "Adam")`, `("first.learningRate", "LearningRate.constant(0.001)")`.
  ///
  /// Checkpoints record it, so a run is only resumed by the optimizer that wrote it, and a
  /// refusal names the first field that differs.
  public var fingerprintFields: [FingerprintField] { reflectedFields(of: rule) }
}

/// One field of a fingerprint: a dotted path and the value's canonical text.
public struct FingerprintField: Sendable, Codable, Equatable, CustomStringConvertible {
  /// Where the value sits, e.g. `first.learningRate` (empty for the root's type).
  public var path: String
  /// The value, e.g. `LearningRate.constant(0.001)`, or a type name for a composite.
  public var value: String

  /// A field.
  public init(path: String, value: String) {
    self.path = path
    self.value = value
  }

  public var description: String { "\(path.isEmpty ? "(type)" : path) = \(value)" }

  /// The first difference between `ours` and `theirs` as `(path, ours, theirs)`, or `nil`
  /// when they are equal. A field present on one side only is reported as `(absent)`.
  public static func firstDifference(
    _ ours: [FingerprintField], _ theirs: [FingerprintField]
  ) -> (path: String, ours: String, theirs: String)? {
    for index in 0..<Swift.max(ours.count, theirs.count) {
      let a = index < ours.count ? ours[index] : nil
      let b = index < theirs.count ? theirs[index] : nil
      if a == b { continue }
      if let a, let b, a.path == b.path { return (a.path, a.value, b.value) }
      if let a, let b {
        // A field renamed or inserted: report ours, and what theirs has at that path.
        let match = theirs.first { $0.path == a.path }
        return (a.path, a.value, match?.value ?? "(absent; theirs has \(b.description))")
      }
      if let a { return (a.path, a.value, "(absent)") }
      if let b { return (b.path, "(absent)", b.value) }
    }
    return nil
  }
}

/// `value` flattened by reflection into leaf fields: composites (structs, classes, tuples,
/// short ordered collections) contribute their type name and their children; leaves (numbers,
/// strings, enums, unordered collections) their canonical description.
func reflectedFields(of value: Any, limitCollections: Int? = nil, skipClasses: Bool = false)
  -> [FingerprintField]
{
  var fields: [FingerprintField] = []
  func walk(_ value: Any, _ path: String, _ depth: Int, wrapper: Bool = false) {
    let mirror = Mirror(reflecting: value)
    let typeName = String(describing: type(of: value))
    func child(_ label: String) -> String { path.isEmpty ? label : path + "." + label }
    guard depth < 24 else {
      fields.append(.init(path: path, value: typeName))
      return
    }
    switch mirror.displayStyle {
    case .struct?, .class?, .tuple?:
      if mirror.displayStyle == .class && skipClasses { return }
      if mirror.children.isEmpty {
        fields.append(.init(path: path, value: canonicalDescription(of: value, depth: depth)))
        return
      }
      if !wrapper { fields.append(.init(path: path, value: typeName)) }
      for (index, element) in mirror.children.enumerated() {
        // Type-erasure wrappers (`AnyUpdateRule.box`, its `rule`) add no path component, so a
        // field reads `stages.0.learningRate`, not `stages.0.box.rule.learningRate`.
        let label = element.label ?? "\(index)"
        let transparent = label == "box" || (label == "rule" && typeName.contains("Box<"))
        walk(element.value, transparent ? path : child(label), depth + 1, wrapper: label == "box")
      }
    case .collection?:
      let count = mirror.children.count
      if let limit = limitCollections, count > limit {
        fields.append(.init(path: path, value: "\(typeName) of \(count) elements"))
        return
      }
      fields.append(.init(path: path, value: "\(typeName) of \(count)"))
      for (index, element) in mirror.children.enumerated() {
        walk(element.value, child("\(index)"), depth + 1)
      }
    case .optional?:
      if let wrapped = mirror.children.first {
        walk(wrapped.value, path, depth + 1)
      } else {
        fields.append(.init(path: path, value: "nil"))
      }
    default:
      if let limit = limitCollections, mirror.children.count > limit {
        fields.append(.init(path: path, value: "\(typeName) of \(mirror.children.count) elements"))
        return
      }
      fields.append(.init(path: path, value: canonicalDescription(of: value, depth: depth)))
    }
  }
  walk(value, "", 0)
  return fields
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
