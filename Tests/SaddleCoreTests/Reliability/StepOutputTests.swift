import Foundation
import SaddleCore
import Testing

/// Issue 13's stop-reason wording and the held-out columns of the metrics file (`saddle run`'s
/// progress bar is the tool's, tested in SaddleCLITests).
@Suite("Stop reasons and held-out metrics")
struct StepOutputTests {
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

  @Test("stop reasons read as words")
  func stopReasons() {
    #expect(StopReason.stepBudget.summary == "step budget reached")
    #expect(StopReason.costBudget.summary == "cost budget reached")
    #expect(StopReason.nonFinite.summary == "stopped on a non-finite value")
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
