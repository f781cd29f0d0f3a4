/// The parameters of one stage (or problem) in a JSON spec, read with validation.
///
/// Each accessor names its field, default and accepted range. Reading a field records it, so
/// after a factory runs the registry can reject fields nobody read (typos) with the closest
/// known name, and `saddle list` can print every parameter with its default and range by
/// running the factory on an empty spec in ``isDescribing`` mode.
public final class StageParameters {
  /// One parameter as a factory declared it.
  public struct Description: Sendable, Equatable {
    /// The field name.
    public var name: String
    /// The default, rendered (`"required"` when there is none).
    public var defaultValue: String
    /// What is accepted, e.g. `"> 0"`, `"0 ≤ x < 1"`, `"one of: central, forward"`.
    public var accepted: String
    /// The accepted numeric range, for numbers and integers.
    public var range: NumericRange?
    /// One line: what the parameter means (empty when the stage declares no schema).
    public var doc: String = ""
  }

  let values: [String: JSONValue]
  /// Where these parameters are (for messages), e.g. `stage 1 ('adam')`.
  public let location: String
  /// When true, accessors return defaults (or a placeholder for required fields) and record
  /// descriptions instead of reading values.
  public let isDescribing: Bool
  private(set) var read: Set<String> = []
  /// The parameters read so far, in order.
  public private(set) var descriptions: [Description] = []

  /// The schedules a `learningRate` object may name (a registry's; the built-ins by default).
  public let schedules: [ScheduleDefinition]

  /// Parameters from a JSON object's fields; a `learningRate` object names one of `schedules`.
  public init(
    _ values: [String: JSONValue], location: String, describing: Bool = false,
    schedules: [ScheduleDefinition] = LearningRate.schedules
  ) {
    self.values = values
    self.location = location
    isDescribing = describing
    self.schedules = schedules
  }

  /// Fields that were given but never read (after the factory ran).
  public var unreadFields: [String] { values.keys.filter { !read.contains($0) }.sorted() }

  /// The fields that were read (known to the factory).
  public var knownFields: [String] { descriptions.map(\.name) }

  func error(_ field: String, _ message: String) -> SpecError {
    SpecError(location: location, field: field, message)
  }

  private func record(
    _ name: String, _ defaultValue: String, _ accepted: String, range: NumericRange? = nil
  ) {
    read.insert(name)
    if !descriptions.contains(where: { $0.name == name }) {
      descriptions.append(
        Description(name: name, defaultValue: defaultValue, accepted: accepted, range: range))
    }
  }

  /// The names of the fields that were given.
  public var givenFields: [String] { values.keys.sorted() }

  /// Records a parameter that is read by other means (for `saddle list`).
  public func declare(_ name: String, default defaultValue: String, accepted: String) {
    record(name, defaultValue, accepted)
  }

  /// Reads the declared `parameter` (its default, range or choices, and doc from the
  /// declaration): the one way a ``SchemaDeclaring`` stage reads its fields.
  public func read<Value>(_ parameter: Parameter<Value>) throws(SpecError) -> Value {
    // The stored reader throws untyped (a typed-throws closure over a generic `Value` crashed
    // at run time); it only ever throws the accessors' `SpecError`s.
    let value: Value
    do {
      value = try parameter.reader(self, parameter.spec.name, parameter.defaultValue)
    } catch let error as SpecError {
      throw error
    } catch {
      throw SpecError(location: location, field: parameter.spec.name, "\(error)")
    }
    if let index = descriptions.firstIndex(where: { $0.name == parameter.spec.name }) {
      descriptions[index].doc = parameter.spec.doc
      if parameter.customDefaultText {
        descriptions[index].defaultValue = parameter.spec.defaultText
      }
    }
    return value
  }

  /// Whether the field was given.
  public func has(_ name: String) -> Bool { values[name] != nil }

  /// A real number in `range` (inclusive bounds unless stated), `defaultValue` when absent.
  public func double(
    _ name: String, default defaultValue: Double? = nil, in range: NumericRange = .any
  ) throws(SpecError) -> Double {
    record(name, defaultValue.map { "\($0)" } ?? "required", range.text, range: range)
    if isDescribing { return defaultValue ?? range.placeholder }
    guard let value = values[name] else {
      if let defaultValue { return defaultValue }
      throw error(name, "missing (accepted: \(range.text))")
    }
    let x: Double
    switch value {
    case .int(let i): x = Double(i)
    case .unsigned(let u): x = Double(u)
    case .double(let d): x = d
    default: throw error(name, "expected a number, got \(value.typeName) \(value)")
    }
    guard x.isFinite else { throw error(name, "\(x) is not finite") }
    guard range.contains(x) else {
      throw error(name, "\(format(x)) is out of range (accepted: \(range.text))")
    }
    return x
  }

  /// An integer in `range`.
  public func int(
    _ name: String, default defaultValue: Int? = nil, in range: NumericRange = .any
  ) throws(SpecError) -> Int {
    record(name, defaultValue.map { "\($0)" } ?? "required", range.text, range: range)
    if isDescribing { return defaultValue ?? Int(range.placeholder) }
    guard let value = values[name] else {
      if let defaultValue { return defaultValue }
      throw error(name, "missing (accepted: integer \(range.text))")
    }
    let x: Int
    switch value {
    case .int(let i): x = i
    case .unsigned(let u):
      throw error(name, "\(u) is out of range (accepted: integer \(range.text))")
    case .double(let d) where d.rounded() == d && abs(d) < 1e15: x = Int(d)
    default: throw error(name, "expected an integer, got \(value.typeName) \(value)")
    }
    guard range.contains(Double(x)) else {
      throw error(name, "\(x) is out of range (accepted: integer \(range.text))")
    }
    return x
  }

  /// A boolean.
  public func bool(_ name: String, default defaultValue: Bool) throws(SpecError) -> Bool {
    record(name, "\(defaultValue)", "true or false")
    if isDescribing { return defaultValue }
    guard let value = values[name] else { return defaultValue }
    guard case .bool(let b) = value else {
      throw error(name, "expected true or false, got \(value.typeName) \(value)")
    }
    return b
  }

  /// One of `choices`; a near miss names the closest choice.
  public func choice(
    _ name: String, default defaultValue: String? = nil, from choices: [String]
  ) throws(SpecError) -> String {
    record(name, defaultValue ?? "required", "one of: " + choices.joined(separator: ", "))
    if isDescribing { return defaultValue ?? choices[0] }
    guard let value = values[name] else {
      if let defaultValue { return defaultValue }
      throw error(name, "missing (accepted: one of \(choices.joined(separator: ", ")))")
    }
    guard case .string(let s) = value else {
      throw error(name, "expected a string, got \(value.typeName) \(value)")
    }
    guard choices.contains(s) else {
      let hint = closestName(to: s, in: choices).map { "; did you mean '\($0)'?" } ?? ""
      throw error(
        name, "unknown value '\(s)' (accepted: one of \(choices.joined(separator: ", ")))\(hint)")
    }
    return s
  }

  /// A free-form string, or `defaultValue` when absent.
  public func string(_ name: String, default defaultValue: String?) throws(SpecError) -> String? {
    record(name, defaultValue ?? "none", "a string")
    if isDescribing { return defaultValue }
    guard let value = values[name] else { return defaultValue }
    guard case .string(let s) = value else {
      throw error(name, "expected a string, got \(value.typeName) \(value)")
    }
    return s
  }

  /// A list of strings (e.g. segment names).
  public func strings(_ name: String, default defaultValue: [String]) throws(SpecError) -> [String]
  {
    record(name, defaultValue.isEmpty ? "[]" : "\(defaultValue)", "array of strings")
    if isDescribing { return defaultValue }
    guard let value = values[name] else { return defaultValue }
    guard case .array(let items) = value else {
      throw error(name, "expected an array of strings, got \(value.typeName)")
    }
    var out: [String] = []
    for item in items {
      guard case .string(let s) = item else {
        throw error(name, "expected an array of strings, found \(item.typeName) \(item)")
      }
      out.append(s)
    }
    return out
  }

  /// A list of numbers, each in `range`.
  public func doubles(
    _ name: String, default defaultValue: [Double], in range: NumericRange = .any
  ) throws(SpecError) -> [Double] {
    record(name, "\(defaultValue)", "array of numbers \(range.text)", range: range)
    if isDescribing { return defaultValue }
    guard let value = values[name] else { return defaultValue }
    guard case .array(let items) = value, !items.isEmpty else {
      throw error(name, "expected a non-empty array of numbers, got \(value)")
    }
    var out: [Double] = []
    for item in items {
      let x: Double
      switch item {
      case .int(let i): x = Double(i)
      case .unsigned(let u): x = Double(u)
      case .double(let d): x = d
      default: throw error(name, "expected numbers, found \(item.typeName) \(item)")
      }
      guard x.isFinite, range.contains(x) else {
        throw error(name, "\(format(x)) is out of range (accepted: \(range.text))")
      }
      out.append(x)
    }
    return out
  }

  /// A learning rate: a number, or a schedule object such as
  /// `{"schedule": "cosine", "peak": 0.01, "steps": 1000}` naming one of ``schedules`` (its
  /// fields read and checked by the schedule's ``ScheduleDefinition``).
  public func learningRate(
    _ name: String = "learningRate", default defaultValue: Double? = nil
  ) throws(SpecError) -> LearningRate {
    if isDescribing || values[name] == nil || !isObject(values[name]!) {
      return .constant(try double(name, default: defaultValue, in: .atLeast(0)))
    }
    record(name, defaultValue.map { "\($0)" } ?? "required", "≥ 0, or a schedule object")
    guard case .object(let fields) = values[name]! else { fatalError("unreachable") }
    let inner = StageParameters(
      fields, location: "\(location), field '\(name)'", schedules: schedules)
    let kind = try inner.choice("schedule", from: schedules.map(\.name))
    guard let definition = schedules.first(where: { $0.name == kind }) else {
      fatalError("unreachable: choice returned an unlisted schedule")
    }
    let schedule = try definition.make(inner)
    try inner.rejectUnread()
    return schedule
  }

  private func isObject(_ v: JSONValue) -> Bool {
    if case .object = v { return true }
    return false
  }

  /// Throws for any field that was given but not read, naming the closest known field.
  public func rejectUnread(ignoring ignored: Set<String> = []) throws(SpecError) {
    for field in unreadFields where !ignored.contains(field) {
      let known = knownFields + ignored.sorted()
      let hint = closestName(to: field, in: known).map { "; did you mean '\($0)'?" } ?? ""
      let list = known.isEmpty ? "none" : known.joined(separator: ", ")
      throw error(field, "unknown field (known fields: \(list))\(hint)")
    }
  }
}

/// An accepted numeric range, with its rendering for messages and `saddle list`.
public enum NumericRange: Sendable, Equatable {
  /// Every finite number (NaN and infinities are refused by the reader, whatever the range).
  case any
  /// `x ≥ lower`.
  case atLeast(Double)
  /// `x > lower`.
  case greaterThan(Double)
  /// `lower ≤ x ≤ upper`.
  case closed(Double, Double)
  /// `lower ≤ x < upper`.
  case halfOpen(Double, Double)
  /// `lower < x < upper`.
  case open(Double, Double)
  /// `lower < x ≤ upper`.
  case openClosed(Double, Double)
  /// `x ≤ upper`.
  case atMost(Double)
  /// `x < upper`.
  case lessThan(Double)

  /// Whether `x` is accepted.
  public func contains(_ x: Double) -> Bool {
    switch self {
    case .any: return true
    case .atLeast(let a): return x >= a
    case .greaterThan(let a): return x > a
    case .closed(let a, let b): return x >= a && x <= b
    case .halfOpen(let a, let b): return x >= a && x < b
    case .open(let a, let b): return x > a && x < b
    case .openClosed(let a, let b): return x > a && x <= b
    case .atMost(let b): return x <= b
    case .lessThan(let b): return x < b
    }
  }

  /// The range as text, e.g. `0 ≤ x < 1`.
  public var text: String {
    switch self {
    case .any: return "any finite number"
    case .atLeast(let a): return "≥ \(format(a))"
    case .greaterThan(let a): return "> \(format(a))"
    case .closed(let a, let b): return "\(format(a)) ≤ x ≤ \(format(b))"
    case .halfOpen(let a, let b): return "\(format(a)) ≤ x < \(format(b))"
    case .open(let a, let b): return "\(format(a)) < x < \(format(b))"
    case .openClosed(let a, let b): return "\(format(a)) < x ≤ \(format(b))"
    case .atMost(let b): return "≤ \(format(b))"
    case .lessThan(let b): return "< \(format(b))"
    }
  }

  var placeholder: Double {
    switch self {
    case .any: return 0
    case .atLeast(let a): return a
    case .greaterThan(let a): return a + 1
    case .closed(let a, _), .halfOpen(let a, _): return a
    case .open(let a, let b), .openClosed(let a, let b): return (a + b) / 2
    case .atMost(let b): return b
    case .lessThan(let b): return b - 1
    }
  }
}

func format(_ x: Double) -> String {
  x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
}
