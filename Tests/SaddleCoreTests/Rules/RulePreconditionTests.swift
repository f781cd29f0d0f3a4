import Foundation
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
    // Issue 9: Adam and SGD had no preconditions.
    await #expect(processExitsWith: .failure) { _ = Adam(beta1: 1.5) }
    await #expect(processExitsWith: .failure) { _ = Adam(beta2: 2) }
    await #expect(processExitsWith: .failure) { _ = Adam(epsilon: 0) }
    await #expect(processExitsWith: .failure) { _ = Adam(learningRate: -1) }
    await #expect(processExitsWith: .failure) { _ = SGD(learningRate: -0.1) }
    await #expect(processExitsWith: .failure) { _ = SGD(learningRate: .constant(.infinity)) }
    await #expect(processExitsWith: .failure) {
      _ = SGD(learningRate: .cosine(1, steps: 0, final: 0))
    }
    await #expect(processExitsWith: .failure) { _ = AdamW(epsilon: 0) }
  }

  /// A value just outside `range` (the boundary itself when it is excluded).
  static func outside(_ range: NumericRange) -> Double? {
    switch range {
    case .any: return nil
    case .atLeast(let a): return a - 1
    case .greaterThan(let a): return a
    case .closed(_, let b): return b + 1
    case .halfOpen(_, let b), .open(_, let b), .lessThan(let b): return b
    case .openClosed(let a, _): return a
    case .atMost(let b): return b + 1
    }
  }

  /// Stages without a ranged numeric parameter (scale: any finite factor; project-box: any
  /// bounds with lower ≤ upper).
  static let parameterless: Set<String> = [
    "project-simplex", "raw-gradient", "scale", "project-box",
  ]

  @Test(
    "every registered stage refuses an out-of-range value of every ranged parameter, in one line",
    arguments: Registry.core.allEntries.filter { $0.kind != .model }.map(\.name))
  func registryRefusesOutOfRange(stage: String) throws {
    var tested = 0
    for parameter in Registry.core.describedParameters(of: stage) {
      guard let range = parameter.range, let bad = Self.outside(range) else { continue }
      let text = format(bad)
      let value = parameter.accepted.hasPrefix("array") ? "[\(text)]" : text
      let spec = #"[{"stage": "\#(stage)", "\#(parameter.name)": \#(value)}, {"stage": "sgd"}]"#
      #expect {
        _ = try Registry.core.optimizer(fromJSON: spec)
      } throws: { error in
        let message = "\(error)"
        return message.contains("field '\(parameter.name)'") && message.contains("out of range")
          && message.contains(range.text) && !message.contains("\n")
      }
      tested += 1
    }
    #expect(tested > 0 || Self.parameterless.contains(stage), "\(stage) has no ranged parameter")
  }

  func format(_ x: Double) -> String {
    x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
  }

  @Test("boundary values of the documented ranges are accepted")
  func boundaryValuesAccepted() {
    _ = Momentum(learningRate: 0, momentum: 0)
    _ = Nesterov(learningRate: .cosine(0.1, steps: 1, final: 0), momentum: 0.999_999)
    _ = AdamW(
      learningRate: 0, beta1: 0, beta2: 0, epsilon: .leastNonzeroMagnitude, weightDecay: 0)
    _ = Adam(learningRate: 0, beta1: 0, beta2: 0.999_999, epsilon: .leastNonzeroMagnitude)
    _ = SGD(learningRate: 0)
    _ = RMSProp(alpha: 0, epsilon: .leastNonzeroMagnitude)
    _ = Adagrad(epsilon: .leastNonzeroMagnitude, initialAccumulatorValue: 0)
    _ = Lion(beta1: 0, beta2: 0, weightDecay: 0)
    _ = ClipByValue(limit: .leastNonzeroMagnitude)
    _ = ClipByGlobalNorm(maxNorm: .greatestFiniteMagnitude)
    _ = WeightDecay(rate: 0)
    _ = Scale(factor: -1)
  }
}
