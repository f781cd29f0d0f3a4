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
    /// An update rule (`register(rule:…)`): a stage that writes the update direction.
    case rule
    /// A curvature estimator (``Registry/register(estimator:summary:_:)``): a stage that
    /// estimates the minimum-curvature direction for the rules after it.
    case estimator
    /// A preset (``Registry/register(preset:summary:_:)``): a whole pipeline under one name,
    /// usable as a stage.
    case preset
    /// A model or problem (``Registry/register(model:summary:_:)``), named by studies and
    /// `saddle run --problem`.
    case model
  }

  /// A registered factory.
  public struct Entry: Sendable {
    /// The name used in specs.
    public var name: String
    /// What it makes.
    public var kind: Kind
    /// One line: what it is, its formula or paper.
    public var summary: String
    /// Whether the stage scales the step (it has a learning rate, or is `scale`,
    /// `raw-gradient`, a preset, …), so that `θ ← θ − d` does not run at rate 1. `nil`: a
    /// rule scales the step when its factory reads a `learningRate` field.
    public var scalesStep: Bool?
    /// The declared schema (``SchemaDeclaring``, or a `register(…schema…)` call); `nil` for a
    /// factory registered by name, whose parameters ``Registry/schema(of:)`` derives by running
    /// the factory in describing mode.
    public var schema: StageSchema?
    @usableFromInline let makeStage: (@Sendable (StageParameters) throws -> AnyUpdateRule)?
    @usableFromInline let makeModel: (@Sendable (StageParameters) throws -> any Model)?

    @usableFromInline
    init(
      name: String, kind: Kind, summary: String, scalesStep: Bool? = nil,
      schema: StageSchema? = nil,
      makeStage: (@Sendable (StageParameters) throws -> AnyUpdateRule)?,
      makeModel: (@Sendable (StageParameters) throws -> any Model)?
    ) {
      self.name = name
      self.kind = kind
      self.summary = summary
      self.scalesStep = scalesStep
      self.schema = schema
      self.makeStage = makeStage
      self.makeModel = makeModel
    }
  }

  /// The most stages a spec may have (unless `allowLarge`): a larger one is almost surely a
  /// generated mistake, and building it takes minutes.
  public static let maximumStages = 10_000

  /// Fields every stage accepts, handled by the registry: `every`, `offset`, `after`, `name`,
  /// `segments`.
  public static let commonStageFields: Set<String> = [
    "stage", "every", "offset", "after", "name", "segments",
  ]

  @usableFromInline var entries: [String: Entry] = [:]

  /// The learning-rate schedules a spec's `learningRate` object may name, in listing order
  /// (``LearningRate/schedules`` unless more are registered).
  public private(set) var schedules: [ScheduleDefinition] = LearningRate.schedules

  /// Registers a learning-rate schedule (replacing one of the same name): from then on any
  /// `learningRate` in this registry's specs may be `{"schedule": NAME, …}`, and `saddle list
  /// schedules` lists it.
  public mutating func register(schedule: ScheduleDefinition) {
    if let index = schedules.firstIndex(where: { $0.name == schedule.name }) {
      schedules[index] = schedule
    } else {
      schedules.append(schedule)
    }
  }

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
  ///
  /// Pass `scalesStep: true` for a rule that sets the step's size without a `learningRate`
  /// field (like `scale`): a spec whose stages do not scale the step is refused, since
  /// `θ ← θ − g` would then run at rate 1.
  public mutating func register<R: UpdateRule>(
    rule name: String, summary: String = "", scalesStep: Bool? = nil,
    _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[name] = Entry(
      name: name, kind: .rule, summary: summary, scalesStep: scalesStep,
      makeStage: { AnyUpdateRule(try factory($0)) }, makeModel: nil)
  }

  /// Registers an elementwise update rule under `name`: consecutive elementwise stages of a
  /// spec run as one blocked pass over memory. Inlinable, so a rule defined in another module
  /// runs its kernel specialized, at its DSL speed.
  @inlinable
  public mutating func register<R: ElementwiseUpdateRule>(
    rule name: String, summary: String = "", scalesStep: Bool? = nil,
    _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[name] = Entry(
      name: name, kind: .rule, summary: summary, scalesStep: scalesStep,
      makeStage: { AnyUpdateRule(try factory($0)) }, makeModel: nil)
  }

  /// Registers a curvature estimator under `name`; in a spec it becomes an estimator stage.
  public mutating func register<E: CurvatureEstimator>(
    estimator name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> E
  ) {
    entries[name] = Entry(
      name: name, kind: .estimator, summary: summary, scalesStep: false,
      makeStage: { AnyUpdateRule(EstimatorStage(try factory($0))) }, makeModel: nil)
  }

  /// Registers a preset: a whole (statically typed, fused) pipeline under one name.
  public mutating func register<R: UpdateRule>(
    preset name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> Optimizer<R>
  ) {
    entries[name] = Entry(
      name: name, kind: .preset, summary: summary, scalesStep: true,
      makeStage: { AnyUpdateRule(planned: try factory($0)) }, makeModel: nil)
  }

  /// Registers a model or problem under `name`.
  public mutating func register(
    model name: String, summary: String = "",
    _ factory: @escaping @Sendable (StageParameters) throws -> any Model
  ) {
    entries[name] = Entry(
      name: name, kind: .model, summary: summary, scalesStep: nil, makeStage: nil,
      makeModel: factory)
  }

  // MARK: Registering by schema

  /// Registers the update rule `R` under its schema's name: one line per rule.
  public mutating func register<R: UpdateRule & SchemaDeclaring>(_ rule: R.Type) {
    register(rule: R.schema) { p throws(SpecError) in try R(parameters: p) }
  }

  /// Registers the elementwise update rule `R` under its schema's name (fused with its
  /// neighbours; inlinable, so a rule from another module runs its kernel specialized).
  @inlinable
  public mutating func register<R: ElementwiseUpdateRule & SchemaDeclaring>(_ rule: R.Type) {
    register(rule: R.schema) { p throws(SpecError) in try R(parameters: p) }
  }

  /// Registers the curvature estimator `E` under its schema's name.
  public mutating func register<E: CurvatureEstimator & SchemaDeclaring>(_ estimator: E.Type) {
    register(estimator: E.schema) { p throws(SpecError) in try E(parameters: p) }
  }

  /// Registers an update rule described by `schema`, built by `factory` (which reads the
  /// schema's parameters with ``StageParameters/read(_:)``).
  public mutating func register<R: UpdateRule>(
    rule schema: StageSchema, _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[schema.name] = Entry(
      name: schema.name, kind: .rule, summary: schema.summary, scalesStep: schema.scalesStep,
      schema: schema, makeStage: { AnyUpdateRule(try factory($0)) }, makeModel: nil)
  }

  /// Registers an elementwise update rule described by `schema`: consecutive elementwise stages
  /// run as one blocked pass over memory (inlinable, so a rule from another module runs its
  /// kernel specialized).
  @inlinable
  public mutating func register<R: ElementwiseUpdateRule>(
    rule schema: StageSchema, _ factory: @escaping @Sendable (StageParameters) throws -> R
  ) {
    entries[schema.name] = Entry(
      name: schema.name, kind: .rule, summary: schema.summary, scalesStep: schema.scalesStep,
      schema: schema, makeStage: { AnyUpdateRule(try factory($0)) }, makeModel: nil)
  }

  /// Registers a curvature estimator described by `schema`.
  public mutating func register<E: CurvatureEstimator>(
    estimator schema: StageSchema, _ factory: @escaping @Sendable (StageParameters) throws -> E
  ) {
    entries[schema.name] = Entry(
      name: schema.name, kind: .estimator, summary: schema.summary, scalesStep: false,
      schema: schema, makeStage: { AnyUpdateRule(EstimatorStage(try factory($0))) },
      makeModel: nil)
  }

  /// Registers a preset described by `schema`: a whole (statically typed, fused) pipeline.
  public mutating func register<R: UpdateRule>(
    preset schema: StageSchema,
    _ factory: @escaping @Sendable (StageParameters) throws -> Optimizer<R>
  ) {
    entries[schema.name] = Entry(
      name: schema.name, kind: .preset, summary: schema.summary, scalesStep: true,
      schema: schema, makeStage: { AnyUpdateRule(planned: try factory($0)) }, makeModel: nil)
  }

  /// Registers a model or problem described by `schema`.
  public mutating func register(
    model schema: StageSchema,
    _ factory: @escaping @Sendable (StageParameters) throws -> any Model
  ) {
    entries[schema.name] = Entry(
      name: schema.name, kind: .model, summary: schema.summary, scalesStep: nil,
      schema: schema, makeStage: nil, makeModel: factory)
  }

  // MARK: Building

  /// Parses a JSON optimizer spec: an array of stage objects, or `{"stages": [...]}`.
  ///
  /// The text is read by ``StrictJSON`` (duplicate keys, trailing commas, invalid UTF-8, …
  /// are errors). Give `layout` (the model's) to check the `segments` a stage names and that
  /// every segment's step is scaled; see ``optimizer(from:source:layout:allowLarge:)``.
  public func optimizer(
    fromJSON text: String, source: String? = nil, layout: ParameterLayout? = nil,
    allowLarge: Bool = false
  ) throws(SpecError) -> DynamicOptimizer {
    try optimizer(fromJSON: Data(text.utf8), source: source, layout: layout, allowLarge: allowLarge)
  }

  /// Parses a JSON optimizer spec from `data` (see ``optimizer(fromJSON:source:layout:allowLarge:)-(String,_,_,_)``).
  public func optimizer(
    fromJSON data: Data, source: String? = nil, layout: ParameterLayout? = nil,
    allowLarge: Bool = false
  ) throws(SpecError) -> DynamicOptimizer {
    let value = try StrictJSON.parse(data, source: source ?? "optimizer spec")
    return try optimizer(from: value, source: source, layout: layout, allowLarge: allowLarge)
  }

  /// Builds an optimizer from a parsed spec.
  ///
  /// Refused, each with one line naming the stage, field and value: unknown stages and fields,
  /// out-of-range values, more than ``maximumStages`` stages (unless `allowLarge`), and a
  /// chain in which no stage scales the step — with only `dimer` or `clip-norm`, the optimizer's
  /// `θ ← θ − d` would be `θ ← θ − g` at rate 1; write `{"stage": "raw-gradient"}` to mean
  /// that. With `layout`, a `segments` name the layout does not have is refused (listing the
  /// real names), and so is a segment that no unconditional step-scaling stage covers.
  /// Errors are located inside `source` when it is given (a file path or `--optimizer`).
  public func optimizer(
    from spec: JSONValue, source: String? = nil, layout: ParameterLayout? = nil,
    allowLarge: Bool = false
  ) throws(SpecError) -> DynamicOptimizer {
    do {
      return try buildOptimizer(from: spec, layout: layout, allowLarge: allowLarge)
    } catch {
      if let source { throw error.at(source) }
      throw error
    }
  }

  private func buildOptimizer(from spec: JSONValue, layout: ParameterLayout?, allowLarge: Bool)
    throws(SpecError) -> DynamicOptimizer
  {
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
      if let extra = fields.keys.sorted().first(where: { $0 != "stages" }) {
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
    if stageValues.count > Self.maximumStages && !allowLarge {
      throw SpecError(
        location: "optimizer spec",
        "\(stageValues.count) stages (accepted: at most \(Self.maximumStages); pass --allow-large / allowLarge to build it anyway)"
      )
    }
    var stages: [AnyUpdateRule] = []
    var infos: [StageInfo] = []
    for (index, value) in stageValues.enumerated() {
      let (stage, info) = try buildStage(from: value, index: index + 1, layout: layout)
      stages.append(stage)
      infos.append(info)
    }
    try Self.checkStepScaling(infos, layout: layout)
    return DynamicOptimizer(rule: DynamicChain(stages))
  }

  /// What the step-scaling check needs to know of a built stage.
  struct StageInfo {
    var location: String
    var scales: Bool
    /// The segments it acts on; empty: all.
    var segments: [String]
    /// Whether it runs only on some steps (`every`, `offset`, `after`).
    var conditional: Bool
  }

  static let rateOneExplanation =
    "the optimizer's θ ← θ − d would then be θ ← θ − g at rate 1 (a learning rate of 1); add a rule with a learning rate (sgd, adam, …), or {\"stage\": \"raw-gradient\"} if you mean the raw gradient"

  static func checkStepScaling(_ infos: [StageInfo], layout: ParameterLayout?) throws(SpecError) {
    let covering = infos.filter { $0.scales && !$0.conditional }
    if covering.isEmpty {
      let names = infos.map(\.location).joined(separator: ", ")
      let conditional = infos.filter { $0.scales && $0.conditional }.map(\.location)
      let note =
        conditional.isEmpty
        ? ""
        : " (\(conditional.joined(separator: ", ")) scales it only on some steps: every/offset/after)"
      throw SpecError(
        location: "optimizer spec",
        "no stage scales the step\(note) in [\(names)]: \(rateOneExplanation)")
    }
    guard let layout, covering.allSatisfy({ !$0.segments.isEmpty }) else { return }
    let covered = Set(covering.flatMap(\.segments))
    let uncovered = layout.segments.map(\.name).filter { !covered.contains($0) }
    if !uncovered.isEmpty {
      throw SpecError(
        location: "optimizer spec", field: "segments",
        "no stage scales the step of segment(s) \(uncovered.joined(separator: ", ")) (the step-scaling stages act only on \(covered.sorted().joined(separator: ", "))): on those segments \(rateOneExplanation)"
      )
    }
  }

  /// Builds one stage from `{"stage": NAME, ...fields}`; with `layout`, the names in its
  /// `segments` field must be segments of the layout.
  public func stage(from value: JSONValue, index: Int, layout: ParameterLayout? = nil)
    throws(SpecError) -> AnyUpdateRule
  {
    try buildStage(from: value, index: index, layout: layout).0
  }

  func buildStage(from value: JSONValue, index: Int, layout: ParameterLayout?) throws(SpecError)
    -> (AnyUpdateRule, StageInfo)
  {
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
    let parameters = StageParameters(fields, location: location, schedules: schedules)
    var rule: AnyUpdateRule
    do {
      rule = try make(parameters)
    } catch let error as SpecError {
      throw error
    } catch {
      throw SpecError(location: location, "\(error)")
    }
    let scales = entry.scalesStep ?? parameters.read.contains("learningRate")
    // Modifiers common to every stage.
    let period = try parameters.int("every", default: 1, in: .atLeast(1))
    let offset = try parameters.int("offset", default: 0, in: .atLeast(0))
    let start = try parameters.int("after", default: 0, in: .atLeast(0))
    let segments = try parameters.strings("segments", default: [])
    let stageName = try parameters.string("name", default: nil)
    try parameters.rejectUnread(ignoring: ["stage"])
    if parameters.has("segments") && segments.isEmpty {
      throw SpecError(
        location: location, field: "segments",
        "an empty list (name at least one segment, or omit the field to act on every segment)")
    }
    if let layout {
      let real = layout.segments.map(\.name)
      for segment in segments where !real.contains(segment) {
        let hint = closestName(to: segment, in: real).map { "; did you mean '\($0)'?" } ?? ""
        throw SpecError(
          location: location, field: "segments",
          "unknown segment '\(segment)'\(hint) (this model's segments: \(real.joined(separator: ", ")); see `saddle list --model NAME`)"
        )
      }
    }
    if !segments.isEmpty { rule = AnyUpdateRule(rule.on(segments: Set(segments))) }
    if period > 1 || offset > 0 { rule = AnyUpdateRule(rule.every(period, offset: offset)) }
    if start > 0 { rule = AnyUpdateRule(rule.after(start)) }
    if let stageName { rule = AnyUpdateRule(rule.named(stageName)) }
    let info = StageInfo(
      location: location, scales: scales, segments: segments,
      conditional: period > 1 || offset > 0 || start > 0)
    return (rule, info)
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

  /// The parameters `name` accepts, with defaults, ranges and docs: its declared schema's, or
  /// for an entry registered by name alone, what its factory reads (see ``schema(of:)``).
  public func parameters(of name: String) -> [StageParameters.Description] {
    guard let entry = entries[name] else { return [] }
    if let schema = entry.schema { return schema.descriptions }
    return describedParameters(of: name)
  }

  /// The schema of `name`: the declared one, or — the adapter for entries registered by name
  /// with a factory (`register(rule: "name", summary: …) { p in … }`) — one derived by running
  /// the factory on an empty spec in describing mode (parameters without docs).
  public func schema(of name: String) -> StageSchema? {
    guard let entry = entries[name] else { return nil }
    if let schema = entry.schema { return schema }
    let parameters = describedParameters(of: name).map {
      ParameterSpec(
        $0.name, kind: .derived(accepted: $0.accepted, range: $0.range),
        defaultText: $0.defaultValue, doc: $0.doc)
    }
    return StageSchema(
      name, summary: entry.summary, scalesStep: entry.scalesStep, parameters: parameters)
  }

  /// What `name`'s factory reads, run on an empty spec in describing mode.
  public func describedParameters(of name: String) -> [StageParameters.Description] {
    guard let entry = entries[name] else { return [] }
    let parameters = StageParameters(
      [:], location: name, describing: true, schedules: schedules)
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
