import Foundation
import SaddleCore

/// Summaries of a study's trials, censoring-aware: per problem and setting the escape rate
/// with its Wilson interval, the escape cost as a Kaplan–Meier median (runs that did not
/// escape censored at the budget) with its Brookmeyer–Crowley interval, the final loss, the
/// loss at an equal cost and the cost to a target loss; paired comparisons against a baseline
/// over the same seeds; Dolan–Moré performance profiles across problems. Written as Markdown
/// and CSV (``write(to:title:)``), plus SVG loss curves with confidence bands.
public struct StudyReport: Sendable {
  /// One row: a setting on a problem.
  public struct Row: Sendable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The setting's label.
    public var optimizer: String
    /// Number of seeds.
    public var seeds: Int
    /// Final loss: mean with its Student-t 95% interval.
    public var finalLoss: MeanInterval
    /// Final loss: median over seeds (nil for no finite value).
    public var finalLossMedian: Double?
    /// Whether the problem has an escape criterion (a saddle start with `escapeDelta`); the
    /// escape fields below are meaningful only then.
    public var measuresEscape: Bool
    /// How many runs escaped (and ended finite, below the saddle's value).
    public var escaped: Int
    /// The escape probability with its Wilson 95% interval.
    public var escapeRate: WilsonInterval
    /// The escape cost: Kaplan–Meier median over seeds, runs that did not escape censored at
    /// `censorTime`, with the Brookmeyer–Crowley 95% interval.
    public var escapeCost: KaplanMeier.Median
    /// Where runs that did not escape are censored: the cost budget (else the largest cost a
    /// run of the row spent).
    public var censorTime: Double
    /// The total cost: mean with its Student-t 95% interval.
    public var cost: MeanInterval
    /// Runs ended by a non-finite value.
    public var failures: Int
    /// The problem's common cost C: the smallest last-curve cost of its finished runs.
    public var equalCost: Double?
    /// Median over seeds of the loss at cost C (last curve point at or before C; +∞ for a run
    /// that failed before C).
    public var lossAtEqualCost: Double?
    /// The problem's target loss `f_best + fraction·(f_start − f_best)` (see
    /// ``StudyReport/init(results:config:baseline:targetFraction:)``).
    public var targetLoss: Double?
    /// Cost to reach the target loss: Kaplan–Meier median (runs that never reach it censored
    /// at their last curve cost) with its interval.
    public var costToTarget: KaplanMeier.Median?
  }

  /// One row per problem and setting, in config order.
  public var rows: [Row]
  /// The trials the rows summarize.
  public var results: [TrialResult]
  /// Each setting against ``baseline`` on each problem with an escape criterion.
  public var paired: [PairedComparison]
  /// The baseline setting of the paired comparisons (nil: no rows).
  public var baseline: String?
  /// Performance profiles across problems: by escape cost (KM median) and by cost to target.
  public var profiles: [PerformanceProfile]

  /// Groups `results` by problem and optimizer. Rows follow `config` (its problems, then its
  /// settings, in order); labels the config does not list (or every label, without a config)
  /// follow in numeric-aware order (`[period=1]` before `[period=10]`). `baseline` (default:
  /// the first setting) is the reference of the paired comparisons. The target loss of a
  /// problem is `f_best + targetFraction·(f_start − f_best)`, f_best the lowest loss any of
  /// its runs reached, f_start the median first-curve loss (Moré & Wild 2009, eq. 2.2).
  public init(
    results: [TrialResult], config: StudyConfig? = nil, baseline: String? = nil,
    targetFraction: Double = 0.01
  ) {
    self.results = results
    func ordered(_ labels: [String], first: [String]) -> [String] {
      let known = first.filter(Set(labels).contains)
      let rest = Set(labels).subtracting(known).sorted {
        $0.compare($1, options: [.numeric]) == .orderedAscending
      }
      return known + rest
    }
    let problemOrder = ordered(
      results.map(\.problem), first: config?.problems.map(\.label) ?? [])
    let settingOrder = ordered(
      results.map(\.optimizer), first: (try? config?.settings().map(\.label)) ?? [])
    var groups: [String: [TrialResult]] = [:]
    for r in results { groups["\(r.problem)\u{1F}\(r.optimizer)", default: []].append(r) }
    let budget = config?.budget.cost.map(Double.init)
    var rows: [Row] = []
    var runsOf: [String: [TrialResult]] = [:]
    for problem in problemOrder {
      let inProblem = results.filter { $0.problem == problem }
      let spec = config?.problems.first { $0.label == problem }
      let measuresEscape =
        spec.map { $0.escapeDelta != nil && ($0.start ?? "saddle") == "saddle" }
        ?? inProblem.contains { $0.escapeCost != nil }
      let equalCost = inProblem.filter { $0.failure == nil }.compactMap { $0.curve.last?[0] }
        .min()
      let target = Self.targetLoss(inProblem, fraction: targetFraction)
      for optimizer in settingOrder {
        guard let g = groups["\(problem)\u{1F}\(optimizer)"]?.sorted(by: { $0.seed < $1.seed })
        else { continue }
        runsOf["\(problem)\u{1F}\(optimizer)"] = g
        let censor = budget ?? Double(g.map(\.counts.cost).max() ?? 0)
        let escaped = g.map(Self.escaped)
        let km = KaplanMeier(
          times: zip(g, escaped).map { $1 ? Double($0.escapeCost!) : censor }, observed: escaped
        ).median
        var toTarget: KaplanMeier.Median?
        if let target {
          let reach = g.map { r in r.curve.first { $0[1] <= target }?[0] }
          toTarget =
            KaplanMeier(
              times: zip(g, reach).map { $1 ?? $0.curve.last?[0] ?? 0 },
              observed: reach.map { $0 != nil }
            ).median
        }
        let finals = g.map(\.finalLoss).filter(\.isFinite)
        rows.append(
          Row(
            problem: problem, optimizer: optimizer, seeds: g.count,
            finalLoss: MeanInterval(g.map(\.finalLoss)), finalLossMedian: median(finals),
            measuresEscape: measuresEscape, escaped: escaped.filter { $0 }.count,
            escapeRate: WilsonInterval(successes: escaped.filter { $0 }.count, trials: g.count),
            escapeCost: km, censorTime: censor,
            cost: MeanInterval(g.map { Double($0.counts.cost) }),
            failures: g.filter { $0.failure != nil }.count, equalCost: equalCost,
            lossAtEqualCost: equalCost.flatMap { c in
              median(
                g.map { r in
                  r.failure != nil && (r.curve.last?[0] ?? 0) < c
                    ? .infinity : r.curve.last { $0[0] <= c }?[1] ?? .infinity
                })
            },
            targetLoss: target, costToTarget: toTarget))
      }
    }
    self.rows = rows
    let base = baseline ?? settingOrder.first
    self.baseline = base
    var paired: [PairedComparison] = []
    for row in rows where row.measuresEscape && row.optimizer != base {
      guard let base, let reference = runsOf["\(row.problem)\u{1F}\(base)"] else { continue }
      func runs(_ g: [TrialResult]) -> [(seed: Int, cost: Double, escaped: Bool)] {
        g.map { r in
          Self.escaped(r) ? (r.seed, Double(r.escapeCost!), true) : (r.seed, row.censorTime, false)
        }
      }
      paired.append(
        PairedComparison(
          problem: row.problem, method: row.optimizer, baseline: base,
          methodRuns: runs(runsOf["\(row.problem)\u{1F}\(row.optimizer)"]!),
          baselineRuns: runs(reference)))
    }
    self.paired = paired
    var profiles: [PerformanceProfile] = []
    let escapeProblems = problemOrder.filter { p in
      rows.contains { $0.problem == p && $0.measuresEscape }
    }
    let targetProblems = problemOrder.filter { p in
      rows.contains { $0.problem == p && $0.costToTarget != nil }
    }
    func cost(_ p: String, _ s: String, _ value: (Row) -> Double?) -> Double? {
      rows.first { $0.problem == p && $0.optimizer == s }.flatMap(value)
    }
    if !escapeProblems.isEmpty {
      profiles.append(
        PerformanceProfile(
          measure: "escape_cost_median", methods: settingOrder, problems: escapeProblems,
          costs: settingOrder.map { s in
            escapeProblems.map { cost($0, s) { $0.escapeCost.estimate } }
          }))
    }
    if !targetProblems.isEmpty {
      profiles.append(
        PerformanceProfile(
          measure: "cost_to_target_median", methods: settingOrder, problems: targetProblems,
          costs: settingOrder.map { s in
            targetProblems.map { cost($0, s) { $0.costToTarget?.estimate } }
          }))
    }
    self.profiles = profiles
  }

  /// Whether a run escaped: an escape cost was recorded and the run ended without a failure at
  /// a finite loss (the runner also requires it to end below the saddle's value).
  static func escaped(_ r: TrialResult) -> Bool {
    r.escapeCost != nil && r.failure == nil && r.finalLoss.isFinite
  }

  /// `f_best + fraction·(f_start − f_best)` over a problem's runs (nil when no run went below
  /// its start).
  static func targetLoss(_ runs: [TrialResult], fraction: Double) -> Double? {
    let best = runs.flatMap { $0.curve.map { $0[1] } }.filter(\.isFinite).min()
    guard let best, let start = median(runs.compactMap { $0.curve.first?[1] }.filter(\.isFinite)),
      start > best
    else { return nil }
    return best + fraction * (start - best)
  }

  /// An SVG of loss against cost for `problem`: the mean curve of each setting with its 95%
  /// band (curves interpolated on a common grid; the loss axis is symmetric-log so negative
  /// and positive losses both show).
  public func svg(problem: String) -> String {
    let groups = Dictionary(grouping: results.filter { $0.problem == problem }, by: \.optimizer)
    let names = groups.keys.sorted()
    let maxX =
      results.filter { $0.problem == problem }.flatMap { $0.curve.map { $0[0] } }.max() ?? 1
    let grid = (0..<100).map { Double($0) / 99 * maxX }
    func value(_ curve: [[Double]], at x: Double) -> Double? {
      guard let first = curve.first, x >= first[0] else { return nil }
      var last = first
      for p in curve {
        if p[0] > x { break }
        last = p
      }
      return last[1]
    }
    func slog(_ y: Double) -> Double { y >= 0 ? log10(1 + y) : -log10(1 - y) }
    var series: [(String, [(Double, Double, Double)])] = []
    for name in names {
      let runs = groups[name]!
      let pts = grid.compactMap { x -> (Double, Double, Double)? in
        let ys = runs.compactMap { value($0.curve, at: x) }
        guard !ys.isEmpty else { return nil }
        let m = MeanInterval(ys)
        let h = m.halfWidth.isNaN ? 0 : m.halfWidth
        return (x, slog(m.mean - h), slog(m.mean + h))
      }
      series.append((name, pts))
    }
    let ys = series.flatMap { $0.1.flatMap { [$0.1, $0.2] } }
    let lo = ys.min() ?? 0
    let hi = Swift.max(ys.max() ?? 1, lo + 1e-9)
    let (w, h, pad, legend) = (960.0, 360.0, 60.0, 380.0)
    func px(_ x: Double) -> Double { pad + x / Swift.max(maxX, 1e-12) * (w - legend - 2 * pad) }
    func unslog(_ y: Double) -> Double { y >= 0 ? pow(10, y) - 1 : 1 - pow(10, -y) }
    func py(_ y: Double) -> Double { h - pad - (y - lo) / (hi - lo) * (h - 2 * pad) }
    let colors = [
      "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
      "#bcbd22", "#17becf",
    ]
    var svg = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"11\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"\(pad)\" y=\"20\" font-size=\"13\">\(escape(problem)): loss (symlog) vs cost, mean ± 95% CI</text>",
      "<line x1=\"\(pad)\" y1=\"\(h - pad)\" x2=\"\(w - legend - pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>",
      "<text x=\"4\" y=\"\(pad + 4)\">\(String(format: "%.3g", unslog(hi)))</text>",
      "<text x=\"4\" y=\"\(h - pad)\">\(String(format: "%.3g", unslog(lo)))</text>",
      "<line x1=\"\(pad)\" y1=\"\(pad)\" x2=\"\(pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>",
      "<text x=\"\(pad)\" y=\"\(h - 15)\">cost (gradient-equivalent evaluations), 0 … \(Int(maxX))</text>",
    ]
    for (i, (name, pts)) in series.enumerated() where !pts.isEmpty {
      let color = colors[i % colors.count]
      let upper = pts.map { "\(px($0.0)),\(py($0.2))" }
      let lower = pts.reversed().map { "\(px($0.0)),\(py($0.1))" }
      svg.append(
        "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\"/>"
      )
      let mid = pts.map { "\(px($0.0)),\(py(($0.1 + $0.2) / 2))" }
      svg.append(
        "<polyline points=\"\(mid.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
      )
      svg.append(
        "<text x=\"\(w - pad - 150)\" y=\"\(pad + 14 * Double(i))\" fill=\"\(color)\">\(escape(name))</text>"
      )
    }
    svg.append("</svg>")
    return svg.joined(separator: "\n") + "\n"
  }

  func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
