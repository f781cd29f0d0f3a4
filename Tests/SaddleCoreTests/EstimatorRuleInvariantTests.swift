import SaddleCore
import Testing

/// Each curvature estimator × each first-order rule, checked against an invariant that a wrong
/// composition breaks: an estimator only measures. Placed before a rule that does not read
/// curvature, it must leave that rule's trajectory unchanged bit for bit, and it must pay for
/// what it measured (more evaluations than the rule alone).
@Suite("Estimator × rule composition invariants")
struct EstimatorRuleInvariantTests {
  static let estimators: [String] = Registry.core.allEntries
    .filter { $0.kind == .estimator }.map(\.name)
  static let rules = [
    #"{"stage":"sgd","learningRate":0.05}"#, #"{"stage":"momentum","learningRate":0.05}"#,
    #"{"stage":"nesterov","learningRate":0.05}"#, #"{"stage":"adam","learningRate":0.01}"#,
    #"{"stage":"adamw","learningRate":0.01}"#, #"{"stage":"rmsprop","learningRate":0.01}"#,
    #"{"stage":"adagrad","learningRate":0.05}"#, #"{"stage":"lion","learningRate":0.01}"#,
  ]

  /// A saddle with mixed curvature, so estimators find something negative.
  static let model = DiagonalQuadratic(
    eigenvalues: [1, 2, -0.5, 3, 1, -1, 0.25, 4, -2],
    start: [0.3, -0.2, 0.01, 0.5, -0.4, 0.02, 0.1, -0.3, 0.005])

  static func run(_ spec: String, steps: Int) throws -> (
    trajectory: [[UInt32]], cost: Int
  ) {
    let optimizer = try Registry.core.optimizer(fromJSON: spec)
    var state = optimizer.makeState(for: model, seed: 7)
    var trajectory: [[UInt32]] = []
    for _ in 0..<steps {
      try optimizer.step(&state, model: model)
      trajectory.append(state.parameters.map(\.bitPattern))
    }
    return (trajectory, state.evaluations.cost)
  }

  @Test(
    "an estimator before a curvature-blind rule leaves its trajectory unchanged and costs more",
    arguments: estimators)
  func estimatorOnlyMeasures(estimator: String) throws {
    #expect(Self.estimators.count >= 5)
    for rule in Self.rules {
      let alone = try Self.run("[\(rule)]", steps: 6)
      let measured = try Self.run(#"[{"stage":"\#(estimator)"},\#(rule)]"#, steps: 6)
      #expect(measured.trajectory == alone.trajectory, "\(estimator) changed \(rule)'s steps")
      #expect(measured.cost > alone.cost, "\(estimator) before \(rule) cost nothing")
    }
  }
}
