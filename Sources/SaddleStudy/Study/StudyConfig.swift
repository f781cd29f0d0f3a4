import Foundation
import SaddleCore
import SaddleModels

/// An ablation study: problems × optimizer settings × seeds, each run on a budget.
///
/// ```json
/// {"name": "deo-ablation", "seeds": 10, "budget": {"cost": 5000},
///  "problems": [{"label": "κ=100", "problem": "ill-conditioned-saddle",
///                "parameters": {"epsilon": 0.01}, "rotationSeed": 1, "escapeDelta": 0.00125}],
///  "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 1}]},
///                 {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 1}],
///                  "grid": {"0.stepSize": [0.1, 0.5]}}]}
/// ```
/// A `grid` maps `"<stage index>.<field>"` to values; every combination becomes a setting
/// labelled `deo[stepSize=0.1]`. Closed-form problems start at their first saddle plus a seeded
/// perturbation (`start: "saddle"`, the default) or at `initialParameters` (`"initial"`);
/// networks always start at their seeded initialization.
public struct StudyConfig: Codable, Sendable, Equatable {
  /// The study's name (used in reports).
  public var name: String
  /// Seeds per setting (seeds 1…n).
  public var seeds: Int
  /// When each run stops.
  public var budget: Budget
  /// The problems.
  public var problems: [ProblemSpec]
  /// The optimizers, each possibly a grid of settings.
  public var optimizers: [OptimizerSpec]
  /// Loss-curve points kept per run (evenly spaced in cost), for the plots.
  public var curvePoints: Int?

  /// When a run stops: the first limit reached.
  public struct Budget: Codable, Sendable, Equatable {
    /// Maximum optimizer steps.
    public var steps: Int?
    /// The escape cost (the budget when it did not escape).
    public var cost: Int?
  }

  /// One problem of the study.
  public struct ProblemSpec: Codable, Sendable, Equatable {
    /// The name shown in reports.
    public var label: String
    /// The problem's label.
    public var problem: String
    /// The problem's parameters (see `saddle list`).
    public var parameters: [String: JSONValue]?
    /// `"saddle"` (default: first listed saddle plus the perturbation) or `"initial"`.
    public var start: String?
    /// Norm of the seeded perturbation added to the start saddle.
    public var perturbation: Double?
    /// When set, the problem is seen in a random orthogonal basis drawn from this seed.
    public var rotationSeed: UInt64?
    /// Escaped when `f < f_saddle − escapeDelta` (closed-form problems started at a saddle).
    public var escapeDelta: Double?
  }

  /// One optimizer: a JSON spec and an optional grid over its fields.
  public struct OptimizerSpec: Codable, Sendable, Equatable {
    /// The name shown in reports.
    public var label: String
    /// The optimizer spec (a JSON list of stages).
    public var spec: JSONValue
    /// `"<stage index>.<field>"` → values; every combination is a setting.
    public var grid: [String: [JSONValue]]?
  }

  /// One concrete optimizer setting after grid expansion.
  public struct Setting: Sendable, Equatable {
    /// The name shown in reports.
    public var label: String
    /// The optimizer spec (a JSON list of stages).
    public var spec: JSONValue
  }

  /// The most trials a study may have unless `allowLarge` (CLI `--allow-large`).
  public static let maximumTrials = 100_000

  /// Loads and validates a config read by `StrictJSON`: unknown keys at every level,
  /// duplicate keys, trailing commas and wrong types are errors naming `source` (the file),
  /// the JSON path (`problems[1].escapeDelta`), the value and what is accepted.
  ///
  /// - Parameters:
  ///   - data: the config's JSON text, UTF-8.
  ///   - registry: resolves the problem, model and stage names.
  ///   - source: the file's path (or another name for the input), for messages.
  ///   - allowLarge: accept more than ``maximumTrials`` trials and optimizer specs of more
  ///     than `Registry.maximumStages` stages.
  public static func load(
    _ data: Data, registry: Registry = .standard, source: String = "study config",
    allowLarge: Bool = false
  ) throws(SpecError) -> StudyConfig {
    let config = try StrictJSON.decode(StudyConfig.self, from: data, source: source)
    try config.validate(registry: registry, source: source, allowLarge: allowLarge)
    return config
  }

  /// The number of optimizer settings after grid expansion, computed without expanding
  /// (saturating at `Int.max`).
  public var settingCount: Int {
    var total = 0
    for optimizer in optimizers {
      var n = 1
      for values in (optimizer.grid ?? [:]).values {
        let (product, overflow) = n.multipliedReportingOverflow(by: values.count)
        n = overflow ? Int.max : product
      }
      let (sum, overflow) = total.addingReportingOverflow(n)
      total = overflow ? Int.max : sum
    }
    return total
  }

  /// The number of trials, problems × settings × seeds, computed before anything is
  /// expanded or run (saturating at `Int.max`).
  public var trialCount: Int {
    let (a, o1) = problems.count.multipliedReportingOverflow(by: settingCount)
    let (b, o2) = a.multipliedReportingOverflow(by: Swift.max(seeds, 0))
    return o1 || o2 ? Int.max : b
  }

  /// What a label accepts, for messages.
  public static let acceptedLabel =
    "1–200 characters, no '/' (it separates problem/setting/seed in trial ids), no '|', no line breaks or control characters, no leading or trailing spaces"

  /// What a study name accepts, for messages.
  public static let acceptedName =
    "1–100 characters from A–Z a–z 0–9 . _ -, not starting with '.' or '-' (it names the results directory and the Slurm job)"

  /// Why `label` cannot name a problem or setting, or `nil` if it can.
  public static func labelProblem(_ label: String) -> String? {
    if label.isEmpty { return "is empty" }
    if label.count > 200 { return "is longer than 200 characters" }
    if label.unicodeScalars.contains(where: {
      $0.properties.generalCategory == .control || $0.properties.generalCategory == .lineSeparator
        || $0.properties.generalCategory == .paragraphSeparator
    }) {
      return "contains a line break or control character"
    }
    if label.contains("/") { return "contains '/'" }
    if label.contains("|") { return "contains '|'" }
    if label.first!.isWhitespace || label.last!.isWhitespace {
      return "starts or ends with a space"
    }
    return nil
  }

  /// Why `name` cannot name a study, or `nil` if it can.
  public static func nameProblem(_ name: String) -> String? {
    if name.isEmpty { return "is empty" }
    if name.utf8.count > 100 { return "is longer than 100 characters" }
    guard
      name.unicodeScalars.allSatisfy({
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "." || $0 == "_" || $0 == "-"
      })
    else {
      return "contains characters other than A–Z a–z 0–9 . _ -"
    }
    if name.hasPrefix(".") || name.hasPrefix("-") { return "starts with '\(name.first!)'" }
    return nil
  }

  /// `text` quoted for a message (line breaks escaped, long text cut).
  static func quoted(_ text: String) -> String {
    let short = text.count > 60 ? String(text.prefix(57)) + "…" : text
    return "'\(short)'"
  }

  /// Checks ranges, names, labels, the trial count and that every setting builds for every
  /// problem (its `segments` exist in the problem's layout); errors name `source`, the JSON
  /// path, the value and what is accepted.
  public func validate(
    registry: Registry, source: String = "study config", allowLarge: Bool = false
  ) throws(SpecError) {
    func fail(_ field: String, _ message: String) -> SpecError {
      SpecError(location: source, field: field, message)
    }
    if let problem = Self.nameProblem(name) {
      throw fail("name", "\(Self.quoted(name)) \(problem) (accepted: \(Self.acceptedName))")
    }
    guard (1...10_000).contains(seeds) else {
      throw fail("seeds", "\(seeds) is out of range (accepted: 1 ≤ x ≤ 10000)")
    }
    guard budget.steps != nil || budget.cost != nil else {
      throw fail("budget", "give steps or cost (or both; the first limit reached stops a run)")
    }
    if let s = budget.steps, s < 1 {
      throw fail("budget.steps", "\(s) is out of range (accepted: ≥ 1)")
    }
    if let c = budget.cost, c < 1 {
      throw fail("budget.cost", "\(c) is out of range (accepted: ≥ 1)")
    }
    if let n = curvePoints, !(2...10_000).contains(n) {
      throw fail("curvePoints", "\(n) is out of range (accepted: 2 ≤ x ≤ 10000)")
    }
    guard !problems.isEmpty else {
      throw fail("problems", "is empty (a study needs at least one problem)")
    }
    guard !optimizers.isEmpty else {
      throw fail("optimizers", "is empty (a study needs at least one optimizer)")
    }
    var problemLabels: [String: Int] = [:]
    for (i, p) in problems.enumerated() {
      if let problem = Self.labelProblem(p.label) {
        throw fail(
          "problems[\(i)].label",
          "\(Self.quoted(p.label)) \(problem) (accepted: \(Self.acceptedLabel))")
      }
      if let first = problemLabels[p.label] {
        throw fail(
          "problems[\(i)].label",
          "\(Self.quoted(p.label)) is already the label of problems[\(first)] (labels must be unique: each names its trials' files)"
        )
      }
      problemLabels[p.label] = i
    }
    var optimizerLabels: [String: Int] = [:]
    for (i, o) in optimizers.enumerated() {
      if let problem = Self.labelProblem(o.label) {
        throw fail(
          "optimizers[\(i)].label",
          "\(Self.quoted(o.label)) \(problem) (accepted: \(Self.acceptedLabel))")
      }
      if let first = optimizerLabels[o.label] {
        throw fail(
          "optimizers[\(i)].label",
          "\(Self.quoted(o.label)) is already the label of optimizers[\(first)] (labels must be unique: each names its trials' files)"
        )
      }
      optimizerLabels[o.label] = i
      for (key, values) in (o.grid ?? [:]).sorted(by: { $0.key < $1.key }) where values.isEmpty {
        throw fail("optimizers[\(i)].grid.\(key)", "is empty (give at least one value)")
      }
    }
    // Count before expanding anything: a grid of 8 keys × 10 values is 10⁸ settings.
    let count = trialCount
    if count > Self.maximumTrials && !allowLarge {
      let shown = count == Int.max ? "more than \(Int.max)" : "\(count)"
      throw SpecError(
        location: source,
        "\(shown) trials (\(problems.count) problems × \(settingCount == Int.max ? "too many" : "\(settingCount)") settings × \(seeds) seeds; accepted: at most \(Self.maximumTrials); pass --allow-large to run it anyway)"
      )
    }
    var layouts: [[String]: ParameterLayout] = [:]
    for (i, p) in problems.enumerated() {
      let field = "problems[\(i)]"
      var model: any Model
      do {
        model = try registry.model(named: p.problem, fields: p.parameters ?? [:])
      } catch {
        throw error.at("\(source), \(field)")
      }
      let closed = model as? any ClosedFormProblem
      let start = p.start ?? "saddle"
      guard ["saddle", "initial"].contains(start) else {
        throw fail(
          "\(field).start", "\(Self.quoted(start)) is not a start (accepted: saddle, initial)")
      }
      if p.start != nil && closed == nil {
        throw fail(
          "\(field).start",
          "'\(p.problem)' is not a closed-form problem: it always starts at its seeded initialization (remove start)"
        )
      }
      if start == "saddle", let closed, closed.saddles.isEmpty {
        throw fail(
          "\(field).start", "'\(p.problem)' lists no saddle (accepted here: initial)")
      }
      let fromSaddle = start == "saddle" && closed != nil
      if let d = p.perturbation {
        guard d >= 0 && d.isFinite else {
          throw fail("\(field).perturbation", "\(d) is out of range (accepted: ≥ 0)")
        }
        guard fromSaddle else {
          throw fail(
            "\(field).perturbation",
            "applies only to closed-form problems started at a saddle (start: saddle); here it would be ignored"
          )
        }
      }
      // A model that is not closed-form but declares its saddle value (SaddleDeclaring) is
      // measured for escape from its seeded initialization.
      let declaresSaddle =
        closed == nil && (model as? any SaddleDeclaring)?.saddleValue != nil
      if let d = p.escapeDelta {
        guard d > 0 && d.isFinite else {
          throw fail("\(field).escapeDelta", "\(d) is out of range (accepted: > 0)")
        }
        guard fromSaddle || declaresSaddle else {
          throw fail(
            "\(field).escapeDelta",
            "applies only to closed-form problems started at a saddle (start: saddle); here it would be ignored"
          )
        }
      }
      if let rotation = p.rotationSeed {
        guard let closed else {
          throw fail(
            "\(field).rotationSeed",
            "applies only to closed-form problems; '\(p.problem)' would run unrotated")
        }
        model = RotatedProblem(closed, seed: rotation)
      }
      layouts[model.layout.segments.map(\.name)] = model.layout
    }
    var labels: [String: String] = [:]
    for (i, optimizer) in optimizers.enumerated() {
      let expanded: [Setting]
      do {
        expanded = try expand(optimizer, index: i)
      } catch {
        throw error.at(source)
      }
      for setting in expanded {
        let field = "optimizers[\(i)]"
        if let problem = Self.labelProblem(setting.label) {
          throw fail(
            "\(field).grid",
            "the setting label \(Self.quoted(setting.label)) \(problem) (accepted: \(Self.acceptedLabel))"
          )
        }
        if let first = labels[setting.label] {
          throw fail(
            "\(field).label",
            "the setting \(Self.quoted(setting.label)) is also made by \(first) (labels must be unique: each names its trials' files)"
          )
        }
        labels[setting.label] = field
        for (_, layout) in layouts.sorted(by: { $0.key.joined() < $1.key.joined() }) {
          do {
            _ = try registry.optimizer(from: setting.spec, layout: layout, allowLarge: allowLarge)
          } catch {
            throw error.at("\(source), optimizer '\(setting.label)' (\(field).spec)")
          }
        }
      }
    }
  }

  /// Every optimizer setting, grids expanded in field order. Check ``trialCount`` first: a
  /// grid's settings are the product of its value counts.
  public func settings() throws(SpecError) -> [Setting] {
    var out: [Setting] = []
    for (i, optimizer) in optimizers.enumerated() {
      out += try expand(optimizer, index: i)
    }
    return out
  }

  func expand(_ optimizer: OptimizerSpec, index i: Int) throws(SpecError) -> [Setting] {
    guard let grid = optimizer.grid, !grid.isEmpty else {
      return [Setting(label: optimizer.label, spec: optimizer.spec)]
    }
    var combos: [[(String, JSONValue)]] = [[]]
    for key in grid.keys.sorted() {
      let values = grid[key]!
      guard !values.isEmpty else {
        throw SpecError(field: "optimizers[\(i)].grid.\(key)", "is empty (give at least one value)")
      }
      combos = combos.flatMap { c in values.map { c + [(key, $0)] } }
    }
    var out: [Setting] = []
    for combo in combos {
      var spec = optimizer.spec
      for (key, value) in combo {
        spec = try Self.setting(spec, key, to: value, index: i)
      }
      let suffix = combo.map { "\($0.0.split(separator: ".").last!)=\($0.1)" }
        .joined(separator: ",")
      out.append(Setting(label: "\(optimizer.label)[\(suffix)]", spec: spec))
    }
    return out
  }

  static func setting(_ spec: JSONValue, _ key: String, to value: JSONValue, index i: Int)
    throws(SpecError) -> JSONValue
  {
    let parts = key.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
      .map(String.init)
    guard parts.count == 2, let index = Int(parts[0]), String(index) == parts[0],
      !parts[1].isEmpty, case .array(var stages) = spec,
      stages.indices.contains(index), case .object(var fields) = stages[index]
    else {
      throw SpecError(
        field: "optimizers[\(i)].grid.\(key)",
        "expected '<stage index>.<field>' naming a stage of the spec (stages count from 0; the spec must be an array of stages)"
      )
    }
    fields[parts[1]] = value
    stages[index] = .object(fields)
    return .array(stages)
  }
}
