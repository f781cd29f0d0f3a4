import Foundation
import SaddleCore
import Testing

@testable import SaddleStudy

@Suite("Tuning sensitivity figures")
struct TuningFigureTests {
  @Test("a tuning study draws each grid field's tuning scores, one point per grid value")
  func tuningSensitivity() throws {
    let config = try StudyConfig.load(Data(TuningTests.base.utf8))
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("tuning-figures-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    _ = try runner.run()
    var report = try StudyReport(runner: runner)
    #expect(report.tuningSensitivityFigures(config: config).isEmpty)  // no choices given
    let choices = try runner.tuningChoices().flatMap { $0.compactMap { $0 } }
    report.tuningChoices = choices
    let figures = report.tuningSensitivityFigures(config: config)
    #expect(
      figures.map(\.name) == [
        "tuning-sensitivity-gd-learningrate", "tuning-sensitivity-pgd-radius",
      ])
    // The radius figure has the three grid factors, each at its tuning score.
    let radius = try #require(figures.last?.figure)
    let series = try #require(radius.series.first)
    #expect(series.points.map(\.x) == [0.01, 0.1, 1])
    let pgd = try #require(choices.first { $0.optimizer == 1 })
    let budget = Double(config.budget.cost!)
    #expect(
      series.points.map(\.y) == pgd.points.map { $0.score.isFinite ? $0.score : budget })
    // And the report's figure list carries them.
    #expect(report.figures(config: config).contains { $0.name == "tuning-sensitivity-pgd-radius" })
    let svg = radius.svg()
    #expect(svg.contains("tuning sensitivity to radius"))
    #expect(svg.contains("× distance to the minima"))
  }
}
