import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

@Suite("Study trials: held-out metrics")
struct HeldOutTrialTests {
  @Test("network trials record held-out loss and accuracy at the curve points and at the end")
  func networkTrialsRecordHeldOut() throws {
    let config = try StudyConfig.load(
      Data(
        """
        {"name": "h", "seeds": 1, "budget": {"cost": 12}, "curvePoints": 4,
         "problems": [{"label": "lm", "problem": "transformer-charlm",
                       "parameters": {"sequenceLength": 8, "width": 8, "heads": 2, "layers": 1,
                                      "batch": 2, "evaluationRows": 4, "threads": 1}},
                      {"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
         "optimizers": [{"label": "adam", "spec": [{"stage": "adam", "learningRate": 0.01}]}]}
        """.utf8))
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("heldout-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let trials = try runner.trials()
    let lm = try runner.run(trials[0])
    let heldOut = try #require(lm.heldOut)
    // Points at x = 0, 4, 8 (spacing 12 / 3) and the end (x = 12).
    #expect(heldOut.map { $0[0] } == [0, 4, 8, 12])
    #expect(heldOut.allSatisfy { $0.count == 3 && $0[1].isFinite && (0...1).contains($0[2]) })
    // Deterministic, and the held-out loss starts near chance (log of the alphabet's size).
    #expect(try runner.run(trials[0]).heldOut == heldOut)
    let alphabet = Double(CharacterLanguageTask(sequenceLength: 8).vocabularySize)
    #expect(abs(heldOut[0][1] - log(alphabet)) < 0.2)
    // Closed-form problems have no held-out data.
    #expect(try runner.run(trials[1]).heldOut == nil)
  }
}
