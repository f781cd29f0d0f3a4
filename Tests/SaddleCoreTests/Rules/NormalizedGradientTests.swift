import Foundation
import SaddleCore
import Testing

/// `normalized-gd` (``NormalizedGradient``), the stage added by following CONTRIBUTING's
/// "Adding a stage": one file, one test file, one registration line.
@Suite("Normalized gradient descent")
struct NormalizedGradientTests {
  /// Runs `steps` steps of `optimizer` on `model` and returns every iterate.
  func iterates<R: UpdateRule>(
    _ optimizer: Optimizer<R>, on model: DiagonalQuadratic, steps: Int
  ) throws -> [[Double]] {
    var state = optimizer.makeState(for: model)
    var out = [(0..<state.parameters.count).map { Double(state.parameters[$0]) }]
    for _ in 0..<steps {
      try optimizer.step(&state, model: model)
      out.append((0..<state.parameters.count).map { Double(state.parameters[$0]) })
    }
    return out
  }

  @Test("on ½‖θ‖² each step shortens θ by η along a fixed ray: θ_t = θ₀(1 − tη/‖θ₀‖)")
  func closedFormOnIsotropicQuadratic() throws {
    let start: [Float] = [0.6, -0.8, 1.2]
    let model = DiagonalQuadratic(eigenvalues: [1, 1, 1], start: start)
    let eta = 0.05
    let norm0 = start.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let path = try iterates(
      Optimizer { NormalizedGradient(learningRate: .constant(eta)) }, on: model, steps: 20)
    for (t, theta) in path.enumerated() {
      let factor = 1 - Double(t) * eta / norm0
      for i in 0..<3 {
        #expect(abs(theta[i] - Double(start[i]) * factor) < 1e-5, "t = \(t), i = \(i)")
      }
    }
  }

  @Test("every step has length η whatever the gradient's size (anisotropic quadratic, schedule)")
  func stepLengthIsTheLearningRate() throws {
    let model = DiagonalQuadratic(eigenvalues: [100, 1e-3, -2], start: [1, 3, 1e-4])
    let schedule = LearningRate.step(0.1, every: 3, factor: 0.5)
    let path = try iterates(
      Optimizer { NormalizedGradient(learningRate: schedule) }, on: model, steps: 9)
    for t in 1..<path.count {
      var squared = 0.0
      for i in 0..<path[t].count {
        let move = path[t][i] - path[t - 1][i]
        squared += move * move
      }
      let length = squared.squareRoot()
      let eta = schedule.value(at: t - 1)
      #expect(abs(length - eta) < 1e-6 * max(1, eta) + 1e-7, "step \(t): \(length) vs η = \(eta)")
    }
  }

  @Test("ε > 0 gives d = η·g/(‖g‖ + ε); a zero gradient stays a zero step")
  func epsilonAndZeroGradient() throws {
    let model = DiagonalQuadratic(eigenvalues: [2, 2], start: [0.3, 0.4])
    // g = (0.6, 0.8), ‖g‖ = 1: θ₁ = θ₀ − 0.1·g/(1 + 0.25).
    let one = try iterates(
      Optimizer { NormalizedGradient(learningRate: 0.1, epsilon: 0.25) }, on: model, steps: 1)
    #expect(abs(one[1][0] - (0.3 - 0.1 * 0.6 / 1.25)) < 1e-7)
    #expect(abs(one[1][1] - (0.4 - 0.1 * 0.8 / 1.25)) < 1e-7)
    let atMinimum = DiagonalQuadratic(eigenvalues: [1, 1], start: [0, 0])
    let still = try iterates(Optimizer { NormalizedGradient() }, on: atMinimum, steps: 3)
    #expect(still.allSatisfy { $0 == [0, 0] })
  }

  @Test("from JSON: registered in Registry.core, listed with its defaults, range checked")
  func registered() throws {
    let entry = try #require(Registry.core.entry(named: "normalized-gd"))
    #expect(entry.kind == .rule)
    #expect(
      Registry.core.parameters(of: "normalized-gd").map(\.name) == ["learningRate", "epsilon"])
    #expect {
      _ = try Registry.core.optimizer(fromJSON: #"[{"stage": "normalized-gd", "epsilon": -1}]"#)
    } throws: { "\($0)".contains("field 'epsilon': -1 is out of range (accepted: ≥ 0)") }
  }
}
