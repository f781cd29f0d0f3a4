import Foundation
import SaddleCore
import SaddleStudy
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The parsed structure of an SVG: every element with its attributes and text, in order,
/// with the classes of its enclosing groups.
final class SVGOutline: NSObject, XMLParserDelegate {
  struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
    var groups: [String]
  }
  var elements: [Element] = []
  private var stack: [Int] = []
  private var groupClasses: [String] = []
  var error: Error?

  static func parse(_ svg: String) -> SVGOutline? {
    let outline = SVGOutline()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = outline
    guard parser.parse(), outline.error == nil else { return nil }
    return outline
  }

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    elements.append(Element(name: name, attributes: attributes, groups: groupClasses))
    stack.append(elements.count - 1)
    if name == "g" { groupClasses.append(attributes["class"] ?? "") }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if let i = stack.last { elements[i].text += string }
  }

  func parser(
    _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
  ) {
    stack.removeLast()
    if name == "g" { groupClasses.removeLast() }
  }

  func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

  func count(groupClass: String) -> Int {
    elements.filter { $0.name == "g" && $0.attributes["class"] == groupClass }.count
  }
}

/// A generous width estimate, independent of the layout code's: about DejaVu Sans' advance
/// widths (the widest common sans-serif) rounded up, 1 em for wide letters and non-ASCII.
func generousWidth(_ text: String, size: Double) -> Double {
  text.reduce(0) { sum, c in
    let em: Double
    if "il.,:;'|!I".contains(c) {
      em = 0.36
    } else if " ()[]ftr".contains(c) {
      em = 0.45
    } else if "mwMW@%".contains(c) || !c.isASCII {
      em = 1.0
    } else {
      em = c.isUppercase ? 0.8 : 0.66
    }
    return sum + em * size
  }
}

/// Checks the SVG is well-formed and that every text element lies inside the canvas; returns
/// the outline.
func checkLayout(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws
  -> SVGOutline
{
  let outline = try #require(
    SVGOutline.parse(svg), "not well-formed XML", sourceLocation: sourceLocation)
  let root = try #require(outline.elements.first, sourceLocation: sourceLocation)
  #expect(root.name == "svg", sourceLocation: sourceLocation)
  let width = try #require(Double(root.attributes["width"] ?? ""), sourceLocation: sourceLocation)
  let height = try #require(Double(root.attributes["height"] ?? ""), sourceLocation: sourceLocation)
  let defaultSize = Double(root.attributes["font-size"] ?? "12") ?? 12
  for t in outline.elements where t.name == "text" {
    let x = try #require(Double(t.attributes["x"] ?? ""), sourceLocation: sourceLocation)
    let y = try #require(Double(t.attributes["y"] ?? ""), sourceLocation: sourceLocation)
    let size = Double(t.attributes["font-size"] ?? "") ?? defaultSize
    let w = generousWidth(t.text, size: size)
    let anchor = t.attributes["text-anchor"] ?? "start"
    let offset = anchor == "middle" ? w / 2 : anchor == "end" ? w : 0
    var box = (x0: x - offset, x1: x - offset + w, y0: y - size, y1: y + size * 0.3)
    if let transform = t.attributes["transform"] {
      #expect(transform.hasPrefix("rotate(-90"), sourceLocation: sourceLocation)
      // Rotated a quarter turn about (x, y): the run goes up the page.
      box = (x0: x - size, x1: x + size * 0.3, y0: y - (w - offset), y1: y + offset)
    }
    #expect(
      box.x0 >= 0 && box.x1 <= width && box.y0 >= 0 && box.y1 <= height,
      "text '\(t.text)' at \(box) leaves the \(width)×\(height) canvas",
      sourceLocation: sourceLocation)
  }
  return outline
}

/// Writes `svg` to `$SADDLE_FIGURE_DIR/name.svg` when that variable is set (to look at the
/// renders: `rsvg-convert -o name.png name.svg`).
func dump(_ svg: String, _ name: String) {
  guard let dir = ProcessInfo.processInfo.environment["SADDLE_FIGURE_DIR"] else { return }
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  try? Data(svg.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name + ".svg"))
}

@Suite("Figures")
struct FigureTests {
  /// Curves that drop from 0 to −1 near `at` over a budget of 3000, with seed noise.
  static func curves(dropAt at: Double, seeds: Int = 4) -> [[(x: Double, y: Double)]] {
    (0..<seeds).map { s in
      stride(from: 0.0, through: 3000, by: 25).map { x in
        (x: x, y: x < at + Double(s) * 3 ? 0.0 : -1 - 0.01 * Double(s))
      }
    }
  }

  static let longLabels = [
    "gd", "adam", "dimer + projection + gd (the abstract's literal reading)",
    "dimer + gd + negative-curvature step (no projection)", "deo-sgd (corrected)[period=1]",
    "deo-sgd (corrected)[period=10]", "deo-adam (corrected)",
    "deo-reference (reference code's rule)",
  ]

  @Test(
    "loss vs cost: ticks on both axes, a legend entry with a line sample per series, text inside")
  func lossVsCost() throws {
    let groups = Self.longLabels.enumerated().map { i, label in
      Figures.RunGroup(label: label, curves: Self.curves(dropAt: 200 + 300 * Double(i)))
    }
    let figure = Figures.meanCurves(
      title: "rotated ill-conditioned saddle (κ=100): loss vs cost",
      x: Axis("cost", unit: "evaluations"),
      y: Axis("loss"), groups: groups)
    let svg = figure.svg()
    dump(svg, "loss-vs-cost")
    let outline = try checkLayout(svg)
    #expect(outline.count(groupClass: "tick x") >= 4)
    #expect(outline.count(groupClass: "tick y") >= 4)
    let labelled = outline.elements.filter { $0.name == "text" && $0.groups.contains("tick x") }
    #expect(labelled.count >= 3)
    #expect(outline.count(groupClass: "legend-entry") == groups.count)
    let samples = outline.elements.filter {
      $0.name == "line" && $0.groups.contains("legend-entry")
    }
    #expect(samples.count == groups.count)
    // Long labels are wrapped, not cut: every word of every label is in the legend.
    let legendText = outline.elements.filter {
      $0.name == "text" && $0.groups.contains("legend-entry")
    }
    .map(\.text).joined(separator: " ")
    for label in Self.longLabels {
      for word in label.split(separator: " ") { #expect(legendText.contains(word)) }
    }
    #expect(
      outline.elements.contains {
        $0.attributes["class"] == "axis-title x" && $0.text.contains("cost (evaluations)")
      })
  }

  @Test("the mean is drawn at transform(mean) and the band at transform(mean ± h)")
  func meanAndBand() throws {
    let group = Figures.RunGroup(
      label: "a", curves: [[(0, 1), (10, 100)], [(0, 3), (10, 1000)], [(0, 5), (10, 10_000)]])
    let figure = Figures.meanCurves(
      title: "t", x: Axis("x"), y: Axis("y", scale: .fixed(.symlog(threshold: 1))), groups: [group])
    let points = figure.series[0].points
    #expect(points.count == 2)
    #expect(points[1].y == 3700)
    let deviations: [Double] = [100 - 3700, 1000 - 3700, 10_000 - 3700]
    let variance = deviations.map { $0 * $0 }.reduce(0, +) / 2
    let h = 4.303 * (variance / 3).squareRoot()
    #expect(abs(points[1].lower! - (3700 - h)) < 1e-9 && abs(points[1].upper! - (3700 + h)) < 1e-9)
    // The path passes through the transformed mean, not the midpoint of the transformed band.
    let y = figure.resolvedAxes().y
    let outline = try checkLayout(figure.svg())
    let path = try #require(outline.elements.first { $0.attributes["class"] == "series" })
    let rect = try #require(
      outline.elements.first { $0.name == "rect" && $0.attributes["fill"] == "none" })
    let (top, height) = (Double(rect.attributes["y"]!)!, Double(rect.attributes["height"]!)!)
    let expected = top + height * (1 - y.fraction(3700))
    let midpoint = top + height * (1 - (y.fraction(3700 - h) + y.fraction(3700 + h)) / 2)
    let last = try #require(path.attributes["d"]?.split(separator: ",").last.flatMap { Double($0) })
    #expect(abs(last - expected) < 0.1)
    #expect(abs(last - midpoint) > 5)
  }

  @Test("the x-axis turns logarithmic when the action sits in the first percent; selectable")
  func automaticLogAxis() throws {
    let early = Figures.meanCurves(
      title: "t", x: Axis("cost"), y: Axis("loss"),
      groups: [Figures.RunGroup(label: "a", curves: Self.curves(dropAt: 20))])
    #expect(early.resolvedAxes().x.scale == .log)
    let late = Figures.meanCurves(
      title: "t", x: Axis("cost"), y: Axis("loss"),
      groups: [Figures.RunGroup(label: "a", curves: Self.curves(dropAt: 1500))])
    #expect(late.resolvedAxes().x.scale == .linear)
    var chosen = late
    chosen.x.scale = .fixed(.log)
    #expect(chosen.resolvedAxes().x.scale == .log)
    #expect(try checkLayout(chosen.svg()).count(groupClass: "tick x") >= 3)
    // Positive losses over many decades: log y; both signs over decades: symlog.
    let decades = ResolvedAxis.resolve(Axis("y"), values: [1e-6, 1e-3, 1, 100])
    #expect(decades.scale == .log)
    #expect(
      decades.ticks.contains { $0.label == "1" } && decades.ticks.contains { $0.label == "100" })
    let mixed = ResolvedAxis.resolve(Axis("y"), values: [-1e-4, -1e-5, 2e-6, 1e-6, 1e2, 1e3])
    if case .symlog = mixed.scale {} else { Issue.record("expected symlog, got \(mixed.scale)") }
    #expect(mixed.ticks.contains { $0.value == 0 })
  }

  @Test("nice-number ticks cover the data with 1, 2, 2.5 or 5 × 10^k steps")
  func niceTicks() {
    #expect(niceStep(0.13) == 0.2)
    #expect(niceStep(2.2) == 2.5)
    #expect(niceStep(420) == 500)
    let axis = ResolvedAxis.resolve(Axis("x"), values: [0, 2976])
    #expect(axis.lower == 0 && axis.upper == 3000)
    #expect(axis.ticks.map(\.label) == ["0", "500", "1000", "1500", "2000", "2500", "3000"])
    let small = ResolvedAxis.resolve(Axis("y"), values: [-0.0025, 0.0001])
    #expect(small.ticks.count >= 4 && small.ticks.allSatisfy { !$0.label.contains("e") })
  }

  @Test("sixteen series get sixteen distinct colour-and-dash styles")
  func sixteenSeries() throws {
    let groups = (0..<16).map { i in
      Figures.RunGroup(
        label: "setting \(i) with a fairly long name",
        curves: Self.curves(dropAt: 100 * Double(i + 1)))
    }
    let svg = Figures.meanCurves(title: "many", x: Axis("cost"), y: Axis("loss"), groups: groups)
      .svg()
    dump(svg, "sixteen-series")
    let outline = try checkLayout(svg)
    let samples = outline.elements.filter {
      $0.name == "line" && $0.groups.contains("legend-entry")
    }
    #expect(samples.count == 16)
    let styles = Set(
      samples.map {
        "\($0.attributes["stroke"] ?? "") \($0.attributes["stroke-dasharray"] ?? "solid")"
      })
    #expect(styles.count == 16)
    #expect(Palette.distinctStyles >= 16)
  }

  @Test("a legend taller than the plot grows the canvas instead of being clipped")
  func tallLegend() throws {
    let groups = (0..<40).map { i in
      Figures.RunGroup(
        label: "setting \(i): dimer + gd + negative-curvature step (no projection), period \(i)",
        curves: [[(0, 0), (100, -1)]])
    }
    let figure = Figures.meanCurves(title: "t", x: Axis("cost"), y: Axis("loss"), groups: groups)
    let svg = figure.svg()
    let outline = try checkLayout(svg)
    let height = try #require(Double(outline.elements[0].attributes["height"] ?? ""))
    #expect(height > figure.height)
    #expect(outline.count(groupClass: "legend-entry") == 40)
  }

  @Test("escape survival: Kaplan–Meier steps, censored at the budget")
  func survival() throws {
    let s = Figures.survivalPoints(escapes: [10, 20], censored: [30, 30])
    #expect(s.map(\.x) == [0, 10, 20, 30])
    #expect(s.map(\.y) == [1, 0.75, 0.5, 0.5])
    // A run censored before an event leaves the risk set: S = 2/3 after 10, then 0 at 30.
    let k = Figures.survivalPoints(escapes: [10, 30], censored: [20])
    #expect(k.count == 3 && abs(k[1].y - 2.0 / 3) < 1e-12 && k[2].y == 0)
    let figure = Figures.survival(
      title: "quartic double well: escape from the saddle", x: Axis("cost", unit: "evaluations"),
      groups: [
        .init(label: "gd", escapes: [25, 26, 30, 31], censored: []),
        .init(
          label: "dimer + projection + gd (the abstract's literal reading)", escapes: [28],
          censored: [3000, 3000, 3000]),
      ])
    #expect(figure.resolvedAxes().x.scale == .log)
    let svg = figure.svg()
    dump(svg, "survival")
    let outline = try checkLayout(svg)
    #expect(outline.count(groupClass: "legend-entry") == 2)
    #expect(outline.count(groupClass: "tick y") >= 3)
    // One censoring tick: the second setting ends at the budget with runs still at the saddle.
    #expect(outline.elements.filter { $0.attributes["class"] == "censored" }.count == 1)
  }

  @Test("performance profiles follow Dolan–Moré's ρ(τ)")
  func performanceProfile() throws {
    let figure = Figures.performanceProfile(
      title: "profiles", methods: ["a", "b", "c"],
      costs: [[1, 2, .infinity], [4, 2, 8], [10, 10, .infinity]])
    let a = figure.series[0].points
    let b = figure.series[1].points
    let c = figure.series[2].points
    // a: ratios 1, 2, 1 → ρ(1) = 2/3, ρ(2) = 1; b: 2, 1, 1; c: ∞, 4, ∞ → ρ(4) = 1/3.
    #expect(a[0].y == 2.0 / 3 && a[1].x == 2 && a[1].y == 1)
    #expect(b[0].y == 2.0 / 3)
    #expect(c[0].y == 0 && c[1].x == 4 && c[1].y == 1.0 / 3)
    let svg = figure.svg()
    dump(svg, "performance-profile")
    #expect(try checkLayout(svg).count(groupClass: "legend-entry") == 3)
  }

  @Test("sensitivity along a grid axis: markers with error bars, inside the canvas")
  func sensitivity() throws {
    let figure = Figures.sensitivity(
      title: "deo-sgd: sensitivity to period", x: Axis("period"), y: Axis("escape cost"),
      groups: [
        .init(
          label: "quartic double well",
          points: [(1, [10, 12, 14]), (10, [20, 22, 21]), (100, [40, 45, 50])]),
        .init(
          label: "rotated ill-conditioned saddle (κ=100)",
          points: [(1, [90, 80, 100]), (10, [400, 420, 380]), (100, [900, 950, 1000])]),
      ])
    let svg = figure.svg()
    dump(svg, "sensitivity")
    let outline = try checkLayout(svg)
    #expect(
      outline.elements.filter { $0.name == "circle" && !$0.groups.contains("legend-entry") }.count
        == 6)
  }

  @Test("loss vs wall-clock and held-out metric vs cost use the same curves with their units")
  func otherCurveKinds() throws {
    let clock = Figures.meanCurves(
      title: "mlp: loss vs wall-clock time", x: Axis("wall-clock time", unit: "s"),
      y: Axis("training loss"),
      groups: [.init(label: "adam", curves: [[(0, 2.3), (0.5, 1.2), (1.0, 0.4), (1.5, 0.1)]])])
    let heldOut = Figures.meanCurves(
      title: "mlp: held-out accuracy vs cost", x: Axis("cost", unit: "evaluations"),
      y: Axis("held-out accuracy", unit: "fraction"),
      groups: [
        .init(
          label: "adam",
          curves: [[(0, 0.1), (100, 0.6), (200, 0.8)], [(0, 0.12), (100, 0.65), (200, 0.82)]])
      ])
    for (figure, name) in [(clock, "loss-vs-wall-clock"), (heldOut, "held-out-vs-cost")] {
      let svg = figure.svg()
      dump(svg, name)
      let outline = try checkLayout(svg)
      #expect(
        outline.elements.contains {
          $0.attributes["class"] == "axis-title x" && $0.text.contains(figure.x.unit!)
        })
    }
  }

  @Test("file names are readable slugs")
  func slugs() {
    #expect(
      slug("rotated ill-conditioned saddle (κ=100)") == "rotated-ill-conditioned-saddle-kappa-100")
    #expect(slug("deo-sgd (corrected)[period=0.5]") == "deo-sgd-corrected-period-0.5")
    #expect(slug("()") == "figure")
  }

  /// A report over three settings of a quartic double well study (synthetic trials).
  static func syntheticReport() throws -> (StudyConfig, StudyReport) {
    let config = try StudyConfig.load(Data(StudyTests.config.utf8))
    var results: [TrialResult] = []
    for (label, base) in [("gd", 300), ("deo[period=1]", 20), ("deo[period=5]", 60)] {
      for seed in 1...3 {
        let escape = base + 7 * seed
        let curve = stride(from: 0, through: 400, by: 10).map {
          "[\($0), \($0 < escape ? 0 : -0.25)]"
        }
        let json = """
          {"id": "qdw/\(label)/\(seed)", "problem": "qdw", "optimizer": "\(label)", "seed": \(seed),
           "finalLoss": -0.25, "escapeCost": \(escape), "steps": 400,
           "counts": {"gradients": 400, "losses": 0, "hessianVectorProducts": 0},
           "curve": [\(curve.joined(separator: ","))]}
          """
        results.append(try JSONDecoder().decode(TrialResult.self, from: Data(json.utf8)))
      }
    }
    return (config, StudyReport(results: results))
  }

  @Test("report.html: the tables, every figure inline, the config, the machine and the commands")
  func reportPage() throws {
    let (config, report) = try Self.syntheticReport()
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("report-page-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try report.writeFiguresAndPage(
      config: config, to: directory, title: "Study 't'",
      commands: ["saddle study run a&b/study.json --out a&b"], machine: [("host", "<test>")])
    let page = try String(
      contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
    let figures = report.figures(config: config)
    for f in figures {
      #expect(
        FileManager.default.fileExists(
          atPath: directory.appendingPathComponent(f.name + ".svg").path))
    }
    #expect(page.hasPrefix("<!DOCTYPE html>"))
    #expect(page.components(separatedBy: "<svg ").count - 1 == figures.count)
    #expect(page.contains("<h1>Study &apos;t&apos;</h1>"))
    #expect(page.contains("<th>problem</th>") && page.contains("<th>optimizer</th>"))
    // Every Markdown table row of the report is an HTML row (the summary table has one per
    // report row; paired comparisons and profiles add more), numbers right-aligned.
    let markdownRows = report.markdown(title: "t").components(separatedBy: "| qdw |").count - 1
    #expect(markdownRows >= report.rows.count)
    #expect(page.components(separatedBy: "<td>qdw</td>").count - 1 == markdownRows)
    #expect(report.rows.count == 3)
    #expect(page.contains("<td class=\"num\">3</td>"))
    #expect(page.contains("saddle study run a&amp;b/study.json --out a&amp;b"))
    #expect(page.contains("<th>host</th><td>&lt;test&gt;</td>"))
    #expect(page.contains("&quot;name&quot; : &quot;t&quot;"))
    #expect(!page.contains("src=\"http") && !page.contains("href=\"http"))
  }

  @Test("a study's figures: every kind with readable names, each well-formed")
  func studyFigures() throws {
    let (config, report) = try Self.syntheticReport()
    let figures = report.figures(config: config)
    #expect(
      figures.map(\.name) == [
        "loss-vs-cost-qdw", "escape-survival-qdw", "performance-profile-escape-cost",
        "sensitivity-deo-period",
      ])
    for f in figures {
      _ = try checkLayout(f.figure.svg())
      #expect(f.figure.series.count == (f.name.hasPrefix("sensitivity") ? 1 : 3))
    }
    // Legend order follows the config.
    #expect(figures[0].figure.series.map(\.label) == ["gd", "deo[period=1]", "deo[period=5]"])
  }
}
