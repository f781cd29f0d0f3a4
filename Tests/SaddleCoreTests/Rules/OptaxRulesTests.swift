import Foundation
import SaddleCore
import Testing

/// The optax-convention options of RMSProp and Adagrad (ε inside the root, centered RMSProp);
/// names and hyperparameters match `CASES` in `scripts/reference/optax_rules.py`.
enum OptaxRuleCase: String, CaseIterable, Sendable {
  case rmspropEpsilonInside, rmspropEpsilonOutside, rmspropCentered
  case rmspropCenteredEpsilonInside, rmspropDefaults, adagradEpsilonInside, adagradDefaults

  func accept<V: OptimizerVisitor>(_ visitor: V) throws -> V.Output {
    switch self {
    case .rmspropEpsilonInside:
      try visitor.visit(
        Optimizer {
          RMSProp(learningRate: 0.01, alpha: 0.99, epsilon: 0.1, epsilonInsideRoot: true)
        }
      )
    case .rmspropEpsilonOutside:
      try visitor.visit(Optimizer { RMSProp(learningRate: 0.01, alpha: 0.99, epsilon: 0.1) })
    case .rmspropCentered:
      try visitor.visit(
        Optimizer { RMSProp(learningRate: 0.01, alpha: 0.9, epsilon: 0.1, centered: true) })
    case .rmspropCenteredEpsilonInside:
      try visitor.visit(
        Optimizer {
          RMSProp(
            learningRate: 0.01, alpha: 0.9, epsilon: 0.1, epsilonInsideRoot: true, centered: true)
        })
    case .rmspropDefaults:
      // optax.rmsprop(0.01): decay 0.9, eps 1e-8 inside the root.
      try visitor.visit(
        Optimizer {
          RMSProp(learningRate: 0.01, alpha: 0.9, epsilon: 1e-8, epsilonInsideRoot: true)
        }
      )
    case .adagradEpsilonInside:
      try visitor.visit(
        Optimizer {
          Adagrad(
            learningRate: 0.1, epsilon: 0.1, initialAccumulatorValue: 0.1, epsilonInsideRoot: true)
        })
    case .adagradDefaults:
      // optax.adagrad(0.1): initial accumulator 0.1, eps 1e-7 inside the root.
      try visitor.visit(
        Optimizer {
          Adagrad(
            learningRate: 0.1, epsilon: 1e-7, initialAccumulatorValue: 0.1, epsilonInsideRoot: true)
        })
    }
  }
}

@Suite("RMSProp and Adagrad options against optax float64 references")
struct OptaxRulesTests {
  /// The same float32 accumulation bound as ``ClassicRulesTests/relativeTolerance``.
  static let relativeTolerance = 1e-6

  static func largestError(_ path: [[Float]], _ reference: [[Double]]) -> Double {
    var worst = 0.0
    for (iterate, expected) in zip(path, reference) {
      for (x, r) in zip(iterate, expected) {
        worst = Swift.max(worst, abs(Double(x) - r) / Swift.max(abs(r), 1))
      }
    }
    return worst
  }

  @Test(
    "every iterate matches optax within float32 accumulation", arguments: OptaxRuleCase.allCases)
  func matchesOptax(_ rule: OptaxRuleCase) throws {
    let reference = try #require(optaxRulesReference[rule.rawValue])
    let path = try rule.accept(Trajectory(model: QuarticSaddle.reference, steps: 10))
    #expect(path.count == reference.count)
    let error = Self.largestError(path, reference)
    #expect(error <= Self.relativeTolerance, "\(rule): largest relative error \(error)")
  }

  @Test("the options change the iterates far beyond the tolerance (the references discriminate)")
  func optionsMatter() throws {
    let model = QuarticSaddle.reference
    let inside = try #require(optaxRulesReference["rmspropEpsilonInside"])
    let outside = try #require(optaxRulesReference["rmspropEpsilonOutside"])
    let centered = try #require(optaxRulesReference["rmspropCentered"])
    let adagradInside = try #require(optaxRulesReference["adagradEpsilonInside"])
    let rmsOutside = try Trajectory(model: model, steps: 10).visit(
      Optimizer { RMSProp(learningRate: 0.01, alpha: 0.99, epsilon: 0.1) })
    let uncentered = try Trajectory(model: model, steps: 10).visit(
      Optimizer { RMSProp(learningRate: 0.01, alpha: 0.9, epsilon: 0.1) })
    let adagradOutside = try Trajectory(model: model, steps: 10).visit(
      Optimizer { Adagrad(learningRate: 0.1, epsilon: 0.1, initialAccumulatorValue: 0.1) })
    #expect(Self.largestError(rmsOutside, inside) > 1e-3)
    #expect(Self.largestError(rmsOutside, outside) <= Self.relativeTolerance)
    #expect(Self.largestError(uncentered, centered) > 1e-3)
    #expect(Self.largestError(adagradOutside, adagradInside) > 1e-3)
  }

  @Test("the options are read from JSON specs and unknown values are rejected")
  func specOptions() throws {
    let model = QuarticSaddle.reference
    let fromSpec = try Registry.core.optimizer(
      fromJSON: #"[{"stage": "rmsprop", "learningRate": 0.01, "alpha": 0.9, "epsilon": 0.1, "#
        + #""centered": true, "epsilonInsideRoot": true}]"#)
    var state = fromSpec.makeState(for: model, seed: 0)
    var path = [state.parameters.array]
    for _ in 0..<10 {
      _ = try fromSpec.step(&state, model: model)
      path.append(state.parameters.array)
    }
    let reference = try #require(optaxRulesReference["rmspropCenteredEpsilonInside"])
    #expect(Self.largestError(path, reference) <= Self.relativeTolerance)
    #expect(throws: SpecError.self) {
      _ = try Registry.core.optimizer(fromJSON: #"[{"stage": "adagrad", "epsilonInsideRoot": 1}]"#)
    }
  }

  @Test("a centered RMSProp state round-trips through JSON")
  func centeredStateCoding() throws {
    let layout = ParameterLayout(count: 11)
    let state = RMSProp(centered: true).makeState(for: layout, seed: 0)
    #expect(state.gradientAverage?.count == 11)
    #expect(RMSProp().makeState(for: layout, seed: 0).gradientAverage == nil)
    // A non-centered state encodes as before the option existed (no `gradientAverage` key),
    // so older checkpoints decode; a centered one round-trips with its gradient average.
    var plain = RMSProp().makeState(for: layout, seed: 0)
    plain.count = 3
    let plainJSON = try JSONEncoder().encode(plain)
    #expect(!String(decoding: plainJSON, as: UTF8.self).contains("gradientAverage"))
    #expect(try JSONDecoder().decode(RMSProp.State.self, from: plainJSON) == plain)
    var centered = state
    centered.gradientAverage![4] = 0.25
    let decoded = try JSONDecoder().decode(
      RMSProp.State.self, from: try JSONEncoder().encode(centered))
    #expect(decoded == centered)
  }

  @Test("a centered RMSProp resumed from a non-centered state starts its gradient average at 0")
  func centeredFromPlainState() throws {
    let model = QuarticSaddle.reference
    let centered = Optimizer {
      RMSProp(learningRate: 0.01, alpha: 0.9, epsilon: 0.1, centered: true)
    }
    var fresh = centered.makeState(for: model)
    var resumed = fresh
    resumed.rule.gradientAverage = nil
    try centered.step(&fresh, model: model)
    try centered.step(&resumed, model: model)
    #expect(fresh.parameters.isBitwiseEqual(to: resumed.parameters))
  }
}
