import SaddleCore
import Testing

/// Initializers stop on values outside their documented range (the JSON path validates first,
/// so in code a bad value is a programming error).
@Suite("Rule preconditions")
struct RulePreconditionTests {
  @Test("out-of-range hyperparameters stop the process")
  func invalidValuesTrap() async {
    await #expect(processExitsWith: .failure) { _ = Momentum(learningRate: 0.1, momentum: 1) }
    await #expect(processExitsWith: .failure) { _ = Nesterov(learningRate: -0.1) }
    await #expect(processExitsWith: .failure) { _ = AdamW(beta2: 1) }
    await #expect(processExitsWith: .failure) { _ = RMSProp(epsilon: -1e-8) }
    await #expect(processExitsWith: .failure) { _ = Adagrad(initialAccumulatorValue: .nan) }
    await #expect(processExitsWith: .failure) { _ = Lion(weightDecay: -0.1) }
    await #expect(processExitsWith: .failure) { _ = ClipByValue(limit: 0) }
    await #expect(processExitsWith: .failure) { _ = ClipByGlobalNorm(maxNorm: .infinity) }
    await #expect(processExitsWith: .failure) { _ = WeightDecay(rate: -1) }
    await #expect(processExitsWith: .failure) { _ = Scale(factor: .nan) }
  }

  @Test("boundary values of the documented ranges are accepted")
  func boundaryValuesAccepted() {
    _ = Momentum(learningRate: 0, momentum: 0)
    _ = Nesterov(learningRate: .cosine(0.1, steps: 1, final: 0), momentum: 0.999_999)
    _ = AdamW(learningRate: 0, beta1: 0, beta2: 0, epsilon: 0, weightDecay: 0)
    _ = RMSProp(alpha: 0, epsilon: 0)
    _ = Adagrad(epsilon: 0, initialAccumulatorValue: 0)
    _ = Lion(beta1: 0, beta2: 0, weightDecay: 0)
    _ = ClipByValue(limit: .leastNonzeroMagnitude)
    _ = ClipByGlobalNorm(maxNorm: .greatestFiniteMagnitude)
    _ = WeightDecay(rate: 0)
    _ = Scale(factor: -1)
  }
}
