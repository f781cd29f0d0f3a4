import Foundation
import SaddleCore

extension StudyReport {
  /// The "Tuning" section of a study with `tuningSeeds`: per problem, each optimizer's grid,
  /// the point chosen on the tuning seeds, its tuning score, and a flag when the chosen point
  /// sits on the smallest or largest value of a grid field (the grid may be too small).
  /// `choices` is ``StudyRunner/tuningChoices(problem:)`` (nil entries: tuning not done);
  /// `scales` (per problem, optional) are shown under each problem's heading.
  public static func tuningMarkdown(
    config: StudyConfig, choices: [[TuningChoice?]], scales: [StudyConfig.ProblemScale?] = []
  ) -> String {
    guard let rule = config.selectionRule, let n = config.tuningSeeds else { return "" }
    let seeds = config.tuningSeedRange
    var lines = [
      "## Tuning", "",
      "Each optimizer's setting is chosen per problem on the tuning seeds "
        + "\(seeds.first!)–\(seeds.last!) (\(n) per grid point, disjoint from the reporting "
        + "seeds 1–\(config.seeds)) by the rule `\(rule.rawValue)` (\(ruleText(rule))); the "
        + "tables above report only the chosen setting, on the reporting seeds. Grid values "
        + "`c×λmax⁻¹` are c/λ_max and `c×dmin` are c times the distance to the nearest minimum, "
        + "for the problem's start saddle. **Edge**: the chosen value is the smallest (low) or "
        + "largest (high) of its grid field, so the best setting may lie outside the grid.",
    ]
    for (p, problem) in config.problems.enumerated() {
      lines += ["", "### \(problem.label)"]
      if p < scales.count, let scale = scales[p] {
        let parts =
          (scale.lambdaMax.map { ["λ_max = \(humanNumber($0))"] } ?? [])
          + (scale.minimaDistance.map { ["d_min = \(humanNumber($0))"] } ?? [])
        if !parts.isEmpty {
          lines += ["", "At the start saddle: " + parts.joined(separator: ", ") + "."]
        }
      }
      lines += [
        "",
        "| optimizer | grid | points | chosen point | tuning score (\(rule.scoreDescription)) "
          + "| escaped (tuning) | edge |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
      ]
      for (o, optimizer) in config.optimizers.enumerated() {
        let grid = gridText(optimizer.grid ?? [:])
        let count = (optimizer.grid ?? [:]).values.reduce(1) { $0 * $1.count }
        guard p < choices.count, o < choices[p].count, let choice = choices[p][o] else {
          lines.append(
            "| \(optimizer.label) | \(grid) | \(count) | (tuning not done) | — | — | — |")
          continue
        }
        let point = choice.choice
        let score = scoreText(point.score, rule: rule, budget: config.budget.cost)
        let escaped = point.escapeRate.map { humanNumber($0, digits: 2) } ?? "—"
        let edge =
          choice.edges.isEmpty
          ? "" : "⚠ " + choice.edges.map { "\($0.side) \($0.field)" }.joined(separator: ", ")
        lines.append(
          "| \(optimizer.label) | \(grid) | \(choice.points.count) | \(chosenText(point.setting, grid: optimizer.grid ?? [:])) "
            + "| \(score) | \(escaped) | \(edge) |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `tuning.csv`: one line per problem, optimizer and grid point with its tuning score;
  /// `chosen` marks the selected point, `edge` lists the fields on whose extreme it sits.
  public static func tuningCSV(config: StudyConfig, choices: [[TuningChoice?]]) -> String {
    var lines = [
      "problem,optimizer,setting,point,chosen,score,score_censored,escape_rate,"
        + "final_loss_median,tuning_runs,edge"
    ]
    for (p, problem) in config.problems.enumerated() where p < choices.count {
      for (o, optimizer) in config.optimizers.enumerated() {
        guard o < choices[p].count, let choice = choices[p][o] else { continue }
        for (i, point) in choice.points.enumerated() {
          let chosen = i == choice.chosen
          lines.append(
            [
              csvField(problem.label), csvField(optimizer.label), csvField(point.setting.label),
              "\(i)", "\(chosen)", number(point.score.isFinite ? point.score : nil),
              "\(!point.score.isFinite)", number(point.escapeRate), number(point.finalLossMedian),
              "\(point.runs)",
              chosen
                ? csvField(choice.edges.map { "\($0.side) \($0.field)" }.joined(separator: ";"))
                : "",
            ].joined(separator: ","))
        }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `markdown` with `section` inserted before its first `## ` heading (after the main
  /// table), or appended.
  public static func inserting(_ section: String, into markdown: String) -> String {
    guard !section.isEmpty else { return markdown }
    if let range = markdown.range(of: "\n## ") {
      var out = markdown
      out.insert(contentsOf: section + "\n", at: out.index(after: range.lowerBound))
      return out
    }
    return markdown + "\n" + section
  }

  static func ruleText(_ rule: SelectionRule) -> String {
    switch rule {
    case .medianEscapeCost:
      "smallest Kaplan–Meier median escape cost, runs that did not escape censored at the "
        + "budget; ties: higher escape rate, then lower median final loss, then grid order"
    case .finalLoss: "smallest median final loss at the budget; ties: grid order"
    }
  }

  static func scoreText(_ score: Double, rule: SelectionRule, budget: Int?) -> String {
    if score.isFinite { return humanNumber(score) }
    if rule == .medianEscapeCost { return budget.map { "≥ \(humanNumber(Double($0)))" } ?? "∞" }
    return "∞"
  }

  /// `learningRate ∈ {0.5, 1, 1.9}×λmax⁻¹; period ∈ {1, 5}`.
  static func gridText(_ grid: [String: StudyConfig.GridAxis]) -> String {
    guard !grid.isEmpty else { return "—" }
    return grid.keys.sorted().map { key in
      let field = key.split(separator: ".").last.map(String.init) ?? key
      switch grid[key]! {
      case .values(let v):
        return "\(field) ∈ {\(v.map { "\($0)" }.joined(separator: ", "))}"
      case .relative(let scale, let factors):
        let unit = scale == .timesInverseLambdaMax ? "×λmax⁻¹" : "×dmin"
        return
          "\(field) ∈ {\(factors.map { CanonicalJSON.text(.double($0)) }.joined(separator: ", "))}\(unit)"
      }
    }.joined(separator: "; ")
  }

  /// The chosen setting's grid values and, for relative values, what they resolved to
  /// (`learningRate=1.9×λmax⁻¹ (0.019)`).
  static func chosenText(_ setting: StudyConfig.Setting, grid: [String: StudyConfig.GridAxis])
    -> String
  {
    guard !grid.isEmpty else { return "(no grid)" }
    return zip(grid.keys.sorted(), setting.coordinates).map { key, index in
      let field = key.split(separator: ".").last.map(String.init) ?? key
      switch grid[key]! {
      case .values(let v): return "\(field)=\(v[index])"
      case .relative(let scale, let factors):
        var resolved = ""
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let stage = Int(parts[0]), case .array(let stages) = setting.spec,
          stages.indices.contains(stage), case .object(let fields) = stages[stage],
          case .double(let value)? = fields[parts[1]]
        {
          resolved = " (\(humanNumber(value)))"
        }
        return "\(field)=\(scale.label(factors[index]))\(resolved)"
      }
    }.joined(separator: ", ").replacingOccurrences(of: "|", with: "\\|")
  }
}
