import Foundation

extension EscapeBenchmark {
  /// The rows as a Markdown table: problem, method, median, p10, p90, final loss, and the
  /// setting, escapes and the three evaluation counts.
  public static func markdown(_ rows: [Row], budget: Int) -> String {
    var lines = [
      "| problem | method | median | p10 | p90 | final loss | escaped | setting | grads | losses | HVPs |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for r in rows {
      let cost = { (x: Double) in x >= Double(budget) ? "≥\(budget)" : format(x) }
      lines.append(
        "| \(r.problem) | \(r.method) | \(cost(r.median)) | \(cost(r.p10)) | \(cost(r.p90)) | "
          + String(format: "%.4g", r.finalLoss)
          + " | \(r.escaped)/\(r.seeds) | \(r.setting) | \(format(r.medianGradients)) | "
          + "\(format(r.medianLosses)) | \(format(r.medianHessianVectorProducts)) |")
    }
    return lines.joined(separator: "\n")
  }

  /// The rows as CSV with a header line.
  public static func csv(_ rows: [Row]) -> String {
    var lines = [
      "problem,method,setting,median,p10,p90,escaped,seeds,median_gradients,median_losses,median_hvps,final_loss"
    ]
    for r in rows {
      let fields: [String] = [
        r.problem, r.method, r.setting, "\(r.median)", "\(r.p10)", "\(r.p90)", "\(r.escaped)",
        "\(r.seeds)", "\(r.medianGradients)", "\(r.medianLosses)",
        "\(r.medianHessianVectorProducts)", "\(r.finalLoss)",
      ]
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func format(_ x: Double) -> String {
    x.rounded() == x ? String(Int(x)) : String(format: "%.1f", x)
  }
}

/// A CSV field, quoted when it holds a comma, a quote or a newline.
func csvField(_ s: String) -> String {
  guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
  return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
