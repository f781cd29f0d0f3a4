import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import SaddleTensor
import Testing

@Suite("Curvature diagnostics along a Transformer run")
struct CurvatureDiagnosticsTests {
  @Test("samples at the chosen steps; Lanczos bounds the dimer's Rayleigh quotient from below")
  func samples() throws {
    let task = InductionTask(vocabularySize: 4, sequenceLength: 4, periods: 1...2)
    let configuration = TransformerConfiguration(
      vocabularySize: 4, modelWidth: 2, layerCount: 1, headCount: 1, mlpWidth: 2,
      sequenceLength: 4, batchSize: 4)
    let model = TransformerModel(configuration: configuration, task: task, threads: 1)
    let n = model.layout.count
    let samples = try CurvatureDiagnostics.run(
      model: model, learningRate: 1e-2, steps: 25, at: [0, 12, 24], seed: 5,
      dimer: Dimer(separation: 1e-3, rotations: 3, differences: .central), dimerPeriod: 1,
      lanczosSteps: n, probes: 2, slqSteps: 10, hvp: .finiteDifference(step: 1e-2))
    #expect(samples.map(\.step) == [0, 12, 24])
    for s in samples {
      // A full Lanczos run gives λ_min; any Rayleigh quotient (the dimer's C) is ≥ λ_min, up to
      // the finite differences' error.
      let spread = s.lanczosMaximum - s.lanczosMinimum
      #expect(spread > 0)
      #expect(s.dimerCurvature >= s.lanczosMinimum - 1e-3 * spread)
      #expect(s.dimerCurvature <= s.lanczosMaximum + 1e-3 * spread)
      #expect((0...90).contains(s.angleDegrees))
      #expect(
        abs(s.relativeError - abs(s.dimerCurvature - s.lanczosMinimum) / abs(s.lanczosMinimum))
          < 1e-12)
      #expect(abs(s.density.weights.reduce(0, +) - 1) < 1e-9)
      #expect(s.loss.isFinite)
    }
  }
}
