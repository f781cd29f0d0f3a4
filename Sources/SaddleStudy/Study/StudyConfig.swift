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
///
/// With `tuningSeeds` the study runs the fair tuning protocol (Guides/Studies.md): every grid
/// point on the tuning seeds 1001…1000+`tuningSeeds`, then per optimizer and problem the point
/// chosen by `selection` on the reporting seeds 1…`seeds`. A grid axis may then be relative to
/// the problem's scale: `{"timesInverseLambdaMax": [0.5, 1, 1.5, 1.9]}` (values `c/λ_max`,
/// λ_max the largest Hessian eigenvalue at the start saddle) or `{"timesMinimaDistance": […]}`
/// (values `c·‖x_min − x_saddle‖` for the nearest listed minimum).
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
  /// Tuning seeds per grid point (seeds 1001…1000+n, disjoint from the reporting seeds); nil:
  /// no tuning phase, every grid point is reported.
  public var tuningSeeds: Int?
  /// The rule choosing each optimizer's grid point on the tuning seeds (``SelectionRule``;
  /// default `median-escape-cost`). Only with `tuningSeeds`.
  public var selection: String?

  /// The first tuning seed: tuning seeds are `tuningSeedBase + 1 … tuningSeedBase + n`.
  public static let tuningSeedBase = 1000

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
    public var grid: [String: GridAxis]?
  }

  /// The values of one grid field: literal JSON values, or factors of a problem's scale.
  public enum GridAxis: Codable, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The values as written (`[0.1, 0.5]`).
    case values([JSONValue])
    /// `factors` times the problem's `scale` (`{"timesInverseLambdaMax": [0.5, 1.9]}`).
    case relative(RelativeScale, [Double])

    /// `[0.1, 0.5]` as ``values(_:)``.
    public init(arrayLiteral elements: JSONValue...) { self = .values(elements) }

    /// Whether the values are literal (not relative to a problem's scale).
    public var isLiteral: Bool {
      if case .values = self { return true }
      return false
    }

    /// The number of values.
    public var count: Int {
      switch self {
      case .values(let v): v.count
      case .relative(_, let f): f.count
      }
    }

    enum CodingKeys: String, CodingKey {
      case timesInverseLambdaMax, timesMinimaDistance
    }

    /// Reads an array of values or an object with exactly one scale key.
    public init(from decoder: any Decoder) throws {
      let value = try decoder.singleValueContainer().decode(JSONValue.self)
      if case .array(let items) = value {
        self = .values(items)
        return
      }
      guard case .object = value else {
        throw DecodingError.typeMismatch(
          GridAxis.self,
          .init(
            codingPath: decoder.codingPath,
            debugDescription:
              "expected an array of values or {\"timesInverseLambdaMax\": [...]} or {\"timesMinimaDistance\": [...]}"
          ))
      }
      let c = try decoder.container(keyedBy: CodingKeys.self)
      let inverse = try c.decodeIfPresent([Double].self, forKey: .timesInverseLambdaMax)
      let distance = try c.decodeIfPresent([Double].self, forKey: .timesMinimaDistance)
      switch (inverse, distance) {
      case (let f?, nil): self = .relative(.timesInverseLambdaMax, f)
      case (nil, let f?): self = .relative(.timesMinimaDistance, f)
      case (nil, nil):
        // No factors: refused by validation as empty, after unknown keys (a misspelt
        // `timesInverseLambdaMaxx`) are named.
        self = .relative(.timesInverseLambdaMax, [])
      default:
        throw DecodingError.dataCorrupted(
          .init(
            codingPath: decoder.codingPath,
            debugDescription:
              "give exactly one of timesInverseLambdaMax or timesMinimaDistance (an array of factors)"
          ))
      }
    }

    /// Writes what was read (an array stays an array, so existing configs keep their bytes).
    public func encode(to encoder: any Encoder) throws {
      switch self {
      case .values(let v):
        var c = encoder.singleValueContainer()
        try c.encode(v)
      case .relative(let scale, let factors):
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(
          factors,
          forKey: scale == .timesInverseLambdaMax ? .timesInverseLambdaMax : .timesMinimaDistance)
      }
    }
  }

  /// What a relative grid axis multiplies.
  public enum RelativeScale: String, Sendable, Equatable {
    /// `c/λ_max`: λ_max the largest eigenvalue of the Hessian at the problem's start saddle
    /// (GD is stable for η < 2/λ_max).
    case timesInverseLambdaMax
    /// `c·d_min`: d_min the distance from the start saddle to the nearest listed minimum.
    case timesMinimaDistance

    /// The label suffix of a factor (`0.5×λmax⁻¹`, `0.5×dmin`; labels may not contain '/').
    func label(_ factor: Double) -> String {
      CanonicalJSON.text(.double(factor)) + (self == .timesInverseLambdaMax ? "×λmax⁻¹" : "×dmin")
    }
  }

  /// A problem's known scale, for relative grid axes.
  public struct ProblemScale: Sendable, Equatable {
    /// The largest Hessian eigenvalue at the start saddle (nil: not known).
    public var lambdaMax: Double?
    /// The distance from the start saddle to the nearest listed minimum (nil: not known).
    public var minimaDistance: Double?
    /// A value with both fields given.
    public init(lambdaMax: Double?, minimaDistance: Double?) {
      self.lambdaMax = lambdaMax
      self.minimaDistance = minimaDistance
    }
  }

  /// One concrete optimizer setting after grid expansion.
  public struct Setting: Sendable, Equatable {
    /// The name shown in reports.
    public var label: String
    /// The optimizer spec (a JSON list of stages).
    public var spec: JSONValue
    /// The index of its optimizer in the config.
    public var optimizer: Int = 0
    /// Its position in the optimizer's grid (grid order: fields sorted, last field fastest).
    public var point: Int = 0
    /// Per grid field (sorted by key): the index of this setting's value.
    public var coordinates: [Int] = []
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
  /// expanded or run (saturating at `Int.max`). With `tuningSeeds`: problems × settings ×
  /// tuning seeds (phase 1) plus problems × optimizers × seeds (phase 2).
  public var trialCount: Int {
    let (a, o1) = problems.count.multipliedReportingOverflow(by: settingCount)
    guard let tuning = tuningSeeds else {
      let (b, o2) = a.multipliedReportingOverflow(by: Swift.max(seeds, 0))
      return o1 || o2 ? Int.max : b
    }
    let (b, o2) = a.multipliedReportingOverflow(by: Swift.max(tuning, 0))
    let (c, o3) = (problems.count * optimizers.count).multipliedReportingOverflow(
      by: Swift.max(seeds, 0))
    let (d, o4) = b.addingReportingOverflow(c)
    return o1 || o2 || o3 || o4 ? Int.max : d
  }

  /// The tuning seeds (1001…1000+n), empty without `tuningSeeds`.
  public var tuningSeedRange: [Int] {
    guard let n = tuningSeeds, n >= 1 else { return [] }
    return Array((Self.tuningSeedBase + 1)...(Self.tuningSeedBase + n))
  }

  /// The selection rule (nil without `tuningSeeds`).
  public var selectionRule: SelectionRule? {
    guard tuningSeeds != nil else { return nil }
    return SelectionRule(rawValue: selection ?? SelectionRule.medianEscapeCost.rawValue)
  }

  /// The labels of the report's rows in config order: the setting labels, or with
  /// `tuningSeeds` the optimizer labels (one row per optimizer: its selected setting).
  public var reportedLabels: [String] {
    if tuningSeeds != nil { return optimizers.map(\.label) }
    return (try? settings().map(\.label)) ?? []
  }

  /// Each problem's ``scale(ofProblem:registry:)`` when a grid axis is relative (nil entries
  /// otherwise), for the report.
  public func relativeScales(registry: Registry = .standard) -> [ProblemScale?] {
    guard uses(.timesInverseLambdaMax) || uses(.timesMinimaDistance) else {
      return Array(repeating: nil, count: problems.count)
    }
    return problems.indices.map { try? scale(ofProblem: $0, registry: registry) }
  }

  /// Whether any grid axis of any optimizer is relative to `scale`.
  func uses(_ scale: RelativeScale) -> Bool {
    optimizers.contains { o in
      (o.grid ?? [:]).values.contains {
        if case .relative(let s, _) = $0 { return s == scale }
        return false
      }
    }
  }

  /// The known scale of problem `index`: λ_max of the Hessian at its start saddle and the
  /// distance from that saddle to the nearest listed minimum (closed-form problems started at
  /// a saddle; the rotation, if any, changes neither).
  public func scale(ofProblem index: Int, registry: Registry = .standard) throws(SpecError)
    -> ProblemScale
  {
    let p = problems[index]
    let model = try registry.model(named: p.problem, fields: p.parameters ?? [:])
    guard (p.start ?? "saddle") == "saddle", let closed = model as? any ClosedFormProblem,
      let saddle = closed.saddles.first
    else { return ProblemScale(lambdaMax: nil, minimaDistance: nil) }
    let lambdaMax = saddle.hessianEigenvalues.last.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
    let distance = closed.minima.map { m in
      zip(m.point, saddle.point).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }.filter { $0 > 0 && $0.isFinite }.min()
    return ProblemScale(lambdaMax: lambdaMax, minimaDistance: distance)
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
    if let n = tuningSeeds {
      guard (1...1000).contains(n) else {
        throw fail("tuningSeeds", "\(n) is out of range (accepted: 1 ≤ x ≤ 1000)")
      }
      guard seeds <= Self.tuningSeedBase else {
        throw fail(
          "seeds",
          "\(seeds) reporting seeds would overlap the tuning seeds 1001… (accepted with tuningSeeds: 1 ≤ x ≤ 1000)"
        )
      }
    }
    if let rule = selection {
      guard tuningSeeds != nil else {
        throw fail(
          "selection", "applies only with tuningSeeds (without it every grid point is reported)")
      }
      guard SelectionRule(rawValue: rule) != nil else {
        throw fail(
          "selection",
          "\(Self.quoted(rule)) is not a selection rule (accepted: \(SelectionRule.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
      }
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
      for (key, axis) in (o.grid ?? [:]).sorted(by: { $0.key < $1.key }) {
        if axis.count == 0 {
          throw fail("optimizers[\(i)].grid.\(key)", "is empty (give at least one value)")
        }
        guard case .relative(let scale, let factors) = axis else { continue }
        let field = "optimizers[\(i)].grid.\(key).\(scale.rawValue)"
        if let bad = factors.first(where: { !($0 > 0 && $0.isFinite) }) {
          throw fail(field, "\(bad) is out of range (accepted: factors > 0)")
        }
        if Set(factors).count < factors.count {
          throw fail(field, "lists a factor twice (each grid point once)")
        }
        guard tuningSeeds != nil else {
          throw fail(
            field,
            "relative grid values need tuningSeeds (the report rows of a study without tuning are labelled by absolute settings)"
          )
        }
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
    var scales: [ProblemScale?] = Array(repeating: nil, count: problems.count)
    for scale in [RelativeScale.timesInverseLambdaMax, .timesMinimaDistance] where uses(scale) {
      let o = optimizers.firstIndex { o in
        (o.grid ?? [:]).values.contains { if case .relative(scale, _) = $0 { true } else { false } }
      }!
      for (i, p) in problems.enumerated() {
        let known: ProblemScale
        if let cached = scales[i] {
          known = cached
        } else {
          known = try self.scale(ofProblem: i, registry: registry)
        }
        scales[i] = known
        let value = scale == .timesInverseLambdaMax ? known.lambdaMax : known.minimaDistance
        if value == nil {
          let what =
            scale == .timesInverseLambdaMax
            ? "no known Hessian spectrum at its start saddle (a positive λ_max)"
            : "no known minimum at a positive distance from its start saddle"
          throw fail(
            "problems[\(i)]",
            "'\(p.problem)' has \(what), but optimizers[\(o)].grid uses \(scale.rawValue) (accepted: closed-form problems started at a listed saddle with known \(scale == .timesInverseLambdaMax ? "eigenvalues" : "minima"); or absolute grid values)"
          )
        }
      }
    }
    if selectionRule == .medianEscapeCost,
      let i = problems.firstIndex(where: { $0.escapeDelta == nil })
    {
      throw fail(
        "problems[\(i)].escapeDelta",
        "is missing: selection 'median-escape-cost' needs an escape criterion on every problem (accepted: give escapeDelta, or selection 'final-loss')"
      )
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
      // Relative axes: the values each problem resolves them to must build too.
      guard (optimizer.grid ?? [:]).values.contains(where: { $0.count > 0 && !$0.isLiteral })
      else { continue }
      for (p, scale) in scales.enumerated() {
        guard let scale else { continue }
        let resolved: [Setting]
        do {
          resolved = try expand(optimizer, index: i, scale: scale)
        } catch {
          throw error.at(source)
        }
        for setting in resolved {
          do {
            _ = try registry.optimizer(from: setting.spec, allowLarge: allowLarge)
          } catch {
            throw error.at(
              "\(source), optimizer '\(setting.label)' on problems[\(p)] (optimizers[\(i)].spec)")
          }
        }
      }
    }
  }

  /// Every optimizer setting, grids expanded in field order. Check ``trialCount`` first: a
  /// grid's settings are the product of its value counts. Relative axes are resolved at scale 1
  /// here (their labels are right, their values are not what a trial runs: see
  /// ``settings(problem:registry:)``).
  public func settings() throws(SpecError) -> [Setting] {
    var out: [Setting] = []
    for (i, optimizer) in optimizers.enumerated() {
      out += try expand(optimizer, index: i)
    }
    return out
  }

  /// Every optimizer setting as the trials of problem `problem` run it: relative grid axes
  /// resolved with the problem's ``scale(ofProblem:registry:)``.
  public func settings(problem: Int, registry: Registry = .standard) throws(SpecError)
    -> [Setting]
  {
    let relative = optimizers.contains { o in
      (o.grid ?? [:]).values.contains { !$0.isLiteral }
    }
    guard relative else { return try settings() }
    let scale = try self.scale(ofProblem: problem, registry: registry)
    var out: [Setting] = []
    for (i, optimizer) in optimizers.enumerated() {
      out += try expand(optimizer, index: i, scale: scale)
    }
    return out
  }

  func expand(
    _ optimizer: OptimizerSpec, index i: Int,
    scale: ProblemScale = ProblemScale(lambdaMax: 1, minimaDistance: 1)
  ) throws(SpecError) -> [Setting] {
    guard let grid = optimizer.grid, !grid.isEmpty else {
      return [Setting(label: optimizer.label, spec: optimizer.spec, optimizer: i)]
    }
    // Per field: (label text, value) pairs.
    var axes: [(key: String, values: [(String, JSONValue)])] = []
    for key in grid.keys.sorted() {
      let values: [(String, JSONValue)]
      switch grid[key]! {
      case .values(let v): values = v.map { ("\($0)", $0) }
      case .relative(let s, let factors):
        let unit =
          (s == .timesInverseLambdaMax ? scale.lambdaMax.map { 1 / $0 } : scale.minimaDistance)
        guard let unit else {
          throw SpecError(
            field: "optimizers[\(i)].grid.\(key)",
            "the problem has no known \(s == .timesInverseLambdaMax ? "λ_max" : "minimum distance") for \(s.rawValue)"
          )
        }
        values = factors.map { (s.label($0), .double($0 * unit)) }
      }
      guard !values.isEmpty else {
        throw SpecError(field: "optimizers[\(i)].grid.\(key)", "is empty (give at least one value)")
      }
      axes.append((key, values))
    }
    var combos: [[Int]] = [[]]
    for axis in axes {
      combos = combos.flatMap { c in axis.values.indices.map { c + [$0] } }
    }
    var out: [Setting] = []
    for (point, combo) in combos.enumerated() {
      var spec = optimizer.spec
      for (axis, index) in zip(axes, combo) {
        spec = try Self.setting(spec, axis.key, to: axis.values[index].1, index: i)
      }
      let suffix = zip(axes, combo).map { axis, index in
        "\(axis.key.split(separator: ".").last!)=\(axis.values[index].0)"
      }.joined(separator: ",")
      out.append(
        Setting(
          label: "\(optimizer.label)[\(suffix)]", spec: spec, optimizer: i, point: point,
          coordinates: combo))
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
