import SaddleKit
import Testing

@testable import saddle

/// `saddle run`'s progress bar and durations (issue 13's terminal items), which live in the
/// tool, not in the library.
@Suite("saddle run progress")
struct ProgressObserverTests {
  /// `f(θ) = ½‖θ‖²` in four dimensions.
  struct Quadratic: Model {
    var layout: ParameterLayout { ParameterLayout([(name: "w", shape: [4])]) }
    func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector([1, 2, 3, 4]) }
    func batch(step: Int, seed: UInt64) -> [Float] { [] }
    func loss(at p: ParameterVector, on batch: [Float]) -> Double {
      0.5 * p.map { Double($0) * Double($0) }.reduce(0, +)
    }
    func lossAndGradient(at p: ParameterVector, on batch: [Float], into g: inout ParameterVector)
      -> Double
    {
      for i in 0..<p.count { g[i] = p[i] }
      return loss(at: p, on: batch)
    }
  }

  @Test("durations read as people write them")
  func durations() {
    #expect(HumanFormat.duration(0.4216) == "422 ms")
    #expect(HumanFormat.duration(14.015954583000001) == "14.0 s")
    #expect(HumanFormat.duration(125) == "2 min 05 s")
    #expect(HumanFormat.duration(3780) == "1 h 03 min")
    #expect(HumanFormat.duration(.nan) == "—")
  }

  @Test(
    "on a terminal: a redrawn bar with the ETA; otherwise plain lines every interval; off: none",
    arguments: [Progress.Mode.terminal, .plain, .off])
  func progressModes(mode: Progress.Mode) {
    let model = Quadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    final class Sink: @unchecked Sendable {
      var text = ""
    }
    let sink = Sink()
    let progress = ProgressObserver(
      totalSteps: 50, interval: 10, mode: mode, write: { sink.text += $0 })
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 50),
      observers: [progress])
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    switch mode {
    case .terminal:
      #expect(sink.text.hasPrefix("\r\u{1B}[K"))
      #expect(sink.text.contains("[##############################] step 50/50"))
      #expect(sink.text.hasSuffix("\n"))
    case .plain:
      let lines = sink.text.split(separator: "\n")
      #expect(lines.count == 5)
      #expect(
        lines.map { $0.prefix(10) } == [
          "step 10/50", "step 20/50", "step 30/50", "step 40/50", "step 50/50",
        ])
      #expect(lines.dropFirst().allSatisfy { $0.contains("  ETA ") })
      #expect(!sink.text.contains("\r"))
    case .off:
      #expect(sink.text.isEmpty)
    }
  }
}
