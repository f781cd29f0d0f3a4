import Foundation

/// Maps names to factories for stages (rules, estimators, presets) and models, so optimizers
/// and problems can be named in JSON.
///
/// ```swift
/// var registry = Registry.core
/// registry.register(rule: "my-scale", summary: "d ← s·d") { p in
///   Scale(factor: try p.double("factor", default: 1, in: .greaterThan(0)))
/// }
/// let optimizer = try registry.optimizer(fromJSON: #"[{"stage": "my-scale", "factor": 2}]"#)
/// ```
/// A value type: copy it, register more, pass it on. Unknown names and bad values fail with a
/// ``SpecError`` naming the stage, the field, the value and what is accepted.
public struct Registry: Sendable {
  /// What a registered name makes.
  public enum Kind: String, Sendable, CaseIterable {
    case rule, estimator, preset, model
  }

  /// A registered factory.
  public struct Entry: Sendable {
    /// The name used in specs.
    public var name: String
    /// What it makes.
    public var kind: Kind
    /// One line: what it is, its formula or paper.
    public var summary: String
    @usableFromInline let makeStage: (@Sendable (StageParameters) throws -> AnyUpdateRule)?
    @usableFromInline let makeModel: (@Sendable (StageParameters) throws -> any Model)?

    @usableFromInline
    init(
      name: String, kind: Kind, summary: String,
      makeStage: (@Sendable (StageParameters) throws -> AnyUpdateRule)?,
      makeModel: (@Sendable (StageParameters) throws -> any Model)?
    ) {
      self.name = name
      self.kind = kind
      self.summary = summary
      self.makeStage = makeStage
      self.makeModel = makeModel
    }
  }

  /// Fields every stage accepts, handled by the registry: `every`, `offset`, `after`, `name`,
  /// `segments`.
  public static let commonStageFields: Set<String> = [
    "stage", "every", "offset", "after", "name", "segments",
  ]

  @usableFromInline var entries: [String: Entry] = [:]

  /// An empty registry.
  public init() {}

  /// Every registered entry, sorted by kind then name.
  public var allEntries: [Entry] {
    entries.values.sorted {
      ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name)
    }
  }

  /// The entry named `name`, if any.
  public func entry(named name: String) -> Entry? { entries[name] }

  /// Registers an update rule under `name` (replacing any earlier one).
  public mutating func register<R: UpdateRule>(
    rule name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[name] = Entry(
      name: name, kind: .rule, summary: summary, makeStage: { AnyUpdateRule(try factory($0)) },
      makeModel: nil)
  }

  /// Registers an elementwise update rule under `name`: consecutive elementwise stages of a
  /// spec run as one blocked pass over memory. Inlinable, so a rule defined in another module
  /// runs its kernel specialized, at its DSL speed.
  @inlinable
  public mutating func register<R: ElementwiseUpdateRule>(
    rule name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[name] = Entry(
      name: name, kind: .rule, summary: summary, makeStage: { AnyUpdateRule(try factory($0)) },
      makeModel: nil)
  }

  /// Registers a curvature estimator under `name`; in a spec it becomes an estimator stage.
  public mutating func register<E: CurvatureEstimator>(
    estimator name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> E
  ) {
    entries[name] = Entry(
      name: name, kind: .estimator, summary: summary,
      makeStage: { AnyUpdateRule(EstimatorStage(try factory($0))) }, makeModel: nil)
  }

  /// Registers a preset: a whole (statically typed, fused) pipeline under one name.
  public mutating func register<R: UpdateRule>(
    preset name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> Optimizer<R>
  ) {
    entries[name] = Entry(
      name: name, kind: .preset, summary: summary,
      makeStage: { AnyUpdateRule(planned: try factory($0)) }, makeModel: nil)
  }

  /// Registers a model or problem under `name`.
  public mutating func register(
    model name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> any Model
  ) {
    entries[name] = Entry(
      name: name, kind: .model, summary: summary, makeStage: nil, makeModel: factory)
  }

  // MARK: Building

  /// Parses a JSON optimizer spec: an array of stage objects, or `{"stages": [...]}`.
  public func optimizer(fromJSON text: String) throws(SpecError) -> DynamicOptimizer {
    try optimizer(fromJSON: Data(text.utf8))
  }

  /// Parses a JSON optimizer spec from `data`.
  public func optimizer(fromJSON data: Data) throws(SpecError) -> DynamicOptimizer {
    let value: JSONValue
    do {
      value = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw SpecError("malformed JSON: \(Registry.describe(decodingError: error))")
    }
    return try optimizer(from: value)
  }

  /// Builds an optimizer from a parsed spec.
  public func optimizer(from spec: JSONValue) throws(SpecError) -> DynamicOptimizer {
    var stageValues: [JSONValue]
    switch spec {
    case .array(let items):
      stageValues = items
    case .object(let fields):
      guard case .array(let items)? = fields["stages"] else {
        throw SpecError(
          location: "optimizer spec", field: "stages",
          "expected an array of stage objects, e.g. [{\"stage\": \"adam\", \"learningRate\": 0.001}]"
        )
      }
      if let extra = fields.keys.first(where: { $0 != "stages" }) {
        throw SpecError(location: "optimizer spec", field: extra, "unknown field (known: stages)")
      }
      stageValues = items
    default:
      throw SpecError(
        location: "optimizer spec",
        "expected an array of stage objects, got \(spec.typeName)")
    }
    if stageValues.isEmpty {
      throw SpecError(location: "optimizer spec", "no stages (give at least one, e.g. sgd)")
    }
    var stages: [AnyUpdateRule] = []
    for (index, value) in stageValues.enumerated() {
      stages.append(try stage(from: value, index: index + 1))
    }
    return DynamicOptimizer(rule: DynamicChain(stages))
  }

  /// Builds one stage from `{"stage": NAME, ...fields}`.
  public func stage(from value: JSONValue, index: Int) throws(SpecError) -> AnyUpdateRule {
    guard case .object(let fields) = value else {
      throw SpecError(
        location: "stage \(index)", "expected an object like {\"stage\": \"sgd\"}, got \(value)")
    }
    guard let nameValue = fields["stage"] else {
      throw SpecError(location: "stage \(index)", field: "stage", "missing (the stage's name)")
    }
    guard case .string(let name) = nameValue else {
      throw SpecError(
        location: "stage \(index)", field: "stage", "expected a name, got \(nameValue)")
    }
    let location = "stage \(index) ('\(name)')"
    guard let entry = entries[name], let make = entry.makeStage else {
      let known = entries.values.filter { $0.makeStage != nil }.map(\.name)
      let hint = closestName(to: name, in: known).map { "; did you mean '\($0)'?" } ?? ""
      throw SpecError(
        location: "stage \(index)", field: "stage",
        "unknown stage '\(name)'\(hint) (run `saddle list` for all)")
    }
    let parameters = StageParameters(fields, location: location)
    var rule: AnyUpdateRule
    do {
      rule = try make(parameters)
    } catch let error as SpecError {
      throw error
    } catch {
      throw SpecError(location: location, "\(error)")
    }
    // Modifiers common to every stage.
    let period = try parameters.int("every", default: 1, in: .atLeast(1))
    let offset = try parameters.int("offset", default: 0, in: .atLeast(0))
    let start = try parameters.int("after", default: 0, in: .atLeast(0))
    let segments = try parameters.strings("segments", default: [])
    let stageName = try parameters.string("name", default: nil)
    try parameters.rejectUnread(ignoring: ["stage"])
    if !segments.isEmpty { rule = AnyUpdateRule(rule.on(segments: Set(segments))) }
    if period > 1 || offset > 0 { rule = AnyUpdateRule(rule.every(period, offset: offset)) }
    if start > 0 { rule = AnyUpdateRule(rule.after(start)) }
    if let stageName { rule = AnyUpdateRule(rule.named(stageName)) }
    return rule
  }

  /// Builds the model named `name` with `fields` (e.g. `["dimension": 10]`).
  public func model(named name: String, fields: [String: JSONValue] = [:]) throws(SpecError)
    -> any Model
  {
    guard let entry = entries[name], let make = entry.makeModel else {
      let known = entries.values.filter { $0.makeModel != nil }.map(\.name)
      let hint = closestName(to: name, in: known).map { "; did you mean '\($0)'?" } ?? ""
      throw SpecError(
        location: "problem", "unknown problem '\(name)'\(hint) (run `saddle list` for all)")
    }
    let parameters = StageParameters(fields, location: "problem '\(name)'")
    let model: any Model
    do {
      model = try make(parameters)
    } catch let error as SpecError {
      throw error
    } catch {
      throw SpecError(location: "problem '\(name)'", "\(error)")
    }
    try parameters.rejectUnread()
    return model
  }

  /// The parameters `name` accepts, with defaults and ranges (runs its factory on an empty
  /// spec in describing mode).
  public func parameters(of name: String) -> [StageParameters.Description] {
    guard let entry = entries[name] else { return [] }
    let parameters = StageParameters([:], location: name, describing: true)
    if let make = entry.makeStage {
      _ = try? make(parameters)
    } else if let make = entry.makeModel {
      _ = try? make(parameters)
    }
    return parameters.descriptions
  }

  static func describe(decodingError error: any Error) -> String {
    if let error = error as? DecodingError {
      switch error {
      case .dataCorrupted(let context):
        let underlying = (context.underlyingError as? NSError)?.userInfo["NSDebugDescription"]
        return (underlying as? String) ?? context.debugDescription
      case .typeMismatch(_, let context), .valueNotFound(_, let context),
        .keyNotFound(_, let context):
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return context.debugDescription
          + (path.isEmpty ? "" : " (at \(path.joined(separator: ".")))")
      @unknown default: return "\(error)"
      }
    }
    return "\(error)"
  }
}
