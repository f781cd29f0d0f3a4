import SaddleCore
import Testing

/// Every registered stage with every other, in both orders, from JSON.
@Suite("Stage composition from JSON")
struct StageCompositionTests {
  static let stageNames: [String] = Registry.core.allEntries
    .filter { $0.kind == .rule || $0.kind == .estimator }.map(\.name)
  static let presetNames: [String] = Registry.core.allEntries
    .filter { $0.kind == .preset }.map(\.name)

  /// A saddle with mixed curvature, so estimators find something negative.
  static let model = DiagonalQuadratic(
    eigenvalues: [1, 2, -0.5, 3, 1, -1, 0.25, 4, -2],
    start: [0.3, -0.2, 0.01, 0.5, -0.4, 0.02, 0.1, -0.3, 0.005])

  @Test(
    "every ordered pair of stages, followed by SGD or Adam, runs without errors or NaNs",
    arguments: ["sgd", "adam"])
  func everyPair(base: String) throws {
    var failures: [String] = []
    for first in Self.stageNames {
      for second in Self.stageNames {
        let spec = """
          [{"stage":"\(first)"},{"stage":"\(second)"},{"stage":"\(base)","learningRate":0.01}]
          """
        let optimizer = try Registry.core.optimizer(fromJSON: spec)
        var state = optimizer.makeState(for: Self.model, seed: 3)
        do {
          for _ in 0..<3 { try optimizer.step(&state, model: Self.model) }
        } catch {
          failures.append("\(first) → \(second) → \(base): \(error)")
          continue
        }
        if !state.parameters.isFinite { failures.append("\(first) → \(second): non-finite") }
        if state.evaluations.gradients < 3 { failures.append("\(first) → \(second): uncounted") }
      }
    }
    #expect(failures.isEmpty, "\(failures.prefix(5))")
    #expect(Self.stageNames.count >= 25)
  }

  @Test("every preset runs from JSON and its evaluations are counted", arguments: presetNames)
  func preset(name: String) throws {
    let optimizer = try Registry.core.optimizer(fromJSON: #"[{"stage":"\#(name)"}]"#)
    var state = optimizer.makeState(for: Self.model, seed: 1)
    for _ in 0..<12 { try optimizer.step(&state, model: Self.model) }
    #expect(state.parameters.isFinite)
    #expect(state.evaluations.cost >= 12)
  }
}
