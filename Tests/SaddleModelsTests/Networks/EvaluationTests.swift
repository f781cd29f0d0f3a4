import Foundation
import SaddleCore
import SaddleModels
import SaddleTensor
import Testing

@Suite("Network evaluation metrics")
struct EvaluationTests {
  @Test("a perfect classifier has accuracy 1 in every class and a loss near 0")
  func perfectClassifier() {
    let labels: [Int32] = [0, 2, 1, 2, 2, 0]
    let logits = labels.flatMap { y in (0..<3).map { $0 == Int(y) ? 30.0 : 0.0 } }
    let metrics = ClassificationMetrics.compute(logits: logits, labels: labels, classCount: 3)
    #expect(metrics["accuracy"] == 1)
    #expect(metrics["balancedAccuracy"] == 1)
    #expect(metrics["minimumClassAccuracy"] == 1)
    #expect(metrics["accuracy.class2"] == 1)
    // −log softmax = log(1 + 2e⁻³⁰) ≈ 1.9e-13.
    #expect(metrics["loss"]! < 1e-12)
  }

  @Test("per-class and balanced accuracy on a constructed case")
  func constructedCase() {
    // Class 0: 3 examples, all right; class 1: 1 example, wrong (predicts 0).
    let labels: [Int32] = [0, 0, 0, 1]
    let logits: [Double] = [1, 0, 1, 0, 1, 0, 1, 0]
    let metrics = ClassificationMetrics.compute(logits: logits, labels: labels, classCount: 2)
    #expect(metrics["accuracy"] == 0.75)
    #expect(metrics["accuracy.class0"] == 1)
    #expect(metrics["accuracy.class1"] == 0)
    #expect(metrics["balancedAccuracy"] == 0.5)
    #expect(metrics["minimumClassAccuracy"] == 0)
    // Each example has loss log(1 + e⁻¹) or log(1 + e) (the wrong one).
    let right: Double = log(1 + exp(-1))
    let wrong: Double = log(1 + exp(1))
    let expected = (3 * right + wrong) / 4
    #expect(abs(metrics["loss"]! - expected) < 1e-12)
  }

  @Test("a Transformer that always predicts the only token of the text is perfect")
  func perfectTransformer() throws {
    let task = try CharacterLanguageTask(text: String(repeating: "a", count: 40), sequenceLength: 4)
    let configuration = TransformerConfiguration(
      vocabularySize: 2, modelWidth: 4, layerCount: 1, headCount: 1, mlpWidth: 4,
      sequenceLength: 4, batchSize: 2)
    let model = TransformerModel(configuration: configuration, task: task, threads: 1)
    var p = model.initialParameters(seed: 0)
    let bias = try #require(model.layout.segment(named: "head.bias"))
    p[bias.offset] = 20
    var metrics = model.evaluate(at: p, seed: 0)
    #expect(metrics["accuracy"] == 1)
    #expect(metrics["loss"]! < 1e-6)  // log(1 + e^{−20 + O(0.1)}) ≈ 2e-9
    p[bias.offset] = 0
    p[bias.offset + 1] = 20
    metrics = model.evaluate(at: p, seed: 0)
    #expect(metrics["accuracy"] == 0)
    #expect(metrics["loss"]! > 19)
  }

  @Test("an untrained induction model is at chance; evaluation is deterministic")
  func inductionChance() {
    let task = InductionTask(vocabularySize: 16, sequenceLength: 12, periods: 3...6)
    let configuration = TransformerConfiguration(
      vocabularySize: 16, modelWidth: 8, layerCount: 1, headCount: 2, mlpWidth: 8,
      sequenceLength: 12, batchSize: 4)
    let model = TransformerModel(configuration: configuration, task: task, threads: 1)
    let p = model.initialParameters(seed: 0)
    let metrics = model.evaluate(at: p, seed: 0)
    #expect(metrics == model.evaluate(at: p, seed: 0))
    // Initial logits are O(0.02), so the loss is log 16 = 2.77 up to a few hundredths.
    #expect(abs(metrics["loss"]! - log(16.0)) < 0.05)
    #expect(metrics["accuracy"]! < 0.3)
  }

  @Test("matrix sensing at its planted truth has zero loss, gradient and recovery error")
  func matrixSensingTruth() {
    let model = MatrixSensing(n: 6, rank: 2, measurements: 60)
    let truth = ParameterVector(model.groundTruthFactor.map { Float($0) })
    let metrics = model.evaluate(at: truth, seed: 0)
    // Rounding U* to Float perturbs M* by ~1e-7 relative.
    #expect(metrics["recoveryError"]! < 1e-6)
    #expect(metrics["loss"]! < 1e-12)
    let zero = model.evaluate(at: ParameterVector(count: 12), seed: 0)
    #expect(zero["recoveryError"] == 1)
  }

  @Test("an MLP's evaluation reports per-class accuracy on the balanced held-out set")
  func mlpEvaluation() {
    let task = ImbalancedGaussianMixtureTask(classes: 3, dimension: 4, evaluationPerClass: 20)
    let model = MLPClassifier(widths: [8], task: task)
    let metrics = model.evaluate(at: model.initialParameters(seed: 0), seed: 0)
    for key in ["loss", "accuracy", "balancedAccuracy", "accuracy.class0", "accuracy.class2"] {
      #expect(metrics[key] != nil, "\(key)")
    }
    // On a balanced set the balanced accuracy equals the accuracy.
    #expect(abs(metrics["accuracy"]! - metrics["balancedAccuracy"]!) < 1e-12)
  }
}
