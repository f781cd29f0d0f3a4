/// One declared parameter of a stage, schedule or problem: its JSON name, what it accepts, its
/// default and a one-line doc. A ``StageSchema`` lists them; `saddle list` prints them, and the
/// reader (``StageParameters/read(_:)``) validates against them.
public struct ParameterSpec: Sendable, Equatable {
  /// What a parameter accepts.
  public enum Kind: Sendable, Equatable {
    /// A finite real number in the range.
    case number(NumericRange)
    /// An integer in the range.
    case integer(NumericRange)
    /// `true` or `false`.
    case bool
    /// One of these strings.
    case choice([String])
    /// Any string.
    case string
    /// An array of strings.
    case strings
    /// A non-empty array of numbers, each in the range.
    case numbers(NumericRange)
    /// A learning rate: a number ≥ 0 or a schedule object (`saddle list schedules`).
    case learningRate
    /// Read by a factory registered without a schema: what it accepts, as its reader wrote it
    /// (``Registry/schema(of:)`` derives these).
    case derived(accepted: String, range: NumericRange?)
  }

  /// The JSON field name.
  public var name: String
  /// What it accepts.
  public var kind: Kind
  /// The default, rendered (`"required"` when there is none).
  public var defaultText: String
  /// One line: what the parameter means (a symbol, a formula, a paper's name for it).
  public var doc: String
  /// What is accepted, when the kind's own rendering is not the clearest (`0 < x < π/2`).
  public var acceptedText: String?

  /// A parameter of `kind` named `name`.
  public init(_ name: String, kind: Kind, defaultText: String, doc: String = "") {
    self.name = name
    self.kind = kind
    self.defaultText = defaultText
    self.doc = doc
  }

  /// What is accepted, in the one range notation of `saddle list` and error messages (`> 0`,
  /// `0 ≤ x < 1`, `one of: central, forward`, …).
  public var accepted: String {
    if let acceptedText { return acceptedText }
    switch kind {
    case .number(let range), .integer(let range): return range.text
    case .bool: return "true or false"
    case .choice(let choices): return "one of: " + choices.joined(separator: ", ")
    case .string: return "a string"
    case .strings: return "array of strings"
    case .numbers(let range): return "array of numbers \(range.text)"
    case .learningRate: return NumericRange.atLeast(0).text
    case .derived(let accepted, _): return accepted
    }
  }

  /// The numeric range, for numbers, integers and arrays of numbers.
  public var range: NumericRange? {
    switch kind {
    case .number(let range), .integer(let range), .numbers(let range): return range
    case .learningRate: return .atLeast(0)
    case .derived(_, let range): return range
    default: return nil
    }
  }
}

/// Anything that declares one parameter (``Parameter``), so a ``StageSchema`` can list
/// parameters of different value types.
public protocol ParameterDeclaration: Sendable {
  /// The declaration, without its typed default.
  var spec: ParameterSpec { get }
}

extension ParameterSpec: ParameterDeclaration {
  /// Itself.
  public var spec: ParameterSpec { self }
}

/// A typed parameter declaration: the one place a parameter's name, default, accepted values
/// and doc are written. Read it from a spec with ``StageParameters/read(_:)``; use ``default``
/// as the initializer's (or a preset's) default argument, so the two cannot drift apart.
///
/// ```swift
/// extension Adam {
///   public enum Parameters {
///     public static let beta1 = Parameter.number(
///       "beta1", default: 0.9, in: .halfOpen(0, 1), doc: "first-moment decay β₁")
///   }
/// }
/// // Adam.init(…, beta1: Double = Adam.Parameters.beta1.default, …)
/// // in the factory: beta1: try p.read(Adam.Parameters.beta1)
/// ```
public final class Parameter<Value: Sendable>: ParameterDeclaration {
  /// The untyped declaration (name, kind, rendered default, doc).
  public let spec: ParameterSpec
  /// The default; `nil` for a required parameter.
  public let defaultValue: Value?
  let reader: @Sendable (StageParameters, String, Value?) throws -> Value
  let render: @Sendable (Value?) -> String
  let customDefaultText: Bool

  init(
    spec: ParameterSpec, defaultValue: Value?, customDefaultText: Bool,
    render: @escaping @Sendable (Value?) -> String,
    reader: @escaping @Sendable (StageParameters, String, Value?) throws -> Value
  ) {
    self.spec = spec
    self.defaultValue = defaultValue
    self.customDefaultText = customDefaultText
    self.render = render
    self.reader = reader
  }

  /// The default value (for default arguments). A required parameter has none: this traps.
  public var `default`: Value {
    guard let defaultValue else { preconditionFailure("parameter \(spec.name) has no default") }
    return defaultValue
  }

  /// The same parameter with another default (a preset that uses a stage with its own
  /// defaults); `text` replaces the rendered default.
  public func defaulting(to value: Value?, text: String? = nil) -> Parameter {
    var spec = spec
    spec.defaultText = text ?? render(value)
    return Parameter(
      spec: spec, defaultValue: value, customDefaultText: text != nil, render: render,
      reader: reader)
  }

  /// The same parameter with another doc line.
  public func documented(_ doc: String) -> Parameter {
    var spec = spec
    spec.doc = doc
    return Parameter(
      spec: spec, defaultValue: defaultValue, customDefaultText: customDefaultText,
      render: render, reader: reader)
  }

  /// The same parameter with its default rendered as `text` (e.g. `"π/4 (optimal-angle only)"`).
  public func withDefaultText(_ text: String) -> Parameter {
    defaulting(to: defaultValue, text: text)
  }

  static func make(
    _ name: String, _ kind: ParameterSpec.Kind, default value: Value?, defaultText: String?,
    doc: String, render: @escaping @Sendable (Value?) -> String,
    reader: @escaping @Sendable (StageParameters, String, Value?) throws -> Value
  ) -> Parameter {
    Parameter(
      spec: ParameterSpec(name, kind: kind, defaultText: defaultText ?? render(value), doc: doc),
      defaultValue: value, customDefaultText: defaultText != nil, render: render, reader: reader)
  }

  /// The same parameter with what it accepts rendered as `text` for `saddle list` (e.g.
  /// `"0 < x < π/2"`); values are still checked against its range.
  public func withAcceptedText(_ text: String) -> Parameter {
    var spec = spec
    spec.acceptedText = text
    return Parameter(
      spec: spec, defaultValue: defaultValue, customDefaultText: customDefaultText,
      render: render, reader: reader)
  }
}

extension Parameter where Value == Double {
  /// A real number in `range` (NaN and infinities are always refused).
  public static func number(
    _ name: String, default value: Double? = nil, in range: NumericRange = .any,
    defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .number(range), default: value, defaultText: defaultText, doc: doc,
      render: { $0.map { "\($0)" } ?? "required" },
      reader: { p, name, value in
        try p.double(name, default: value, in: range)
      })
  }
}

extension Parameter where Value == Int {
  /// An integer in `range`.
  public static func integer(
    _ name: String, default value: Int? = nil, in range: NumericRange = .any,
    defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .integer(range), default: value, defaultText: defaultText, doc: doc,
      render: { $0.map { "\($0)" } ?? "required" },
      reader: { p, name, value in try p.int(name, default: value, in: range) })
  }
}

extension Parameter where Value == Bool {
  /// `true` or `false`.
  public static func bool(
    _ name: String, default value: Bool, defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .bool, default: value, defaultText: defaultText, doc: doc,
      render: { "\($0 ?? false)" },
      reader: { p, name, value in try p.bool(name, default: value ?? false) })
  }
}

extension Parameter where Value == String {
  /// One of `choices`.
  public static func choice(
    _ name: String, default value: String? = nil, from choices: [String],
    defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .choice(choices), default: value, defaultText: defaultText, doc: doc,
      render: { $0 ?? "required" },
      reader: { p, name, value in
        try p.choice(name, default: value, from: choices)
      })
  }
}

extension Parameter where Value == String? {
  /// A free-form string (`nil` when absent and no default).
  public static func string(
    _ name: String, default value: String? = nil, defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .string, default: .some(value), defaultText: defaultText, doc: doc,
      render: { ($0 ?? nil) ?? "none" },
      reader: { p, name, value in
        try p.string(name, default: value ?? nil)
      })
  }
}

extension Parameter where Value == [String] {
  /// An array of strings.
  public static func strings(
    _ name: String, default value: [String] = [], defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .strings, default: value, defaultText: defaultText, doc: doc,
      render: { v in
        let v = v ?? []
        return v.isEmpty ? "[]" : "\(v)"
      },
      reader: { p, name, value in try p.strings(name, default: value ?? []) })
  }
}

extension Parameter where Value == [Double] {
  /// A non-empty array of numbers, each in `range`.
  public static func numbers(
    _ name: String, default value: [Double], in range: NumericRange = .any,
    defaultText: String? = nil, doc: String
  ) -> Parameter {
    make(
      name, .numbers(range), default: value, defaultText: defaultText, doc: doc,
      render: { "\($0 ?? [])" },
      reader: { p, name, value in
        try p.doubles(name, default: value ?? [], in: range)
      })
  }
}

extension Parameter where Value == LearningRate {
  /// A learning rate: a number ≥ 0, or a schedule object (`saddle list schedules`).
  public static func learningRate(
    _ name: String = "learningRate", default value: Double?, defaultText: String? = nil,
    doc: String = "step size η: a number ≥ 0 or a schedule object"
  ) -> Parameter {
    make(
      name, .learningRate, default: value.map { .constant($0) }, defaultText: defaultText,
      doc: doc,
      render: { rate in
        guard case .constant(let x)? = rate else { return "required" }
        return "\(x)"
      },
      reader: { p, name, value in
        guard case .constant(let x)? = value else {
          return try p.learningRate(name, default: nil)
        }
        return try p.learningRate(name, default: x)
      })
  }
}

/// A stage's (or schedule's, or problem's) declaration: its registry name, one-line summary and
/// parameters, in the order `saddle list` prints them. Written once, next to the type; the
/// registry reads it for `saddle list` (text and `--json`), and the type's factory reads its
/// parameters through ``StageParameters/read(_:)`` (validation and error messages).
public struct StageSchema: Sendable {
  /// The name used in specs, e.g. `"adam"`.
  public var name: String
  /// One line: what it is, its formula or paper.
  public var summary: String
  /// Whether the stage scales the step (see ``Registry/Entry/scalesStep``); `nil`: a rule
  /// scales the step when it reads a `learningRate` field.
  public var scalesStep: Bool?
  /// The parameters, in listing order.
  public var parameters: [ParameterSpec]

  /// A schema named `name`.
  public init(
    _ name: String, summary: String, scalesStep: Bool? = nil,
    parameters: [any ParameterDeclaration]
  ) {
    self.name = name
    self.summary = summary
    self.scalesStep = scalesStep
    self.parameters = parameters.map(\.spec)
  }

  /// The parameter named `name`, if declared.
  public func parameter(named name: String) -> ParameterSpec? {
    parameters.first { $0.name == name }
  }

  /// The parameters as ``StageParameters/Description``s (for ``Registry/parameters(of:)``).
  public var descriptions: [StageParameters.Description] {
    parameters.map {
      StageParameters.Description(
        name: $0.name, defaultValue: $0.defaultText, accepted: $0.accepted, range: $0.range,
        doc: $0.doc)
    }
  }
}

/// A stage type that declares its schema and builds itself from a spec's fields: registered
/// with one line, `registry.register(MyRule.self)`.
///
/// ```swift
/// extension MyRule: SchemaDeclaring {
///   public enum Parameters {
///     public static let learningRate = Parameter.learningRate(default: 1e-3)
///   }
///   public static let schema = StageSchema(
///     "my-rule", summary: "d ← η·… (Author 2024, eq. 3)", parameters: [Parameters.learningRate])
///   public init(parameters p: StageParameters) throws(SpecError) {
///     self.init(learningRate: try p.read(Parameters.learningRate))
///   }
/// }
/// ```
public protocol SchemaDeclaring {
  /// The registry name, summary and parameters.
  static var schema: StageSchema { get }
  /// Builds the stage from a spec's fields, reading every parameter with
  /// ``StageParameters/read(_:)`` (range checks happen there, before any precondition).
  init(parameters: StageParameters) throws(SpecError)
}
