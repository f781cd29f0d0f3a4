import Foundation
import SaddleCore
import SaddleModels
import Testing

@testable import SaddleStudy

/// Records which (spec, seed) pairs a fake trial saw.
final class TrialLog: @unchecked Sendable {
  private let lock = NSLock()
  private var entries: [(spec: String, seed: UInt64)] = []
  func add(_ spec: String, _ seed: UInt64) { lock.withLock { entries.append((spec, seed)) } }
  var all: [(spec: String, seed: UInt64)] { lock.withLock { entries } }
}

@Suite("EscapeBenchmark: the fair protocol (tuning seeds, selection, edge flag, report)")
struct EscapeBenchmarkTests {
  static let problem = EscapeBenchmark.Problem(
    label: "quartic-double-well", catalogName: "quartic-double-well", delta: 1.0 / 32)

  /// A method whose four settings are the specs "p0" … "p3" (the fake trial reads them).
  static func fakeMethod(_ name: String = "gd", from source: String? = nil)
    -> EscapeBenchmark.Method
  {
    EscapeBenchmark.Method(name: name, baseStepFrom: source) { scale in
      (0..<4).map { i in
        EscapeBenchmark.Setting(
          "point \(i)", spec: "\(name) p\(i) base \(scale.baseStep ?? -1)",
          learningRate: Double(i + 1))
      }
    }
  }

  static func result(_ cost: Int, escaped: Bool = true) -> EscapeBenchmark.RunResult {
    EscapeBenchmark.RunResult(
      escaped: escaped, cost: cost, counts: EvaluationCounts(gradients: cost), finalLoss: -1)
  }

  static func point(of spec: String) -> Int {
    Int(String(spec.split(separator: " ")[1].dropFirst()))!
  }

  @Test("tuning seeds start at 1001 and are disjoint from the reporting seeds 1…N")
  func disjointSeeds() {
    let benchmark = EscapeBenchmark(
      problems: [Self.problem], methods: [Self.fakeMethod()], seeds: 10, tuningSeeds: 5)
    #expect(benchmark.reportingSeedList == Array(1...10))
    #expect(benchmark.tuningSeedList == Array(1001...1005))
    #expect(Set(benchmark.tuningSeedList).isDisjoint(with: benchmark.reportingSeedList))
    let largest = EscapeBenchmark(
      problems: [Self.problem], methods: [Self.fakeMethod()], seeds: 1000, tuningSeeds: 50)
    #expect(Set(largest.tuningSeedList).isDisjoint(with: largest.reportingSeedList))
  }

  @Test("the selection sees only tuning seeds; the chosen point alone runs on reporting seeds")
  func selectionFromTuningSeedsOnly() throws {
    let log = TrialLog()
    let benchmark = EscapeBenchmark(
      problems: [Self.problem], methods: [Self.fakeMethod()], seeds: 6, tuningSeeds: 3)
    // Point 1 is best on tuning seeds and worst on reporting seeds; point 2 the opposite.
    let report = try benchmark.run { _, spec, seed in
      log.add(spec, seed)
      let point = Self.point(of: spec)
      if seed >= 1001 { return Self.result(point == 1 ? 10 : 100 + point) }
      return Self.result(point == 1 ? 1000 + Int(seed) : 5)
    }
    let row = try #require(report.rows.first)
    #expect(row.chosenIndex == 1 && row.setting == "point 1" && !row.atEdge)
    #expect(row.tuningMedian == 10 && row.tuningEscaped == 3 && row.tuningSeeds == 3)
    // Reported on the reporting seeds: costs 1001…1006, median 1003.5.
    #expect(row.seeds == 6 && row.escapeCost.estimate == 1003.5)
    let tuning = log.all.filter { $0.seed >= 1001 }
    let reporting = log.all.filter { $0.seed < 1001 }
    #expect(tuning.count == 4 * 3 && Set(tuning.map(\.seed)) == [1001, 1002, 1003])
    #expect(Set(tuning.map { Self.point(of: $0.spec) }) == [0, 1, 2, 3])
    #expect(reporting.count == 6 && reporting.allSatisfy { Self.point(of: $0.spec) == 1 })
    #expect(Set(reporting.map(\.seed)) == Set(1...6))
  }

  @Test("a choice at either end of the grid is flagged, an interior one is not")
  func edgeFlag() throws {
    for (best, edge) in [(0, true), (1, false), (2, false), (3, true)] {
      let benchmark = EscapeBenchmark(
        problems: [Self.problem], methods: [Self.fakeMethod()], seeds: 2, tuningSeeds: 2)
      let report = try benchmark.run { _, spec, _ in
        Self.result(Self.point(of: spec) == best ? 10 : 50)
      }
      #expect(report.rows[0].chosenIndex == best && report.rows[0].atEdge == edge)
      let tuningTable = EscapeBenchmark.tuningMarkdown(report)
      #expect(tuningTable.contains("**point \(best)**"))
      #expect(tuningTable.contains("⚑ edge") == edge)
    }
  }

  @Test("selection: Kaplan–Meier median with failures censored; ties to escapes, then order")
  func selectionRule() {
    let r = Self.result
    // Point 0: 3/5 escape (KM: Ŝ = 0.8, 0.6, 0.4 after 10, 20, 30: median 30); point 1: all
    // escape at 40; point 2: 2/5 (median not reached).
    let points: [[EscapeBenchmark.RunResult]] = [
      [r(10, true), r(20, true), r(30, true), r(1000, false), r(1000, false)],
      [r(40, true), r(40, true), r(40, true), r(40, true), r(40, true)],
      [r(1, true), r(2, true), r(1000, false), r(1000, false), r(1000, false)],
    ]
    #expect(EscapeBenchmark.select(points) == 0)
    // Equal medians: more escapes wins; then the earlier point.
    let tie: [[EscapeBenchmark.RunResult]] = [
      [r(10, true), r(20, true), r(30, true), r(1000, false)],
      [r(10, true), r(20, true), r(30, true), r(40, true)],
    ]
    #expect(EscapeBenchmark.select(tie) == 1)
    #expect(EscapeBenchmark.select([points[1], points[1]]) == 0)
    // Nothing escapes anywhere: the point with the most escapes, here the first.
    let none = [[r(1000, false)], [r(1000, false)]]
    #expect(EscapeBenchmark.select(none) == 0)
    #expect(EscapeBenchmark.select([]) == nil)
  }

  @Test("a method inheriting a base step is tuned at the source's chosen learning rate")
  func baseStepInheritance() throws {
    let log = TrialLog()
    let benchmark = EscapeBenchmark(
      problems: [Self.problem],
      methods: [Self.fakeMethod(), Self.fakeMethod("child", from: "gd")], seeds: 2,
      tuningSeeds: 2)
    let report = try benchmark.run { _, spec, seed in
      log.add(spec, seed)
      return Self.result(Self.point(of: spec) == 2 ? 10 : 50)
    }
    // gd chose point 2, whose learning rate is 3.
    let child = try #require(report.rows.first { $0.method == "child" })
    #expect(child.baseStep == 3)
    #expect(log.all.filter { $0.spec.hasPrefix("child") }.allSatisfy { $0.spec.hasSuffix("3.0") })
    // Paired against gd on the same seeds: equal costs, ratio 1.
    #expect(child.paired?.medianRatio == 1 && child.paired?.seeds == 2)
    #expect(report.rows.first { $0.method == "gd" }?.paired == nil)
  }

  @Test("the CSV has the censoring-aware columns; a median never reached is empty and flagged")
  func reportColumns() throws {
    let benchmark = EscapeBenchmark(
      problems: [Self.problem],
      methods: [Self.fakeMethod(), Self.fakeMethod("never", from: "gd")], seeds: 3,
      tuningSeeds: 2, budgetOverride: 500)
    let report = try benchmark.run { _, spec, _ in
      spec.hasPrefix("never") ? Self.result(500, escaped: false) : Self.result(40)
    }
    let csv = EscapeBenchmark.csv(report).split(separator: "\n").map(String.init)
    let header = csv[0].split(separator: ",").map(String.init)
    for column in [
      "escape_rate", "escape_rate_low", "escape_rate_high", "escape_cost_median",
      "escape_cost_low", "escape_cost_high", "escape_cost_censored", "at_edge", "grid",
      "ratio_median", "ratio_low", "ratio_high", "wilcoxon_p", "tuning_seeds",
    ] {
      #expect(header.contains(column), "\(column)")
    }
    #expect(header == EscapeBenchmark.csvColumns)
    let never = csv[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(never.count == header.count)
    let field = { (name: String) in never[header.firstIndex(of: name)!] }
    #expect(field("escape_cost_median") == "" && field("escape_cost_censored") == "true")
    #expect(field("escape_rate") == "0.0" && field("escaped") == "0")
    let gd = csv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(gd[header.firstIndex(of: "escape_cost_median")!] == "40.0")
    let markdown = EscapeBenchmark.markdown(report)
    #expect(markdown.contains("≥ 500"))
    #expect(markdown.contains("| quartic-double-well | gd | point 0 ⚑ | 3/3 [44–100%] | 40 "))
    #expect(EscapeBenchmark.perSeedCSV(report).split(separator: "\n").count == 1 + 2 * 3)
    #expect(EscapeBenchmark.timingCSV(report).hasPrefix("problem,method,wall_seconds_median\n"))
  }

  @Test("every default grid has the same size and spans the problem's scale")
  func defaultGrids() throws {
    for problem in EscapeBenchmark.standardProblems
    where problem.label != "spectrum-saddle-uniform(d=500 κ=100)" {
      var scale = try problem.scale()
      scale.baseStep = 1.5 / scale.lambdaMax
      for method in EscapeBenchmark.standardMethods where method.applies(to: problem) {
        let grid = method.grid(scale)
        #expect(grid.count == EscapeBenchmark.gridSize, "\(method.name) on \(problem.label)")
        #expect(Set(grid.map(\.label)).count == grid.count)
        for setting in grid { _ = try Registry.standard.optimizer(fromJSON: setting.spec) }
      }
    }
    let scale = EscapeBenchmark.Scale(lambdaMax: 4, lambdaMinMagnitude: 0.5, minimumDistance: 2)
    let gd = EscapeBenchmark.gradientDescent.grid(scale)
    #expect(gd.last?.learningRate == 1.9 / 4 && gd.first?.learningRate == 0.5 / 4)
    #expect(gd.last?.spec.contains("\"learningRate\":0.475") == true)
    let pgd = EscapeBenchmark.perturbedGD.grid(scale)
    #expect(pgd.last?.spec.contains("\"radius\":2.0") == true)
    let deo = EscapeBenchmark.deoSGD.grid(scale)
    #expect(deo.last?.spec.contains("\"stepSize\":2.0") == true)
    let sfn = EscapeBenchmark.saddleFreeNewton.grid(scale)
    #expect(sfn.map(\.spec).allSatisfy { $0.contains("\"dampings\":[") })
    let sam = EscapeBenchmark.samSGD.grid(scale)
    #expect(sam.last?.spec.contains("\"radius\":2.0") == true)
    // Which problems each method runs on.
    let box = try #require(EscapeBenchmark.standardProblems.first { $0.box != nil })
    let runOnBox = EscapeBenchmark.standardMethods.filter { $0.applies(to: box) }.map(\.name)
    #expect(runOnBox == ["gd", "constrained-second-order"])
    #expect(EscapeBenchmark.gradientDescent.grid(try box.scale())[0].spec.contains("project-box"))
  }

  @Test("real runs: GD escapes the quartic double well; escaping and then diverging fails")
  func realRuns() throws {
    let benchmark = EscapeBenchmark(
      problems: [Self.problem],
      methods: [EscapeBenchmark.gradientDescent, EscapeBenchmark.deoSGD], seeds: 3,
      tuningSeeds: 2, budgetOverride: 2_000)
    let report = try benchmark.run()
    #expect(report.rows.map(\.method) == ["gd", "deo-sgd"])
    #expect(report.rows.allSatisfy { $0.escaped == 3 && $0.grid.count == 4 })
    #expect(report.rows[1].paired?.seeds == 3)
    // Deterministic: the same report again.
    #expect(try benchmark.run().rows == report.rows)
    // A step far beyond 2/λ_max passes below the threshold, then blows up: not escaped.
    let diverging = try benchmark.run(
      problem: Self.problem, spec: #"[{"stage":"sgd","learningRate":3.5}]"#, seed: 1)
    #expect(!diverging.escaped && diverging.cost == 2_000)
    let fine = try benchmark.run(
      problem: Self.problem, spec: #"[{"stage":"sgd","learningRate":0.5}]"#, seed: 1)
    #expect(fine.escaped && fine.cost < 200)
  }
}
