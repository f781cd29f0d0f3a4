import Foundation

/// Summaries of a study's trials: mean ± 95% CI per problem and setting, as Markdown, CSV and
/// SVG loss curves with confidence bands.
public struct StudyReport: Sendable {
  /// One row: a setting on a problem.
  public struct Row: Sendable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The setting's label.
    public var optimizer: String
    /// Number of seeds.
    public var seeds: Int
    /// Median loss at the end of the run.
    public var finalLoss: MeanInterval
    /// Escape cost over the runs that escaped.
    public var escapeCost: MeanInterval
    /// How many runs escaped.
    public var escaped: Int
    /// The escape cost (the budget when it did not escape).
    public var cost: MeanInterval
    /// Runs ended by a non-finite value.
    public var failures: Int
  }

  /// One row per problem and setting.
  public var rows: [Row]
  /// The trials the rows summarize.
  public var results: [TrialResult]

  /// Groups `results` by problem and optimizer (in first-seen order).
  public init(results: [TrialResult]) {
    self.results = results
    var keys: [String] = []
    var groups: [String: [TrialResult]] = [:]
    for r in results.sorted(by: {
      ($0.problem, $0.optimizer, $0.seed) < ($1.problem, $1.optimizer, $1.seed)
    }) {
      let key = "\(r.problem)\u{1F}\(r.optimizer)"
      if groups[key] == nil { keys.append(key) }
      groups[key, default: []].append(r)
    }
    rows = keys.map { key in
      let g = groups[key]!
      return Row(
        problem: g[0].problem, optimizer: g[0].optimizer, seeds: g.count,
        finalLoss: MeanInterval(g.map(\.finalLoss)),
        escapeCost: MeanInterval(g.compactMap { $0.escapeCost.map(Double.init) }),
        escaped: g.filter { $0.escapeCost != nil }.count,
        cost: MeanInterval(g.map { Double($0.counts.cost) }),
        failures: g.filter { $0.failure != nil }.count)
    }
  }

  /// The table in Markdown.
  public func markdown(title: String) -> String {
    func ci(_ m: MeanInterval) -> String {
      m.count == 0
        ? "—"
        : m.halfWidth.isNaN
          ? String(format: "%.4g", m.mean) : String(format: "%.4g ± %.2g", m.mean, m.halfWidth)
    }
    var lines = [
      "# \(title)", "",
      "Mean ± 95% confidence interval (Student t over seeds). Escape cost: mean over the runs that escaped.",
      "",
      "| problem | optimizer | seeds | final loss | escaped | escape cost | total cost | failures |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows {
      lines.append(
        "| \(r.problem) | \(r.optimizer) | \(r.seeds) | \(ci(r.finalLoss)) | \(r.escaped)/\(r.seeds) | "
          + "\(ci(r.escapeCost)) | \(ci(r.cost)) | \(r.failures) |")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The table as CSV.
  public func csv() -> String {
    var lines = [
      "problem,optimizer,seeds,final_loss_mean,final_loss_ci95,escaped,escape_cost_mean,escape_cost_ci95,cost_mean,failures"
    ]
    for r in rows {
      lines.append(
        [
          csvField(r.problem), csvField(r.optimizer), "\(r.seeds)", "\(r.finalLoss.mean)",
          "\(r.finalLoss.halfWidth)", "\(r.escaped)", "\(r.escapeCost.mean)",
          "\(r.escapeCost.halfWidth)", "\(r.cost.mean)", "\(r.failures)",
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
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
