import Foundation

extension EscapeBenchmark {
  /// The columns of ``csv(_:)``, in order.
  public static let csvColumns = [
    "problem", "method", "setting", "grid", "chosen_index", "at_edge", "base_step",
    "tuning_seeds", "tuning_escaped", "tuning_median", "seeds", "escaped", "escape_rate",
    "escape_rate_low", "escape_rate_high", "escape_cost_median", "escape_cost_low",
    "escape_cost_high", "escape_cost_censored", "budget", "baseline", "ratio_median",
    "ratio_low", "ratio_high", "ratio_pairs", "wins", "losses", "wilcoxon_p", "median_gradients",
    "median_losses", "median_hvps", "final_loss",
  ]

  /// The report as a Markdown table: per problem and method the chosen setting (⚑ at the edge
  /// of its grid), the escape rate with its Wilson interval, the Kaplan–Meier median escape
  /// cost with its Brookmeyer–Crowley interval (`≥ budget` when not reached), the median cost
  /// ratio against the baseline paired by seed with its bootstrap interval, wins/losses and the
  /// Wilcoxon p, and the median evaluation counts.
  public static func markdown(_ report: Report) -> String {
    var lines = [
      "| problem | method | setting (tuned) | escaped | median cost [95% CI] "
        + "| ratio vs \(report.baseline) [95% CI] | W/L | p | grads | losses | HVPs |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report.rows {
      let setting = r.setting + (r.atEdge ? " ⚑" : "")
      let rate =
        "\(r.escaped)/\(r.seeds) [\(percent(r.escapeRate.low))–\(percent(r.escapeRate.high))%]"
      let bound = { (x: Double?) in x.map { format($0) } ?? "—" }
      let median =
        r.escapeCost.estimate.map { format($0) } ?? "≥ \(r.budget)"
      let cost = "\(median) [\(bound(r.escapeCost.low)), \(bound(r.escapeCost.high))]"
      var ratioText = "—"
      var wl = "—"
      var p = "—"
      if let paired = r.paired, let m = paired.medianRatio {
        ratioText =
          "\(ratio(m)) [\(paired.ratioLow.map(ratio) ?? "—"), "
          + "\(paired.ratioHigh.map(ratio) ?? "—")]"
        wl = "\(paired.wins)/\(paired.losses)"
        p = paired.wilcoxon.map { String(format: "%.2g", $0.pValue) } ?? "—"
      }
      lines.append(
        "| \(r.problem) | \(r.method) | \(setting) | \(rate) | \(cost) | \(ratioText) | \(wl) | \(p) "
          + "| \(format(r.medianGradients)) | \(format(r.medianLosses)) "
          + "| \(format(r.medianHessianVectorProducts)) |")
    }
    return lines.joined(separator: "\n")
  }

  /// The grids and tuning results: per problem and method, the grid, the chosen point, the
  /// inherited base step and the tuning-seed escapes and median.
  public static func tuningMarkdown(_ report: Report) -> String {
    var lines = [
      "| problem | method | grid (chosen in bold) | base step | tuning escapes | tuning median |",
      "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for r in report.rows {
      let grid = r.grid.enumerated().map {
        $0.offset == r.chosenIndex ? "**\($0.element)**" : $0.element
      }
      .joined(separator: ", ")
      lines.append(
        "| \(r.problem) | \(r.method) | \(grid)\(r.atEdge ? " ⚑ edge" : "") | "
          + "\(r.baseStep.map { String(format: "%.4g", $0) } ?? "—") | "
          + "\(r.tuningEscaped)/\(r.tuningSeeds) | "
          + "\(r.tuningMedian.map { format($0) } ?? "≥ \(r.budget)") |")
    }
    return lines.joined(separator: "\n")
  }

  /// The rows as CSV with a header line (``csvColumns``); an empty cell is a value not
  /// reached (a median never reached has `escape_cost_censored = true`). Deterministic: no
  /// wall-clock times (see ``timingCSV(_:)``).
  public static func csv(_ report: Report) -> String {
    var lines = [csvColumns.joined(separator: ",")]
    let opt = { (x: Double?) in x.map { "\($0)" } ?? "" }
    for r in report.rows {
      let fields: [String] = [
        r.problem, r.method, r.setting, r.grid.joined(separator: "; "), "\(r.chosenIndex)",
        "\(r.atEdge)", opt(r.baseStep), "\(r.tuningSeeds)", "\(r.tuningEscaped)",
        opt(r.tuningMedian), "\(r.seeds)", "\(r.escaped)", "\(r.escapeRate.estimate)",
        "\(r.escapeRate.low)", "\(r.escapeRate.high)", opt(r.escapeCost.estimate),
        opt(r.escapeCost.low), opt(r.escapeCost.high), "\(r.escapeCost.estimate == nil)",
        "\(r.budget)", r.paired == nil ? "" : report.baseline, opt(r.paired?.medianRatio),
        opt(r.paired?.ratioLow), opt(r.paired?.ratioHigh), r.paired.map { "\($0.pairs)" } ?? "",
        r.paired.map { "\($0.wins)" } ?? "", r.paired.map { "\($0.losses)" } ?? "",
        opt(r.paired?.wilcoxon?.pValue), "\(r.medianGradients)", "\(r.medianLosses)",
        "\(r.medianHessianVectorProducts)", "\(r.finalLoss)",
      ]
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Every reporting run as CSV: problem, method, setting, seed, escaped, cost, final loss.
  public static func perSeedCSV(_ report: Report) -> String {
    var lines = ["problem,method,setting,seed,escaped,cost,final_loss"]
    for r in report.perSeed {
      lines.append(
        [
          r.problem, r.method, r.setting, "\(r.seed)", "\(r.escaped)", "\(r.cost)",
          "\(r.finalLoss)",
        ]
        .map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Wall-clock seconds per reporting run (median over seeds) per row: not deterministic, so
  /// kept out of ``csv(_:)``.
  public static func timingCSV(_ report: Report) -> String {
    var lines = ["problem,method,wall_seconds_median"]
    for r in report.rows {
      let seconds = report.perSeed.filter { $0.problem == r.problem && $0.method == r.method }
        .map(\.wallSeconds)
      lines.append(
        [r.problem, r.method, "\(percentile(seconds, 0.5))"].map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func format(_ x: Double) -> String {
    x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(format: "%.1f", x)
  }

  static func ratio(_ x: Double) -> String { String(format: "%.3g", x) }

  static func percent(_ x: Double) -> String { String(format: "%.0f", 100 * x) }
}

/// A CSV field, quoted when it holds a comma, a quote or a newline.
func csvField(_ s: String) -> String {
  guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
  return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
