import Foundation
import SaddleCore

extension StudyReport {
  /// A figure and the readable file name it is written under (without extension).
  public struct NamedFigure: Sendable {
    /// A slug such as `loss-vs-cost-quartic-double-well`.
    public var name: String
    /// The figure.
    public var figure: Figure
  }

  /// The x-axis of curves for a budget: cost when the study is limited by cost, else steps
  /// (the runner records curves in the same unit).
  public static func curveAxis(for budget: StudyConfig.Budget?) -> Axis {
    if budget == nil || budget?.cost != nil {
      return Axis("cost", unit: "gradient-equivalent evaluations")
    }
    return Axis("optimizer steps")
  }

  /// Loss against the budget's unit for `problem`: each setting's mean curve with its 95%
  /// band over seeds (see ``Figures/meanCurves(title:subtitle:x:y:groups:maxPoints:)``).
  /// `settings` orders the legend (default: order of first appearance).
  public func lossFigure(
    problem: String, budget: StudyConfig.Budget? = nil, settings: [String]? = nil
  ) -> Figure {
    let runs = results.filter { $0.problem == problem }
    let names = orderedSettings(runs, settings)
    let groups = names.map { name in
      Figures.RunGroup(
        label: name,
        curves: runs.filter { $0.optimizer == name }.sorted { $0.seed < $1.seed }.map { r in
          r.curve.compactMap { $0.count >= 2 ? (x: $0[0], y: $0[1]) : nil }
        })
    }
    let seeds = Set(runs.map(\.seed)).count
    let x = Self.curveAxis(for: budget)
    return Figures.meanCurves(
      title: "\(problem): loss vs \(x.label)",
      subtitle: "Mean over \(seeds) seed\(seeds == 1 ? "" : "s") with 95% confidence band "
        + "(Student t). Cost: gradient 1, loss 1, Hessian-vector product 2.",
      x: x, y: Axis("loss"), groups: groups)
  }

  /// An SVG of loss against cost for `problem` (``lossFigure(problem:budget:settings:)``).
  public func svg(problem: String) -> String { lossFigure(problem: problem).svg() }

  /// The fraction of runs not yet escaped against cost for `problem`, censored where runs
  /// stopped without escaping; nil when no run of the problem has an escape threshold.
  public func survivalFigure(problem: String, hasThreshold: Bool, settings: [String]? = nil)
    -> Figure?
  {
    let runs = results.filter { $0.problem == problem }
    guard hasThreshold || runs.contains(where: { $0.escapeCost != nil }) else { return nil }
    let groups = orderedSettings(runs, settings).map { name in
      let group = runs.filter { $0.optimizer == name }
      return Figures.EscapeGroup(
        label: name, escapes: group.compactMap { $0.escapeCost.map(Double.init) },
        censored: group.filter { $0.escapeCost == nil }.map { Double($0.counts.cost) })
    }
    return Figures.survival(
      title: "\(problem): escape from the saddle",
      subtitle: "Kaplan–Meier fraction of seeds still at the saddle; a tick marks a curve "
        + "censored at the budget (runs that never escaped).",
      x: Self.curveAxis(for: nil), groups: groups)
  }

  /// Performance profiles of escape cost over every (problem, seed) with an escape threshold;
  /// nil with fewer than two settings or no escape data.
  public func performanceProfileFigure(settings: [String]? = nil) -> Figure? {
    let runs = results.filter { r in
      results.contains { $0.problem == r.problem && $0.escapeCost != nil }
    }
    let methods = orderedSettings(runs, settings)
    guard methods.count >= 2, !runs.isEmpty else { return nil }
    var instances: [String: [Double]] = [:]
    for r in runs {
      let key = "\(r.problem)\u{1F}\(r.seed)"
      var row = instances[key] ?? [Double](repeating: .infinity, count: methods.count)
      if let i = methods.firstIndex(of: r.optimizer), let c = r.escapeCost { row[i] = Double(c) }
      instances[key] = row
    }
    let keys = instances.keys.sorted()
    let problems = Set(runs.map(\.problem)).count
    return Figures.performanceProfile(
      title: "Performance profiles: escape cost",
      subtitle: "Over \(keys.count) instances (\(problems) problem\(problems == 1 ? "" : "s") × "
        + "seeds); a run that did not escape counts as failed (never within τ).",
      methods: methods, costs: keys.map { instances[$0]! })
  }

  /// For each optimizer with a grid and each numeric grid field: the escape cost (or, without
  /// escape thresholds, the final loss) against the field's value, one line per problem and
  /// combination of the other fields.
  public func sensitivityFigures(config: StudyConfig) -> [NamedFigure] {
    var out: [NamedFigure] = []
    let useEscape = results.contains { $0.escapeCost != nil }
    for optimizer in config.optimizers {
      guard let grid = optimizer.grid, !grid.isEmpty else { continue }
      let prefix = optimizer.label + "["
      // Setting label suffixes "a=1,b=2" → field values.
      let settings = Set(results.map(\.optimizer)).filter { $0.hasPrefix(prefix) }
      func fields(_ label: String) -> [(String, String)] {
        label.dropFirst(prefix.count).dropLast().split(separator: ",").compactMap { part in
          let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
          return kv.count == 2 ? (kv[0], kv[1]) : nil
        }
      }
      for key in grid.keys.sorted() {
        let field = String(key.split(separator: ".").last ?? Substring(key))
        var lines: [String: [(Double, [Double])]] = [:]
        var order: [String] = []
        for setting in settings.sorted() {
          let f = fields(setting)
          guard let value = f.first(where: { $0.0 == field }).flatMap({ Double($0.1) }) else {
            continue
          }
          let others = f.filter { $0.0 != field }.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
          for problem in orderedProblems() {
            let runs = results.filter { $0.problem == problem && $0.optimizer == setting }
            guard !runs.isEmpty else { continue }
            let values = runs.map { r -> Double in
              useEscape ? Double(r.escapeCost ?? r.counts.cost) : r.finalLoss
            }
            let line = others.isEmpty ? problem : "\(problem) (\(others))"
            if lines[line] == nil { order.append(line) }
            lines[line, default: []].append((value, values))
          }
        }
        guard lines.values.contains(where: { $0.count >= 2 }) else { continue }
        let groups = order.map { Figures.SensitivityGroup(label: $0, points: lines[$0]!) }
        let figure = Figures.sensitivity(
          title: "\(optimizer.label): sensitivity to \(field)",
          subtitle: "Mean over seeds with 95% error bars"
            + (useEscape
              ? "; runs that did not escape count at the cost where they stopped." : "."),
          x: Axis(field),
          y: useEscape
            ? Axis("escape cost", unit: "gradient-equivalent evaluations") : Axis("final loss"),
          groups: groups)
        out.append(
          NamedFigure(name: "sensitivity-\(slug(optimizer.label))-\(slug(field))", figure: figure))
      }
    }
    return out
  }

  /// Every figure of the study, with readable, distinct file names.
  public func figures(config: StudyConfig) -> [NamedFigure] {
    var out: [NamedFigure] = []
    let unit = config.budget.cost != nil ? "cost" : "steps"
    let order: [String]? = config.reportedLabels.isEmpty ? nil : config.reportedLabels
    for problem in config.problems where results.contains(where: { $0.problem == problem.label }) {
      out.append(
        NamedFigure(
          name: "loss-vs-\(unit)-\(slug(problem.label))",
          figure: lossFigure(problem: problem.label, budget: config.budget, settings: order)))
      if let f = survivalFigure(
        problem: problem.label, hasThreshold: problem.escapeDelta != nil, settings: order)
      {
        out.append(NamedFigure(name: "escape-survival-\(slug(problem.label))", figure: f))
      }
    }
    if let f = performanceProfileFigure(settings: order) {
      out.append(NamedFigure(name: "performance-profile-escape-cost", figure: f))
    }
    out += sensitivityFigures(config: config)
    var seen: [String: Int] = [:]
    for i in out.indices {
      let base = out[i].name
      seen[base, default: 0] += 1
      if seen[base]! > 1 { out[i].name = "\(base)-\(seen[base]!)" }
    }
    return out
  }

  /// Writes every figure as `NAME.svg` into `directory` and returns the file names.
  @discardableResult
  public func writeFigures(config: StudyConfig, to directory: URL) throws -> [String] {
    var names: [String] = []
    for f in figures(config: config) {
      let name = f.name + ".svg"
      try FileOutput.write(
        Data(f.figure.svg().utf8), to: directory.appendingPathComponent(name).path)
      names.append(name)
    }
    return names
  }

  func orderedSettings(_ runs: [TrialResult], _ order: [String]?) -> [String] {
    let present = Set(runs.map(\.optimizer))
    var seen = Set<String>()
    let first = (order ?? []).filter { present.contains($0) && seen.insert($0).inserted }
    return first + runs.map(\.optimizer).sorted().filter { seen.insert($0).inserted }
  }

  func orderedProblems() -> [String] {
    var seen = Set<String>()
    return results.map(\.problem).filter { seen.insert($0).inserted }
  }
}
