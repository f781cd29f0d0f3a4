import Foundation
import SaddleCore

extension StudyReport {
  /// For a study with `tuningSeeds` (``tuningChoices`` set): per optimizer and numeric grid
  /// field, the tuning score of every grid point (the selection rule's score on the tuning
  /// seeds: the Kaplan–Meier median escape cost, or the median final loss) against the field's
  /// value, one line per problem and combination of the other fields. A median escape cost not
  /// reached within the budget is drawn at the budget. Relative fields are plotted by their
  /// factor (`× 1/λ_max`, `× d_min`).
  public func tuningSensitivityFigures(config: StudyConfig) -> [NamedFigure] {
    guard let choices = tuningChoices, let rule = config.selectionRule else { return [] }
    let budget = config.budget.cost.map(Double.init)
    var out: [NamedFigure] = []
    for (o, optimizer) in config.optimizers.enumerated() {
      guard let grid = optimizer.grid, !grid.isEmpty else { continue }
      let keys = grid.keys.sorted()
      let values = keys.map { TuningChoice.numericValues(grid[$0]!) }
      for (axis, key) in keys.enumerated() {
        let numbers = values[axis].compactMap { $0 }
        guard numbers.count == values[axis].count, Set(numbers).count >= 2 else { continue }
        let field = String(key.split(separator: ".").last ?? Substring(key))
        var lines: [String: [(Double, [Double])]] = [:]
        var order: [String] = []
        for choice in choices where choice.optimizer == o {
          let problem = config.problems[choice.problem].label
          for point in choice.points where axis < point.setting.coordinates.count {
            guard let x = values[axis][point.setting.coordinates[axis]] else { continue }
            let others = keys.indices.filter { $0 != axis }.map { other -> String in
              let name = String(keys[other].split(separator: ".").last ?? "")
              let v = values[other][point.setting.coordinates[other]]
              return "\(name)=\(v.map { CanonicalJSON.text(.double($0)) } ?? "?")"
            }.joined(separator: ", ")
            var y = point.score
            if !y.isFinite, let budget { y = budget }
            guard y.isFinite else { continue }
            let line = others.isEmpty ? problem : "\(problem) (\(others))"
            if lines[line] == nil { order.append(line) }
            lines[line, default: []].append((x, [y]))
          }
        }
        guard lines.values.contains(where: { $0.count >= 2 }) else { continue }
        let unit: String? =
          switch grid[key]! {
          case .relative(.timesInverseLambdaMax, _): "× 1/λ_max"
          case .relative(.timesMinimaDistance, _): "× distance to the minima"
          case .values: nil
          }
        let tuning = config.tuningSeeds.map { "\($0) tuning seeds (1001–\(1000 + $0))" } ?? ""
        let figure = Figures.sensitivity(
          title: "\(optimizer.label): tuning sensitivity to \(field)",
          subtitle: "\(rule.scoreDescription) over the \(tuning) at each grid point"
            + (rule == .medianEscapeCost ? "; not reached within the budget: drawn at it." : "."),
          x: Axis(field, unit: unit),
          y: rule == .medianEscapeCost
            ? Axis("escape cost", unit: "gradient-equivalent evaluations")
            : Axis("final loss"),
          groups: order.map { Figures.SensitivityGroup(label: $0, points: lines[$0]!) })
        out.append(
          NamedFigure(
            name: "tuning-sensitivity-\(slug(optimizer.label))-\(slug(field))", figure: figure))
      }
    }
    return out
  }
}
