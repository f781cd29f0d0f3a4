import Foundation
import SaddleCore

/// How a study with `tuningSeeds` chooses each optimizer's grid point per problem, from the
/// tuning trials only (seeds 1001…1000+n).
public enum SelectionRule: String, Sendable, CaseIterable, Equatable {
  /// The smallest Kaplan–Meier median escape cost over the tuning seeds (runs that did not
  /// escape censored at the budget; a median not reached is +∞); ties broken by the higher
  /// escape rate, then the lower median final loss, then grid order.
  case medianEscapeCost = "median-escape-cost"
  /// The smallest median final loss at the budget over the tuning seeds (a non-finite final
  /// loss counts as +∞); ties broken by grid order.
  case finalLoss = "final-loss"

  /// What the score is, for reports.
  public var scoreDescription: String {
    switch self {
    case .medianEscapeCost: "KM median escape cost"
    case .finalLoss: "median final loss"
    }
  }
}

/// One grid point's tuning trials summarized.
public struct TuningPoint: Sendable, Equatable {
  /// The setting (label, resolved spec, grid coordinates).
  public var setting: StudyConfig.Setting
  /// The score the rule minimizes (+∞: a median escape cost not reached within the budget).
  public var score: Double
  /// The fraction of tuning runs that escaped (nil for problems without an escape criterion).
  public var escapeRate: Double?
  /// The median final loss (non-finite values as +∞).
  public var finalLossMedian: Double
  /// Tuning runs.
  public var runs: Int
}

/// The selection for one optimizer on one problem.
public struct TuningChoice: Sendable, Equatable {
  /// The problem's index in the config.
  public var problem: Int
  /// The optimizer's index in the config.
  public var optimizer: Int
  /// Every grid point, in grid order.
  public var points: [TuningPoint]
  /// The index of the chosen point in `points`.
  public var chosen: Int
  /// The grid fields (sorted keys) on whose smallest (`low`) or largest (`high`) value the
  /// chosen point sits, for fields with at least two numeric values: the grid may be too small.
  public var edges: [(field: String, side: String)]

  /// The chosen point.
  public var choice: TuningPoint { points[chosen] }

  /// Equal problem, optimizer, points, choice and edge flags.
  public static func == (a: TuningChoice, b: TuningChoice) -> Bool {
    a.problem == b.problem && a.optimizer == b.optimizer && a.points == b.points
      && a.chosen == b.chosen && a.edges.map(\.field) == b.edges.map(\.field)
      && a.edges.map(\.side) == b.edges.map(\.side)
  }

  /// Chooses among `points` (grid order, each with its tuning runs) by `rule`.
  ///
  /// - Parameters:
  ///   - problem: the problem's index in the config.
  ///   - optimizer: the optimizer's index in the config.
  ///   - settings: the optimizer's grid points on this problem, in grid order.
  ///   - runs: per point, its tuning trials.
  ///   - rule: the selection rule.
  ///   - censor: where runs that did not escape are censored (the cost budget).
  ///   - measuresEscape: whether the problem has an escape criterion.
  ///   - grid: the optimizer's grid, for the edge flags.
  public static func select(
    problem: Int, optimizer: Int, settings: [StudyConfig.Setting], runs: [[TrialResult]],
    rule: SelectionRule, censor: Double, measuresEscape: Bool,
    grid: [String: StudyConfig.GridAxis]
  ) -> TuningChoice {
    var points: [TuningPoint] = []
    for (setting, g) in zip(settings, runs) {
      let finals = g.map { $0.finalLoss.isFinite ? $0.finalLoss : .infinity }
      let finalMedian = median(finals) ?? .infinity
      let escaped = g.map(StudyReport.escaped)
      let rate =
        measuresEscape && !g.isEmpty
        ? Double(escaped.filter { $0 }.count) / Double(g.count) : nil
      let score: Double
      switch rule {
      case .medianEscapeCost:
        let km = KaplanMeier(
          times: zip(g, escaped).map { $1 ? Double($0.escapeCost!) : censor }, observed: escaped)
        score = km.median.estimate ?? .infinity
      case .finalLoss:
        score = finalMedian
      }
      points.append(
        TuningPoint(
          setting: setting, score: score, escapeRate: rate, finalLossMedian: finalMedian,
          runs: g.count))
    }
    func better(_ a: Int, _ b: Int) -> Bool {
      let p = points[a]
      let q = points[b]
      if p.score != q.score { return p.score < q.score }
      if rule == .medianEscapeCost {
        if (p.escapeRate ?? 0) != (q.escapeRate ?? 0) {
          return (p.escapeRate ?? 0) > (q.escapeRate ?? 0)
        }
        if p.finalLossMedian != q.finalLossMedian { return p.finalLossMedian < q.finalLossMedian }
      }
      return a < b
    }
    var chosen = 0
    for i in points.indices.dropFirst() where better(i, chosen) { chosen = i }
    return TuningChoice(
      problem: problem, optimizer: optimizer, points: points, chosen: chosen,
      edges: points.isEmpty ? [] : edges(of: points[chosen].setting, grid: grid))
  }

  /// A grid axis's values as numbers (nil where a value is not a number); a relative axis
  /// gives its factors.
  static func numericValues(_ axis: StudyConfig.GridAxis) -> [Double?] {
    switch axis {
    case .values(let v):
      return v.map {
        switch $0 {
        case .int(let i): Double(i)
        case .unsigned(let u): Double(u)
        case .double(let d): d
        default: nil
        }
      }
    case .relative(_, let factors): return factors
    }
  }

  /// The numeric grid fields with at least two distinct values on whose extreme `setting` sits.
  static func edges(of setting: StudyConfig.Setting, grid: [String: StudyConfig.GridAxis])
    -> [(field: String, side: String)]
  {
    var out: [(field: String, side: String)] = []
    for (axis, key) in grid.keys.sorted().enumerated() where axis < setting.coordinates.count {
      let values = numericValues(grid[key]!)
      let numbers = values.compactMap { $0 }
      guard numbers.count == values.count, Set(numbers).count >= 2,
        let value = values[setting.coordinates[axis]]
      else { continue }
      let field = String(key.split(separator: ".").last ?? Substring(key))
      if value == numbers.min() { out.append((field, "low")) }
      if value == numbers.max() { out.append((field, "high")) }
    }
    return out
  }
}

extension StudyRunner {
  /// The trial of `setting` on problem `p` for `seed`.
  func makeTrial(
    problem p: Int, setting: StudyConfig.Setting, seed: Int, label: String, phase: Phase,
    index: Int
  ) -> Trial {
    let problem = config.problems[p]
    let definition = TrialDefinition.make(
      problem: problem, setting: setting, seed: seed, config: config)
    var reported = setting
    reported.label = label
    return Trial(
      id: "\(problem.label)/\(label)/\(seed)", problemIndex: p, setting: reported, seed: seed,
      definition: definition, key: TrialDefinition.key(definition), phase: phase, index: index)
  }

  /// Reads a finished tuning or reporting trial from ``directory`` or, failing that, from
  /// ``tuningSources``.
  func readAnywhere(_ trial: Trial) -> StoredResult? {
    if case .done(let stored) = store.readTrial(key: trial.key, definition: trial.definition) {
      return stored
    }
    for source in tuningSources {
      if case .done(let stored) = StudyDirectory(source).readTrial(
        key: trial.key, definition: trial.definition)
      {
        return stored
      }
    }
    return nil
  }

  /// The selection per problem and optimizer (`[problem][optimizer]`), nil where a tuning
  /// trial is still missing; computed from the tuning trials only (in ``directory`` or
  /// ``tuningSources``). Empty without `tuningSeeds`. `problem` restricts to one problem
  /// (the others are nil).
  public func tuningChoices(problem only: Int? = nil) throws(SpecError)
    -> [[TuningChoice?]]
  {
    guard let rule = config.selectionRule else { return [] }
    var out: [[TuningChoice?]] = Array(
      repeating: Array(repeating: nil, count: config.optimizers.count),
      count: config.problems.count)
    for (p, problem) in config.problems.enumerated() where only == nil || only == p {
      let settings = try config.settings(problem: p, registry: registry)
      let measuresEscape = problem.escapeDelta != nil && (problem.start ?? "saddle") == "saddle"
      for (o, optimizer) in config.optimizers.enumerated() {
        let mine = settings.filter { $0.optimizer == o }
        var runs: [[TrialResult]] = []
        var complete = true
        for setting in mine where complete {
          var g: [TrialResult] = []
          for seed in config.tuningSeedRange {
            let trial = makeTrial(
              problem: p, setting: setting, seed: seed, label: setting.label, phase: .tuning,
              index: 0)
            guard let stored = readAnywhere(trial) else {
              complete = false
              break
            }
            g.append(result(trial, stored))
          }
          runs.append(g)
        }
        guard complete else { continue }
        let censor =
          config.budget.cost.map(Double.init)
          ?? Double(runs.joined().map(\.counts.cost).max() ?? 0)
        out[p][o] = TuningChoice.select(
          problem: p, optimizer: o, settings: mine, runs: runs, rule: rule, censor: censor,
          measuresEscape: measuresEscape, grid: optimizer.grid ?? [:])
      }
    }
    return out
  }

  /// A stored result with the trial's labels.
  func result(_ trial: Trial, _ stored: StoredResult) -> TrialResult {
    TrialResult(
      id: trial.id, problem: config.problems[trial.problemIndex].label,
      optimizer: trial.setting.label, seed: trial.seed, finalLoss: stored.finalLoss,
      escapeCost: stored.escapeCost, counts: stored.counts, steps: stored.steps,
      curve: stored.curve, failure: stored.failure, heldOut: stored.heldOut,
      heldOutMetrics: stored.heldOutMetrics)
  }
}
