import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

@Suite("Study trials: final held-out metrics")
struct HeldOutMetricsTrialTests {
  @Test("an mlp-imbalanced trial stores every final held-out metric, minority accuracy included")
  func imbalancedTrialStoresMetrics() throws {
    let config = try StudyConfig.load(
      Data(
        """
        {"name": "m", "seeds": 1, "budget": {"cost": 20}, "curvePoints": 3,
         "problems": [{"label": "lt", "problem": "mlp-imbalanced",
                       "parameters": {"classes": 3, "dimension": 4, "hidden": 8, "batch": 8,
                                      "trainingExamples": 60, "evaluationPerClass": 16,
                                      "weighting": "inverse-frequency",
                                      "reweightFromStep": 5, "margin": 0.5}},
                      {"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
         "optimizers": [{"label": "sam", "spec": [{"stage": "sam-sgd", "learningRate": 0.1,
                                                   "radius": 0.1}]}]}
        """.utf8))
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("heldout-metrics-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let trials = try runner.trials()
    let result = try runner.run(trials[0])
    let metrics = try #require(result.heldOutMetrics)
    let minority = try #require(metrics["minorityClassAccuracy"])
    #expect(metrics["accuracy.class2"] == minority)
    #expect(metrics["accuracy"] == result.heldOut?.last?[2])
    // SAM pays two gradients a step: 20 evaluations are 10 steps.
    #expect(result.steps == 10)
    // Stored in the trial file and read back unchanged.
    _ = try runner.run()
    let stored = try StudyRunner.results(in: directory)
    #expect(stored.first { $0.problem == "lt" }?.heldOutMetrics == metrics)
    #expect(stored.first { $0.problem == "qdw" }?.heldOutMetrics == nil)
  }
}
