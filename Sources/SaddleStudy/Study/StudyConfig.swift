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

  /// Loads and validates a config; errors name the field and what is accepted.
  public static func load(_ data: Data, registry: Registry = .standard) throws(SpecError)
    -> StudyConfig
  {
    let config: StudyConfig
    do {
      config = try JSONDecoder().decode(StudyConfig.self, from: data)
    } catch let error as DecodingError {
      throw SpecError(location: "study config", Self.describe(error))
    } catch {
      throw SpecError(location: "study config", "\(error)")
    }
    try config.validate(registry: registry)
    return config
  }

  static func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, let context):
      let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
      return "field '\(path)' is missing"
    case .typeMismatch(let type, let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "field '\(path)' should be \(type)"
    case .valueNotFound(_, let context):
      return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is null"
    case .dataCorrupted(let context):
      return "malformed JSON: \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }

  /// Checks ranges, names and that every setting builds.
  public func validate(registry: Registry) throws(SpecError) {
    guard (1...10_000).contains(seeds) else {
      throw SpecError(location: "study", field: "seeds", "\(seeds) is out of range (1 ≤ x ≤ 10000)")
    }
    guard budget.steps != nil || budget.cost != nil else {
      throw SpecError(location: "study", field: "budget", "give steps or cost")
    }
    if let s = budget.steps, s < 1 {
      throw SpecError(location: "study", field: "budget.steps", "\(s) is out of range (≥ 1)")
    }
    if let c = budget.cost, c < 1 {
      throw SpecError(location: "study", field: "budget.cost", "\(c) is out of range (≥ 1)")
    }
    if let n = curvePoints, !(2...10_000).contains(n) {
      throw SpecError(
        location: "study", field: "curvePoints", "\(n) is out of range (2 ≤ x ≤ 10000)")
    }
    guard !problems.isEmpty, !optimizers.isEmpty else {
      throw SpecError(location: "study", "needs at least one problem and one optimizer")
    }
    for (i, p) in problems.enumerated() {
      let location = "problem \(i + 1) ('\(p.label)')"
      let model = try registry.model(named: p.problem, fields: p.parameters ?? [:])
      if let start = p.start, !["saddle", "initial"].contains(start) {
        throw SpecError(
          location: location, field: "start", "'\(start)' (accepted: saddle, initial)")
      }
      if p.start ?? "saddle" == "saddle", let closed = model as? any ClosedFormProblem {
        guard !closed.saddles.isEmpty else {
          throw SpecError(location: location, field: "start", "the problem lists no saddle")
        }
      }
      if let d = p.perturbation, !(d >= 0 && d.isFinite) {
        throw SpecError(location: location, field: "perturbation", "\(d) (accepted: ≥ 0)")
      }
      if let d = p.escapeDelta, !(d > 0 && d.isFinite) {
        throw SpecError(location: location, field: "escapeDelta", "\(d) (accepted: > 0)")
      }
    }
    var labels = Set<String>()
    for setting in try settings() {
      guard labels.insert(setting.label).inserted else {
        throw SpecError(location: "optimizer '\(setting.label)'", "label used twice")
      }
      do {
        _ = try registry.optimizer(from: setting.spec)
      } catch {
        throw error.at("optimizer '\(setting.label)'")
      }
    }
  }

  /// Every optimizer setting, grids expanded in field order.
  public func settings() throws(SpecError) -> [Setting] {
    var out: [Setting] = []
    for optimizer in optimizers {
      guard let grid = optimizer.grid, !grid.isEmpty else {
        out.append(Setting(label: optimizer.label, spec: optimizer.spec))
        continue
      }
      var combos: [[(String, JSONValue)]] = [[]]
      for key in grid.keys.sorted() {
        let values = grid[key]!
        guard !values.isEmpty else {
          throw SpecError(location: "optimizer '\(optimizer.label)'", field: "grid.\(key)", "empty")
        }
        combos = combos.flatMap { c in values.map { c + [(key, $0)] } }
      }
      for combo in combos {
        var spec = optimizer.spec
        for (key, value) in combo {
          spec = try Self.setting(spec, key, to: value, label: optimizer.label)
        }
        let suffix = combo.map { "\($0.0.split(separator: ".").last!)=\($0.1)" }
          .joined(separator: ",")
        out.append(Setting(label: "\(optimizer.label)[\(suffix)]", spec: spec))
      }
    }
    return out
  }

  static func setting(_ spec: JSONValue, _ key: String, to value: JSONValue, label: String)
    throws(SpecError) -> JSONValue
  {
    let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
    guard parts.count == 2, let index = Int(parts[0]), case .array(var stages) = spec,
      stages.indices.contains(index), case .object(var fields) = stages[index]
    else {
      throw SpecError(
        location: "optimizer '\(label)'", field: "grid.\(key)",
        "expected '<stage index>.<field>' naming a stage of the spec")
    }
    fields[parts[1]] = value
    stages[index] = .object(fields)
    return .array(stages)
  }
}
