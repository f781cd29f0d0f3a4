import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

/// A model that is not a closed-form problem: `f(a, b) = ½(ab − 1)²`, a saddle at the origin
/// with `f = ½` (Hessian eigenvalues ±1), minima on `ab = 1` with `f = 0`. Its seeded start is
/// the saddle plus a seeded `1e-6` perturbation; it declares its saddle and a depth.
struct DeclaredFactorization: SaddleDeclaring {
  var layout: ParameterLayout { ParameterLayout(count: 2) }
  func initialParameters(seed: UInt64) -> ParameterVector {
    ParameterVector(perturbedPoint([0, 0], norm: 1e-6, seed: seed).map { Float($0) })
  }
  func loss(at p: ParameterVector, on batch: Void) -> Double {
    let r = Double(p[0]) * Double(p[1]) - 1
    return 0.5 * r * r
  }
  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    let r = Double(p[0]) * Double(p[1]) - 1
    g[0] = Float(r * Double(p[1]))
    g[1] = Float(r * Double(p[0]))
    return 0.5 * r * r
  }
  var saddleValue: Double? { 0.5 }
  var escapeDepth: Double? { 0.25 }
}

@Suite("EscapeRunner: escape cost for any model that declares its saddle")
struct EscapeRunnerTests {
  static var gd: Optimizer<SGD> { Optimizer { SGD(learningRate: 0.5) } }

  @Test("the escape cost is the first gradient that sees f < f_s − δ (counted by hand)")
  func matchesHandCount() throws {
    let model = DeclaredFactorization()
    let runner = EscapeRunner(costBudget: 200)
    let outcome = try runner.run(model, optimizer: Self.gd, seed: 3)
    // The same gradient descent written out: each step costs one gradient.
    var p = model.initialParameters(seed: 3)
    var g = ParameterVector(count: 2)
    var expected: Int?
    for evaluation in 1...200 {
      let loss = model.lossAndGradient(at: p, on: (), into: &g)
      if loss < 0.25 {
        expected = evaluation
        break
      }
      p[0] -= 0.5 * g[0]
      p[1] -= 0.5 * g[1]
    }
    let cost = try #require(expected)
    #expect(outcome.escapeCost == cost)
    #expect(outcome.counts.cost == 200 && outcome.steps == 200)
    #expect(outcome.finalLoss < 1e-6)
    // Deeper than the minimum: never escaped.
    let tooDeep = try runner.run(model, optimizer: Self.gd, seed: 3, depth: 0.75)
    #expect(tooDeep.escapeCost == nil)
  }

  @Test("a run that escapes and then diverges has not escaped")
  func divergenceIsFailure() throws {
    // η = 3 overshoots: the loss drops below ½ − δ once, then blows up to non-finite.
    let model = DeclaredFactorization()
    let optimizer = Optimizer { SGD(learningRate: 3) }
    var state = optimizer.makeState(for: model, seed: 1)
    var lowest = Double.infinity
    for _ in 0..<400 {
      guard let loss = try? optimizer.step(&state, model: model) else { break }
      lowest = Swift.min(lowest, loss)
    }
    #expect(lowest < 0.49)  // it did pass the threshold
    let outcome = try EscapeRunner(costBudget: 400).run(
      model, optimizer: optimizer, seed: 1, depth: 0.01)
    #expect(outcome.escapeCost == nil)
    #expect(outcome.failure != nil || !(outcome.finalLoss <= 0.5))
  }

  @Test("a study reports the same escape cost for a registered model that declares its saddle")
  func studyAgrees() throws {
    var registry = Registry.standard
    registry.register(model: "declared-factorization") { _ in DeclaredFactorization() }
    let config = try StudyConfig.load(
      Data(
        """
        {"name": "declared", "seeds": 3, "budget": {"cost": 200},
         "problems": [
           {"label": "mine", "problem": "declared-factorization", "escapeDelta": 0.25},
           {"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03125}],
         "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]}]}
        """.utf8), registry: registry)
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("escape-runner-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let study = StudyRunner(config: config, directory: directory, registry: registry)
    for trial in try study.trials() {
      let result = try study.run(trial)
      let runner = EscapeRunner(costBudget: 200)
      let outcome =
        trial.problemIndex == 0
        ? try runner.run(DeclaredFactorization(), optimizer: Self.gd, seed: UInt64(trial.seed))
        : try runner.run(
          QuarticDoubleWell(), optimizer: Self.gd, seed: UInt64(trial.seed), depth: 0.03125)
      #expect(outcome.escapeCost != nil, "\(trial.id)")
      #expect(result.escapeCost == outcome.escapeCost, "\(trial.id)")
      #expect(result.finalLoss == outcome.finalLoss, "\(trial.id)")
    }
    let report = StudyReport(results: try study.trials().map { try study.run($0) }, config: config)
    #expect(report.rows.allSatisfy { $0.measuresEscape && $0.escaped == 3 })
  }

  @Test("closed-form problems declare their first saddle; missing values are errors")
  func declarations() throws {
    #expect(QuarticDoubleWell().saddleValue == 0)
    #expect(QuarticDoubleWell().escapeDepth == nil)
    #expect(Rosenbrock().saddleValue == nil)
    let runner = EscapeRunner(stepBudget: 10)
    #expect(throws: SpecError.self) {
      _ = try runner.run(QuarticDoubleWell(), optimizer: Self.gd, seed: 1)
    }
    #expect(throws: SpecError.self) {
      _ = try runner.run(Rosenbrock(), optimizer: Self.gd, seed: 1, depth: 0.1)
    }
    #expect(throws: SpecError.self) {
      _ = try runner.run(
        DeclaredFactorization(), optimizer: Self.gd, start: [0, 0], seed: 1, saddleValue: 0.5,
        depth: -1)
    }
  }

  @Test("over seeds: a Kaplan–Meier median of the outcomes")
  func summary() throws {
    let summary = try EscapeRunner(costBudget: 200).run(
      DeclaredFactorization(), optimizer: Self.gd, seeds: 1...5)
    #expect(summary.outcomes.count == 5 && summary.escaped == 5)
    let costs = summary.outcomes.compactMap(\.escapeCost).sorted()
    #expect(summary.median.estimate == Double(costs[2]))
  }
}
