import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

@Suite("Runs whose optimizer has returned its point end")
struct IdleRunTests {
  // SSRGD with an escape test it can never pass (f_thres = 1000) returns x̃ after t_thres = 5
  // super-epoch steps; every later step evaluates nothing. A cost budget alone would never be
  // reached: the run must end, below its budget, with SSRGD's returned point.
  static let spec = """
    [{"stage": "ssrgd", "learningRate": 0.1, "escapeThreshold": 1000, "escapeSteps": 5,
      "radius": 0.01}]
    """

  @Test(
    "a study trial with a cost budget ends after the optimizer stops evaluating",
    .timeLimit(.minutes(1)))
  func studyTrialEnds() throws {
    let config = try StudyConfig.load(
      Data(
        """
        {"name": "idle", "seeds": 1, "budget": {"cost": 1000000}, "curvePoints": 5,
         "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
         "optimizers": [{"label": "ssrgd", "spec": \(Self.spec)}]}
        """.utf8))
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("idle-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let result = try runner.run(try runner.trials()[0])
    #expect(result.counts.cost < 1000)
    #expect(result.failure == nil)
    // It idled exactly the limit's steps after its last evaluation, then stopped.
    #expect(result.steps < 2000)
  }

  @Test("the escape runner ends such a run too", .timeLimit(.minutes(1)))
  func escapeRunnerEnds() throws {
    let optimizer = try Registry.standard.optimizer(fromJSON: Self.spec)
    let model = QuarticDoubleWell()
    let outcome = try EscapeRunner(costBudget: 1_000_000).run(
      model, optimizer: optimizer, start: model.start(perturbation: 1e-3, seed: 1), seed: 1,
      saddleValue: 0, depth: 0.03)
    #expect(outcome.counts.cost < 1000)
  }
}
