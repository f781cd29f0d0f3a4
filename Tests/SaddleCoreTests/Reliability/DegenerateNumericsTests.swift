import Foundation
import SaddleCore
import Testing

/// SGD or Adam, by name, as an optimizer over the erased chain (so one test covers both).
func namedOptimizer(_ name: String, learningRate: Double) throws -> DynamicOptimizer {
  try Registry.core.optimizer(
    fromJSON: #"[{"stage": "\#(name)", "learningRate": \#(learningRate)}]"#)
}

@Suite("Degenerate numerics: zero gradients, one dimension, extreme scales")
struct DegenerateNumericsTests {
  @Test("a zero gradient leaves the parameters exactly where they are", arguments: ["sgd", "adam"])
  func zeroGradient(rule: String) throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 2, 3], start: [0, 0, 0])
    let optimizer = try namedOptimizer(rule, learningRate: 0.1)
    var state = optimizer.makeState(for: model)
    for _ in 0..<20 { try optimizer.step(&state, model: model) }
    #expect(state.parameters.array.map(\.bitPattern) == [0, 0, 0])
  }

  @Test("a zero-curvature direction gets a zero update", arguments: ["sgd", "adam"])
  func flatDirection(rule: String) throws {
    let model = DiagonalQuadratic(eigenvalues: [0, 1], start: [0.75, 1])
    let optimizer = try namedOptimizer(rule, learningRate: 0.1)
    var state = optimizer.makeState(for: model)
    for _ in 0..<20 { try optimizer.step(&state, model: model) }
    #expect(state.parameters[0] == 0.75)
    #expect(abs(state.parameters[1]) < 1)
  }

  @Test("one parameter converges", arguments: ["sgd", "adam"])
  func oneDimension(rule: String) throws {
    let model = DiagonalQuadratic(eigenvalues: [2], start: [3])
    let optimizer = try namedOptimizer(rule, learningRate: rule == "sgd" ? 0.25 : 0.1)
    let trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 300))
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .stepBudget)
    // SGD contracts by 1 − ηλ = 0.5 per step; Adam ends within a few steps of size η of 0.
    #expect(abs(state.parameters[0]) < (rule == "sgd" ? 1e-30 : 0.1))
  }

  @Test("tiny parameters (1e-30): finite, and SGD contracts exactly as θ(1 − ηλ)")
  func tinyScaleSGD() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 0.5], start: [1e-30, -1e-30])
    let optimizer = Optimizer { SGD(learningRate: 0.5) }
    var state = optimizer.makeState(for: model)
    var expected: [Float] = [1e-30, -1e-30]
    for _ in 0..<10 {
      try optimizer.step(&state, model: model)
      expected = [expected[0] - 0.5 * (1 * expected[0]), expected[1] - 0.5 * (0.5 * expected[1])]
    }
    #expect(state.parameters.isFinite)
    #expect(state.parameters.array == expected)
  }

  @Test("tiny parameters (1e-30): Adam stays finite and ends at the scale of its step")
  func tinyScaleAdam() throws {
    // With √v̂ ≪ ε Adam is SGD with rate η/ε, so the iterates first grow to the scale where
    // ε no longer dominates, then behave as usual: within a few η of the minimum.
    let model = DiagonalQuadratic(eigenvalues: [1, 0.5], start: [1e-30, -1e-30])
    let optimizer = Optimizer { Adam(learningRate: 1e-3) }
    let trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 500))
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .stepBudget)
    #expect(history.recentLosses.allSatisfy { $0.isFinite })
    #expect(state.parameters.maxMagnitude < 1e-2)
  }

  @Test("huge parameters (1e30): SGD stays finite and contracts geometrically")
  func hugeScaleSGD() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 0.5], start: [1e30, -1e30])
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    let trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 50))
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .stepBudget)
    #expect(history.recentLosses.allSatisfy { $0.isFinite })
    // (1 − 0.1)^50 ≈ 5.2e-3; Float rounding over 50 steps stays below 1e-5 relative.
    let expected = 1e30 * pow(0.9, 50.0)
    #expect(abs(Double(state.parameters[0]) / expected - 1) < 1e-5)
    #expect(history.recentLosses == history.recentLosses.sorted(by: >))
  }

  @Test("huge parameters (1e30) with a moderate gradient: Adam stays finite")
  func hugeScaleModerateGradientAdam() throws {
    // λ = 1e-20: the gradient is 1e10 and its square 1e20 fits in Float.
    let model = DiagonalQuadratic(eigenvalues: [1e-20], start: [1e30])
    let optimizer = Optimizer { Adam(learningRate: 1e28) }
    var state = optimizer.makeState(for: model)
    for _ in 0..<20 { try optimizer.step(&state, model: model) }
    #expect(state.parameters.isFinite)
    #expect(abs(state.parameters[0]) < 1e30)
  }

  @Test("huge gradients (1e30): Adam's second moment overflows Float and it stops moving")
  func hugeGradientAdam() throws {
    let model = DiagonalQuadratic(eigenvalues: [1], start: [1e30])
    let optimizer = Optimizer { Adam(learningRate: 1e-3) }
    var state = optimizer.makeState(for: model)
    for _ in 0..<5 { try optimizer.step(&state, model: model) }
    #expect(state.parameters.isFinite)
    // With a large rate the overflow reaches the update (∞/∞), which is refused.
    let large = Optimizer { Adam(learningRate: 1e28) }
    var refused = large.makeState(for: model)
    #expect(throws: NonFiniteValueError(step: 0, quantity: .update, segment: "x")) {
      try large.step(&refused, model: model)
    }
    #expect(refused.parameters.array == [1e30])
    // g² = 1e60 overflows to +∞ in Float, so v = ∞ and the step m/(√v + ε) is 0: Adam stalls
    // and its state can no longer be checkpointed (see CheckpointRefusalTests). A fix belongs
    // in Adam's kernel (e.g. accumulate v of g/s for a per-step scale s).
    withKnownIssue("Adam's Float second moment overflows for |g| > 1.8e19") {
      #expect(state.rule.secondMoment.isFinite)
      #expect(state.parameters[0] < 1e30)
    }
  }
}
