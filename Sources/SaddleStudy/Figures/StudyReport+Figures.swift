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

  /// The indices of `problem`'s rows.
  func rowIndices(_ problem: String) -> [Int] {
    rows.indices.filter { rows[$0].problem == problem }
  }

  /// `problem`'s rows in legend order: `settings` first, the rest sorted.
  func legendRows(_ problem: String, _ settings: [String]?) -> [Int] {
    let indices = rowIndices(problem)
    let names = orderedSettings(indices.map { rows[$0].optimizer }, settings)
    return names.compactMap { name in indices.first { rows[$0].optimizer == name } }
  }

  /// Loss against the budget's unit for `problem`: each setting's mean curve with its 95%
  /// band over seeds (as ``Figures/meanCurves(title:subtitle:x:y:groups:maxPoints:)``, from
  /// the per-row accumulators). `settings` orders the legend (default: config order).
  public func lossFigure(
    problem: String, budget: StudyConfig.Budget? = nil, settings: [String]? = nil
  ) -> Figure {
    let legend = legendRows(problem, settings)
    let seeds = Set(legend.flatMap { seedRuns[$0].map(\.seed) }).count
    let x = Self.curveAxis(for: budget)
    return Figure(
      title: "\(problem): loss vs \(x.label)",
      subtitle: "Mean over \(seeds) seed\(seeds == 1 ? "" : "s") with 95% confidence band "
        + "(Student t). Cost: gradient 1, loss 1, Hessian-vector product 2.",
      x: x, y: Axis("loss"),
      series: legend.map { Series(rows[$0].optimizer, points: rowCurves[$0].loss.points()) },
      xAction: legend.flatMap { seedRuns[$0].compactMap(\.action) })
  }

  /// An SVG of loss against cost for `problem` (``lossFigure(problem:budget:settings:)``).
  public func svg(problem: String) -> String { lossFigure(problem: problem).svg() }

  /// Each row's median wall-clock seconds per unit of the curve axis (cost, or steps without
  /// a cost budget) over its timed trials: `wallSeconds ÷ total cost` (or steps) per trial,
  /// from `timing/<key>.json`. Rows without timings are left out.
  func secondsPerUnit(
    timings: [(key: String, seconds: Double)], budget: StudyConfig.Budget?
  ) -> [Int: Double] {
    let lookup = trialLookup()
    var ratios: [Int: [Double]] = [:]
    let byCost = budget == nil || budget?.cost != nil
    for (key, seconds) in timings where seconds.isFinite && seconds >= 0 {
      guard let (i, j) = lookup[key] else { continue }
      let run = seedRuns[i][j]
      let units = Double(byCost ? run.counts.cost : run.steps)
      guard units > 0 else { continue }
      ratios[i, default: []].append(seconds / units)
    }
    return ratios.compactMapValues { median($0) }
  }

  /// Loss against wall-clock seconds for `problem`, or nil without timings. Trials record
  /// their loss curve against cost (or steps), and only their total wall time
  /// (`timing/<key>.json`, kept out of trial files so reports stay byte-identical); each
  /// setting's mean curve is drawn with its x scaled by that setting's median seconds per
  /// unit of cost (wall seconds ÷ total cost per timed trial) — a constant-rate assumption within a
  /// run, stated in the subtitle.
  public func wallClockFigure(
    problem: String, timings: [(key: String, seconds: Double)],
    budget: StudyConfig.Budget? = nil, settings: [String]? = nil
  ) -> Figure? {
    let scales = secondsPerUnit(timings: timings, budget: budget)
    let legend = legendRows(problem, settings).filter { scales[$0] != nil }
    guard !legend.isEmpty else { return nil }
    let unit = Self.curveAxis(for: budget).label
    let series = legend.map { i in
      let k = scales[i]!
      return Series(
        rows[i].optimizer,
        points: rowCurves[i].loss.points().map {
          SeriesPoint(x: $0.x * k, y: $0.y, lower: $0.lower, upper: $0.upper)
        })
    }
    let seeds = Set(legend.flatMap { seedRuns[$0].map(\.seed) }).count
    return Figure(
      title: "\(problem): loss vs wall-clock time",
      subtitle: "Mean over \(seeds) seed\(seeds == 1 ? "" : "s") with 95% band. Time axis: each "
        + "setting's \(unit) scaled by its median wall seconds per unit of \(unit) over its "
        + "timed trials (constant rate within a run assumed; timings vary with the machine).",
      x: Axis("wall-clock time", unit: "s"), y: Axis("loss"), series: series,
      xAction: legend.flatMap { i in seedRuns[i].compactMap { $0.action.map { $0 * scales[i]! } } }
    )
  }

  /// Held-out loss (and accuracy, when recorded) against the budget's unit for `problem`:
  /// mean over seeds with 95% bands, from the trials' held-out curves (networks: the same
  /// held-out data for every setting, evaluated at the curve's points and at the end); empty
  /// when no trial of the problem has held-out metrics.
  public func heldOutFigures(
    problem: String, budget: StudyConfig.Budget? = nil, settings: [String]? = nil
  ) -> [NamedFigure] {
    let legend = legendRows(problem, settings)
    let x = Self.curveAxis(for: budget)
    let unit = budget == nil || budget?.cost != nil ? "cost" : "steps"
    var out: [NamedFigure] = []
    for (metric, curves) in [
      ("loss", legend.map { rowCurves[$0].heldOutLoss }),
      ("accuracy", legend.map { rowCurves[$0].heldOutAccuracy }),
    ] {
      guard curves.contains(where: { !$0.xs.isEmpty }) else { continue }
      let shown = zip(legend, curves).filter { !$0.1.xs.isEmpty }
      let seeds = Set(shown.flatMap { seedRuns[$0.0].map(\.seed) }).count
      let figure = Figure(
        title: "\(problem): held-out \(metric) vs \(x.label)",
        subtitle: "Mean over \(seeds) seed\(seeds == 1 ? "" : "s") with 95% band; the same "
          + "held-out data for every setting (evaluation seed 0), at the curve's points and "
          + "at the end of each run.",
        x: x,
        y: metric == "accuracy"
          ? Axis("held-out accuracy", scale: .fixed(.linear), limits: 0...1)
          : Axis("held-out loss"),
        series: shown.map { Series(rows[$0.0].optimizer, points: $0.1.points()) })
      out.append(
        NamedFigure(name: "held-out-\(metric)-vs-\(unit)-\(slug(problem))", figure: figure))
    }
    return out
  }

  /// The fraction of runs not yet escaped against cost for `problem`, censored where runs
  /// stopped without escaping; nil when no run of the problem has an escape threshold.
  public func survivalFigure(problem: String, hasThreshold: Bool, settings: [String]? = nil)
    -> Figure?
  {
    let legend = legendRows(problem, settings)
    guard hasThreshold || legend.contains(where: { seedRuns[$0].contains { $0.escapeCost != nil } })
    else { return nil }
    let groups = legend.map { i in
      Figures.EscapeGroup(
        label: rows[i].optimizer,
        escapes: seedRuns[i].compactMap { $0.escapeCost.map(Double.init) },
        censored: seedRuns[i].filter { $0.escapeCost == nil }.map { Double($0.counts.cost) })
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
    let escapeProblems = Set(
      rows.indices.filter { seedRuns[$0].contains { $0.escapeCost != nil } }.map {
        rows[$0].problem
      })
    let indices = rows.indices.filter { escapeProblems.contains(rows[$0].problem) }
    let methods = orderedSettings(indices.map { rows[$0].optimizer }, settings)
    guard methods.count >= 2, !indices.isEmpty else { return nil }
    var instances: [String: [Double]] = [:]
    for i in indices {
      for r in seedRuns[i] {
        let key = "\(rows[i].problem)\u{1F}\(r.seed)"
        var row = instances[key] ?? [Double](repeating: .infinity, count: methods.count)
        if let m = methods.firstIndex(of: rows[i].optimizer), let c = r.escapeCost {
          row[m] = Double(c)
        }
        instances[key] = row
      }
    }
    let keys = instances.keys.sorted()
    let problems = escapeProblems.count
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
    let useEscape = seedRuns.contains { $0.contains { $0.escapeCost != nil } }
    for optimizer in config.optimizers {
      guard let grid = optimizer.grid, !grid.isEmpty else { continue }
      let prefix = optimizer.label + "["
      // Setting label suffixes "a=1,b=2" → field values.
      let settings = Set(rows.map(\.optimizer)).filter { $0.hasPrefix(prefix) }
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
            guard
              let i = rows.indices.first(where: {
                rows[$0].problem == problem && rows[$0].optimizer == setting
              })
            else { continue }
            let values = seedRuns[i].map { r -> Double in
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

  /// Every figure of the study, with readable, distinct file names: per problem loss vs cost
  /// (or steps), loss vs wall-clock time (with `timings`, from `timing/<key>.json`), held-out
  /// metrics vs cost (networks) and escape survival; performance profiles; sensitivity plots
  /// (for a study with `tuningSeeds`, from the tuning scores of every grid point).
  public func figures(
    config: StudyConfig, timings: [(key: String, seconds: Double)] = []
  ) -> [NamedFigure] {
    var out: [NamedFigure] = []
    let unit = config.budget.cost != nil ? "cost" : "steps"
    let order: [String]? = config.reportedLabels.isEmpty ? nil : config.reportedLabels
    for problem in config.problems where rows.contains(where: { $0.problem == problem.label }) {
      out.append(
        NamedFigure(
          name: "loss-vs-\(unit)-\(slug(problem.label))",
          figure: lossFigure(problem: problem.label, budget: config.budget, settings: order)))
      if let f = wallClockFigure(
        problem: problem.label, timings: timings, budget: config.budget, settings: order)
      {
        out.append(NamedFigure(name: "loss-vs-wall-clock-\(slug(problem.label))", figure: f))
      }
      out += heldOutFigures(problem: problem.label, budget: config.budget, settings: order)
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
    out += tuningSensitivityFigures(config: config)
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

  func orderedSettings(_ labels: [String], _ order: [String]?) -> [String] {
    let present = Set(labels)
    var seen = Set<String>()
    let first = (order ?? []).filter { present.contains($0) && seen.insert($0).inserted }
    return first + labels.sorted().filter { seen.insert($0).inserted }
  }

  func orderedProblems() -> [String] {
    var seen = Set<String>()
    return rows.map(\.problem).filter { seen.insert($0).inserted }
  }
}
