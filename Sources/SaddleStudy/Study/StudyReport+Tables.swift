import Foundation
import SaddleCore

extension StudyReport {
  /// The report in Markdown: the main table, the paired comparisons and the performance
  /// profiles. Deterministic in the trials (no dates or timings), so it is byte-identical
  /// across runs, shards and machines.
  public func markdown(title: String) -> String {
    var lines = [
      "# \(title)", "",
      "Escaped: f < f_saddle − δ was seen and the run ended finite and below the saddle's value; "
        + "rate with its Wilson 95% interval. Escape cost (gradient-equivalent evaluations): "
        + "Kaplan–Meier median over seeds, runs that did not escape censored at the budget, "
        + "with the Brookmeyer–Crowley 95% interval (log transform, as R's `survfit`); "
        + "`≥ B`: not reached within the budget B; `—`: undefined (R's `NA`; with few seeds "
        + "and nothing censored the upper limit is undefined). Final loss and total cost: mean ± 95% "
        + "Student-t interval. Loss at equal cost: median at the problem's common cost C. "
        + "Cost to target: KM median cost to reach f_best + 1% of (f_start − f_best).",
      "",
      "| problem | optimizer | seeds | escaped | escape cost (KM median) | 95% CI | final loss "
        + "| total cost | loss at equal cost (C) | cost to target | failures |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows {
      let escaped =
        r.measuresEscape
        ? "\(r.escaped)/\(r.seeds) [\(humanNumber(r.escapeRate.low, digits: 2)), "
          + "\(humanNumber(r.escapeRate.high, digits: 2))]" : "—"
      let cost = r.measuresEscape ? kmCell(r.escapeCost, censor: r.censorTime) : ("—", "—")
      let equal =
        r.lossAtEqualCost.map { "\(humanNumber($0)) (\(humanNumber(r.equalCost ?? .nan)))" } ?? "—"
      let target =
        r.costToTarget.map { $0.estimate.map { humanNumber($0) } ?? "not reached" } ?? "—"
      lines.append(
        "| \(r.problem) | \(r.optimizer) | \(r.seeds) | \(escaped) | \(cost.0) | \(cost.1) | "
          + "\(humanNumber(r.finalLoss)) | \(humanNumber(r.cost)) | \(equal) | \(target) | \(r.failures) |"
      )
    }
    if let baseline, !paired.isEmpty {
      lines += [
        "", "## Paired with \(baseline) (same seeds)", "",
        "Per-seed ratio of escape costs (setting / \(baseline); < 1: cheaper). Median ratio with "
          + "a percentile-bootstrap 95% interval (4000 resamples, fixed seed); Wilcoxon "
          + "signed-rank p of the log ratios (scipy's default choice of exact or normal). "
          + "Pairs where neither escaped are dropped; where one did not, its cost is the "
          + "budget (a bound that understates the winner's advantage).",
        "",
        "| setting vs \(baseline) | problem | pairs (dropped) | median ratio | 95% CI "
          + "| cheaper / dearer | Wilcoxon p |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
      ]
      for c in paired {
        let p =
          c.wilcoxon.map { "\(humanNumber($0.pValue, digits: 2)) (\($0.method.rawValue))" } ?? "—"
        lines.append(
          "| \(c.method) | \(c.problem) | \(c.pairs) (\(c.bothCensored)) | "
            + "\(humanNumber(c.medianRatio ?? .nan, digits: 3)) | "
            + "[\(humanNumber(c.ratioLow ?? .nan, digits: 3)), "
            + "\(humanNumber(c.ratioHigh ?? .nan, digits: 3))] | "
            + "\(c.wins) / \(c.losses) | \(p) |")
      }
    }
    for profile in profiles where profile.problems.count > 1 {
      let taus = [1.0, 2, 4, 10]
      lines += [
        "", "## Performance profile: \(profile.measure) over \(profile.problems.count) problems",
        "",
        "ρ(τ): fraction of problems on which the setting is within a factor τ of the best "
          + "(Dolan & Moré 2002); ρ(∞): fraction solved. Full curves: `profiles.csv`.",
        "",
        "| setting | " + taus.map { "ρ(\(humanNumber($0)))" }.joined(separator: " | ")
          + " | ρ(∞) |",
        "| --- |" + String(repeating: " ---: |", count: taus.count + 1),
      ]
      for (s, method) in profile.methods.enumerated() {
        let cells = (taus + [.infinity]).map { humanNumber(profile.rho(s, $0), digits: 2) }
        lines.append("| \(method) | " + cells.joined(separator: " | ") + " |")
      }
    }
    return Self.inserting(tuningSection ?? "", into: lines.joined(separator: "\n") + "\n")
  }

  func kmCell(_ m: KaplanMeier.Median, censor: Double?) -> (estimate: String, interval: String) {
    let unreached = censor.map { "≥ \(humanNumber($0))" } ?? "—"
    let estimate = m.estimate.map { humanNumber($0) } ?? unreached
    let low = m.low.map { humanNumber($0) } ?? "—"
    let high =
      m.high.map { humanNumber($0) } ?? (m.estimate == nil || m.events < m.count ? unreached : "—")
    return (estimate, "[\(low), \(high)]")
  }

  /// `report.csv`: one line per row, full precision; empty cells for values not defined or
  /// not reached (`escape_cost_censored = true` when the median was not reached within the
  /// budget).
  public func csv() -> String {
    let header = [
      "problem", "optimizer", "seeds", "escaped", "escape_rate", "escape_rate_low",
      "escape_rate_high", "escape_cost_median", "escape_cost_low", "escape_cost_high",
      "escape_cost_censored", "escape_cost_censor_time", "final_loss_median", "final_loss_mean",
      "final_loss_ci95", "cost_mean", "cost_ci95", "equal_cost", "loss_at_equal_cost",
      "target_loss", "cost_to_target_median", "cost_to_target_low", "cost_to_target_high",
      "cost_to_target_censored", "failures",
    ]
    var lines = [header.joined(separator: ",")]
    for r in rows {
      let e = r.measuresEscape
      let fields: [String] = [
        csvField(r.problem), csvField(r.optimizer), "\(r.seeds)", e ? "\(r.escaped)" : "",
        e ? number(r.escapeRate.estimate) : "", e ? number(r.escapeRate.low) : "",
        e ? number(r.escapeRate.high) : "", e ? number(r.escapeCost.estimate) : "",
        e ? number(r.escapeCost.low) : "", e ? number(r.escapeCost.high) : "",
        e ? "\(r.escapeCost.estimate == nil)" : "", e ? number(r.censorTime) : "",
        number(r.finalLossMedian), number(r.finalLoss.mean), number(r.finalLoss.halfWidth),
        number(r.cost.mean), number(r.cost.halfWidth), number(r.equalCost),
        number(r.lossAtEqualCost), number(r.targetLoss), number(r.costToTarget?.estimate),
        number(r.costToTarget?.low), number(r.costToTarget?.high),
        r.costToTarget.map { "\($0.estimate == nil)" } ?? "", "\(r.failures)",
      ]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `per-seed.csv`: one line per trial, rows in report order then by seed.
  public func perSeedCSV() -> String {
    var lines = [
      "problem,optimizer,seed,escaped,escape_cost,censored_at,final_loss,total_cost,gradients,"
        + "losses,hessian_vector_products,steps,failure"
    ]
    for (row, runs) in zip(rows, seedRuns) {
      for r in runs {
        let escaped = r.escaped
        lines.append(
          [
            csvField(row.problem), csvField(row.optimizer), "\(r.seed)",
            row.measuresEscape ? "\(escaped)" : "",
            escaped ? "\(r.escapeCost!)" : "",
            row.measuresEscape && !escaped ? number(row.censorTime) : "", number(r.finalLoss),
            "\(r.counts.cost)", "\(r.counts.gradients)", "\(r.counts.losses)",
            "\(r.counts.hessianVectorProducts)", "\(r.steps)", csvField(r.failure ?? ""),
          ].joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `paired.csv`: every setting against the baseline on every problem with an escape
  /// criterion.
  public func pairedCSV() -> String {
    var lines = [
      "problem,method,baseline,seeds,pairs,both_censored,one_censored,wins,losses,ratio_median,"
        + "ratio_low,ratio_high,wilcoxon_statistic,wilcoxon_p,wilcoxon_method"
    ]
    for c in paired {
      lines.append(
        [
          csvField(c.problem), csvField(c.method), csvField(c.baseline), "\(c.seeds)",
          "\(c.pairs)", "\(c.bothCensored)", "\(c.oneCensored)", "\(c.wins)", "\(c.losses)",
          number(c.medianRatio), number(c.ratioLow), number(c.ratioHigh),
          number(c.wilcoxon?.statistic), number(c.wilcoxon?.pValue),
          c.wilcoxon?.method.rawValue ?? "",
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `profiles.csv`: every performance profile's breakpoints (see ``PerformanceProfile/csv()``).
  public func profilesCSV() -> String {
    var lines = ["measure,method,tau,rho"]
    for p in profiles { lines += p.csv().split(separator: "\n").dropFirst().map(String.init) }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// A CSV number at full precision (shortest round-trip), empty for nil or NaN.
func number(_ x: Double?) -> String {
  guard let x, !x.isNaN else { return "" }
  return x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
}

/// A number for people: `digits` significant digits, never dropping integer digits in
/// [1e-3, 1e6) (2181, 0.0123, 1.5), scientific outside (1.23e-05); "—" for NaN, "∞" for ∞.
public func humanNumber(_ x: Double, digits: Int = 4) -> String {
  if x.isNaN { return "—" }
  if x.isInfinite { return x > 0 ? "∞" : "−∞" }
  if x == 0 { return "0" }
  let magnitude = abs(x)
  if magnitude >= 1e-3 && magnitude < 1e6 {
    let decimals = Swift.max(0, digits - 1 - Int(log10(magnitude).rounded(.down)))
    var s = String(format: "%.\(decimals)f", x)
    if s.contains(".") {
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
  }
  return String(format: "%.\(Swift.max(0, digits - 1))e", x)
}

/// `mean ± half-width` for people: the half-width to 2 significant digits, `± 0` when it is
/// below float noise (≤ 1e-12·|mean|), the mean alone for one value, "—" for none.
public func humanNumber(_ m: MeanInterval) -> String {
  guard m.count > 0 else { return "—" }
  guard !m.halfWidth.isNaN else { return humanNumber(m.mean) }
  if m.halfWidth <= 1e-12 * abs(m.mean) { return "\(humanNumber(m.mean)) ± 0" }
  return "\(humanNumber(m.mean)) ± \(humanNumber(m.halfWidth, digits: 2))"
}
