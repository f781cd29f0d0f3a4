import Foundation
import SaddleCore
import Testing

/// Issue 13's terminal items for `saddle run` and the held-out columns of the metrics file.
@Suite("Progress output and held-out metrics")
struct ProgressOutputTests {
  /// `NoisyQuadratic` with a held-out metric: the noise-free loss.
  struct EvaluatedQuadratic: Model {
    var base = NoisyQuadratic()
    var layout: ParameterLayout { base.layout }
    func initialParameters(seed: UInt64) -> ParameterVector { base.initialParameters(seed: seed) }
    func batch(step: Int, seed: UInt64) -> [Float] { base.batch(step: step, seed: seed) }
    func loss(at p: ParameterVector, on xi: [Float]) -> Double { base.loss(at: p, on: xi) }
    func lossAndGradient(at p: ParameterVector, on xi: [Float], into g: inout ParameterVector)
      -> Double
    { base.lossAndGradient(at: p, on: xi, into: &g) }
    func evaluate(at p: ParameterVector, seed: UInt64) -> [String: Double] {
      ["loss": base.loss(at: p, on: [Float](repeating: 0, count: base.dimension))]
    }
  }

  @Test("durations read as people write them")
  func durations() {
    #expect(formatDuration(0.4216) == "0.42 s")
    #expect(formatDuration(14.015954583000001) == "14.0 s")
    #expect(formatDuration(125) == "2 min 05 s")
    #expect(formatDuration(3780) == "1 h 03 min")
    #expect(formatDuration(.nan) == "—")
  }

  @Test("stop reasons read as words")
  func stopReasons() {
    #expect(StopReason.stepBudget.summary == "step budget reached")
    #expect(StopReason.costBudget.summary == "cost budget reached")
    #expect(StopReason.nonFinite.summary == "stopped on a non-finite value")
  }

  @Test("on a terminal: a redrawn bar with the ETA; otherwise plain lines every interval")
  func progressModes() {
    let model = NoisyQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    final class Sink: @unchecked Sendable {
      var text = ""
    }
    for terminal in [true, false] {
      let sink = Sink()
      let progress = ProgressObserver(
        totalSteps: 50, interval: 10, isTerminal: terminal, write: { sink.text += $0 })
      let trainer = Trainer(
        model: model, optimizer: optimizer, budget: TrainingBudget(steps: 50),
        observers: [progress])
      var state = optimizer.makeState(for: model)
      _ = trainer.run(&state)
      if terminal {
        #expect(sink.text.hasPrefix("\r"))
        #expect(sink.text.contains("[##############################] step 50/50"))
        #expect(sink.text.hasSuffix("\n"))
      } else {
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(
          lines.map { $0.prefix(10) } == [
            "step 10/50", "step 20/50", "step 30/50", "step 40/50", "step 50/50",
          ])
        #expect(lines.dropFirst().allSatisfy { $0.contains("  ETA ") })
        #expect(!sink.text.contains("\r"))
      }
    }
  }

  @Test("the metrics file has held-out columns, filled on evaluation steps")
  func heldOutColumns() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let url = directory.url.appendingPathComponent("m.csv")
    let model = EvaluatedQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 20),
      evaluationInterval: 5, observers: [try MetricsCSVObserver(url: url)])
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let column = try #require(rows[0].firstIndex(of: "eval.loss"))
    #expect(rows.count == 21)
    for row in rows.dropFirst() {
      let step = Int(row[0])!
      #expect(row[column].isEmpty == (step % 5 != 0), "step \(step): '\(row[column])'")
    }
  }
}
