import Foundation

/// Summaries of a study's trials: mean ± 95% CI per problem and setting, as Markdown, CSV and
/// figures (`StudyReport+Figures.swift`).
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

  func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
