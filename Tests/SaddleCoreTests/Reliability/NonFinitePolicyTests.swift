import Foundation
import SaddleCore
import Testing

@Suite("Non-finite values: stop, skip, rollback")
struct NonFinitePolicyTests {
  let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return encoder
  }()

  /// The state after `steps` clean steps of `optimizer` on a fault-free model.
  func cleanState<R: UpdateRule>(_ optimizer: Optimizer<R>, steps: Int) throws
    -> OptimizerState<R.State>
  {
    let model = FaultyQuadratic()
    var state = optimizer.makeState(for: model)
    for _ in 0..<steps { try optimizer.step(&state, model: model) }
    return state
  }

  @Test("stop (the default) ends the run naming the step, the quantity and the segment")
  func stopNamesStepAndSegment() throws {
    let model = FaultyQuadratic(nanGradientSteps: [3])
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    let trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 10))
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .nonFinite)
    #expect(
      history.failure == "non-finite gradient at step 3 (segment 'b'); parameters left unchanged")
    #expect(state.step == 3)
    #expect(state.parameters.isBitwiseEqual(to: try cleanState(optimizer, steps: 3).parameters))
    #expect(history.recordedSteps == 3)
    #expect(history.nonFiniteEvents.map(\.action) == [.stop])
  }

  @Test("a NaN loss stops the step before any stage runs")
  func nanLoss() throws {
    let model = FaultyQuadratic(nanLossSteps: [2])
    let optimizer = Optimizer { Adam(learningRate: 0.1) }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    try optimizer.step(&state, model: model)
    let before = state
    #expect(throws: NonFiniteValueError(step: 2, quantity: .loss)) {
      try optimizer.step(&state, model: model)
    }
    #expect(state.parameters.isBitwiseEqual(to: before.parameters))
    #expect(state.rule == before.rule)
    #expect(state.evaluations.gradients == 3)  // the failed evaluation is still paid for
  }

  @Test("an update that overflows is refused, naming the segment; the overflow is never written")
  func overflowingUpdate() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 1e30], start: [1, 1])
    let optimizer = Optimizer { SGD(learningRate: 1e10) }
    var state = optimizer.makeState(for: model)
    #expect(throws: NonFiniteValueError(step: 0, quantity: .update, segment: "x")) {
      try optimizer.step(&state, model: model)
    }
    // The update is applied in place in one pass: the element whose new value would be
    // infinite keeps its old value, the finite one is updated (1 − 1e10·1).
    #expect(state.parameters.array == [1 - 1e10, 1])
    #expect(state.parameters.isFinite)
  }

  @Test("a non-finite curvature estimate is reported with the estimator's name")
  func nanCurvature() throws {
    let model = FaultyQuadratic()
    let optimizer = Optimizer {
      NaNCurvatureEstimator(nanSteps: [1])
      SGD(learningRate: 0.1)
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    let parameters = state.parameters
    #expect(
      throws: NonFiniteValueError(step: 1, quantity: .curvature, stage: "NaNCurvatureEstimator")
    ) {
      try optimizer.step(&state, model: model)
    }
    #expect(state.parameters.isBitwiseEqual(to: parameters))
    let trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 5))
    var fresh = optimizer.makeState(for: model)
    let history = trainer.run(&fresh)
    #expect(
      history.failure
        == "non-finite curvature at step 1 in stage 'NaNCurvatureEstimator'; parameters left unchanged"
    )
  }

  @Test(
    "skip drops the step: parameters and every stage's state as if it never ran",
    arguments: [false, true])
  func skipLeavesStateUnchanged(fromJSON: Bool) throws {
    let model = FaultyQuadratic(nanGradientSteps: [2, 5], nanLossSteps: [6])
    let optimizer =
      fromJSON
      ? try Registry.core.optimizer(
        fromJSON: #"[{"stage": "sgd", "learningRate": 0.5, "every": 2}, {"stage": "adam"}]"#)
      : try Registry.core.optimizer(fromJSON: #"[{"stage": "adam", "learningRate": 0.05}]"#)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 3),
      nonFinitePolicy: .skip)
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(state.step == 3)
    let reference = try cleanState(optimizer, steps: 2)
    #expect(state.parameters.isBitwiseEqual(to: reference.parameters))
    #expect(try encoder.encode(state.rule) == encoder.encode(reference.rule))
    #expect(history.nonFiniteEvents.map(\.step) == [2])
    #expect(history.nonFiniteEvents.map(\.action) == [.skip])
    #expect(history.recordedSteps == 3)

    // Steps 5 and 6 are dropped too; the run goes on to the budget with finite values.
    var longer = trainer
    longer.budget = TrainingBudget(steps: 10)
    let rest = longer.run(&state, continuing: history)
    #expect(rest.stopReason == .stepBudget)
    #expect(rest.nonFiniteEvents.map(\.step) == [2, 5, 6])
    #expect(state.parameters.isFinite)
    #expect(rest.recordedSteps == 10)
    #expect(rest.recentLosses[6].isNaN)
    if !fromJSON {
      // Adam alone does not look at the step index: 7 kept steps equal 7 clean steps.
      let kept = try cleanState(optimizer, steps: 7)
      #expect(state.parameters.isBitwiseEqual(to: kept.parameters))
    }
  }

  @Test("rollback returns to the last good snapshot with half the learning rate and converges")
  func rollbackRecoversFromDivergence() throws {
    // SGD with η = 3 on ½θ² multiplies θ by −2 each step: |θ| passes the bound at step 3 and
    // the gradient turns NaN. Halving the rate (η = 1.5) multiplies θ by −0.5 instead.
    let model = BoundedQuadratic()
    let optimizer = Optimizer { SGD(learningRate: 3) }
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 40),
      nonFinitePolicy: .rollback())
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .stepBudget)
    #expect(history.nonFiniteEvents.map(\.action) == [.rollback])
    #expect(history.nonFiniteEvents.first?.step == 3)
    #expect(state.context.learningRateScale == 0.5)
    #expect(history.recordedSteps == 40)
    #expect(history.recentLosses.allSatisfy { $0.isFinite })
    // |θ| ≤ 1 · 0.5⁴⁰ ≈ 1e-12.
    #expect(state.parameters.maxMagnitude < 1e-11)
  }

  @Test("rollback gives up after its attempts and stops at the last good state")
  func rollbackGivesUp() throws {
    let model = FaultyQuadratic(nanGradientSteps: [3])
    let optimizer = Optimizer { Adam(learningRate: 0.1) }
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 10),
      nonFinitePolicy: .rollback(every: 1, maxAttempts: 3))
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .nonFinite)
    // Exactly `maxAttempts` failed attempts: two rollbacks, and the third failure stops.
    #expect(history.failure?.contains("gave up after 3 failed attempts") == true)
    #expect(history.nonFiniteEvents.map(\.action) == [.rollback, .rollback, .stop])
    #expect(state.step == 3)
    let reference = try cleanState(optimizer, steps: 3)
    #expect(state.parameters.isBitwiseEqual(to: reference.parameters))
    #expect(try encoder.encode(state.rule) == encoder.encode(reference.rule))
  }

  @Test(
    "no NaN reaches a checkpoint, whatever the policy", arguments: NonFinitePolicy.Action.allCases)
  func checkpointsStayFinite(_ action: NonFinitePolicy.Action) throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let model = FaultyQuadratic(nanGradientSteps: [2, 4], nanLossSteps: [5])
    let optimizer = Optimizer { Adam(learningRate: 0.05) }
    let store = CheckpointStore(directory: directory.url, keep: 100)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 8),
      nonFinitePolicy: NonFinitePolicy(action: action, snapshotInterval: 1),
      checkpointStore: store, checkpointEvery: 1)
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    #expect(!store.steps().isEmpty)
    for step in store.steps() {
      let checkpoint = try store.load(
        Adam.State.self, expecting: trainer.checkpointIdentity, step: step)
      #expect(checkpoint.state.parameters.isFinite)
      #expect(checkpoint.state.rule.firstMoment.isFinite)
    }
  }
}
