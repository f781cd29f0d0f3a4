import Foundation

/// When a training run stops.
public struct TrainingBudget: Sendable, Codable, Equatable {
  /// Maximum number of optimizer steps.
  public var steps: Int?
  /// Maximum gradient evaluations (the optimizer's and its estimators').
  public var gradientEvaluations: Int?
  /// Maximum cost in gradient-equivalents (see ``EvaluationCounts/cost``).
  public var cost: Int?
  /// Stop once the loss at the current parameters is at or below this.
  public var targetLoss: Double?

  /// A budget; at least one limit should be set.
  public init(
    steps: Int? = nil, gradientEvaluations: Int? = nil, cost: Int? = nil,
    targetLoss: Double? = nil
  ) {
    self.steps = steps
    self.gradientEvaluations = gradientEvaluations
    self.cost = cost
    self.targetLoss = targetLoss
  }
}

/// What one step did, as observers see it.
public struct StepRecord: Sendable {
  /// Steps completed (1 after the first step).
  public var step: Int
  /// The loss at the parameters before this step's update (NaN for a skipped step).
  public var loss: Double
  /// The parameters after the update.
  public var parameters: ParameterVector
  /// Evaluations so far.
  public var evaluations: EvaluationCounts
  /// What the stages reported in this step.
  public var metrics: StepMetrics
  /// Held-out metrics, on steps where the trainer evaluated.
  public var evaluation: [String: Double]?
  /// The stages' summaries (``Optimizer/summary(of:)``: learning rates, counters), on steps
  /// where an observer asked for them (``TrainingObserver/wantsStageSummary(atStep:)``).
  public var summary: [String: Double]?
  /// The learning-rate scale (1 unless a rollback reduced it).
  public var learningRateScale: Double = 1
  /// Set when the step was skipped (``NonFinitePolicy/skip``): parameters and state are as
  /// before it.
  public var skipped: TrainingHistory.NonFiniteEvent?
}

/// Watches a training run: progress display, metrics files, early stopping.
public protocol TrainingObserver: AnyObject {
  /// Called after every step; return `false` to stop the run.
  func trainer(didComplete record: StepRecord) -> Bool
  /// Called once at the end.
  func trainer(didFinish history: TrainingHistory)
  /// Called when the trainer keeps a snapshot to roll back to (``NonFinitePolicy/rollback``),
  /// before the step after `step` runs. Defaults to nothing.
  func trainer(didTakeSnapshotAt step: Int)
  /// Called when the trainer went back to the snapshot of `event.restoredStep`: the steps
  /// after it are undone and will be redone (or the run stops there). Defaults to nothing.
  func trainer(didRollBack event: TrainingHistory.NonFiniteEvent)
  /// Whether ``StepRecord/summary`` should be filled at `step` (it costs a dictionary per
  /// step). Defaults to `false`.
  func wantsStageSummary(atStep step: Int) -> Bool
}

extension TrainingObserver {
  public func trainer(didFinish history: TrainingHistory) {}
  public func trainer(didTakeSnapshotAt step: Int) {}
  public func trainer(didRollBack event: TrainingHistory.NonFiniteEvent) {}
  public func wantsStageSummary(atStep step: Int) -> Bool { false }
}

/// Runs a model with an optimizer until a budget or a target is reached, notifying observers,
/// reacting to non-finite steps (``nonFinitePolicy``) and checkpointing (``checkpointStore``).
///
/// ```swift
/// var trainer = Trainer(model: model, optimizer: optimizer, budget: .init(steps: 10_000))
/// trainer.checkpointStore = CheckpointStore(directory: URL(fileURLWithPath: "run"))
/// trainer.checkpointEvery = 500
/// trainer.nonFinitePolicy = .rollback()
/// var (state, history) = try trainer.start(seed: 1, resume: true)
/// history = trainer.run(&state, continuing: history)
/// ```
/// A run resumed from a checkpoint gives the same bits as a run that never stopped.
public struct Trainer<M: Model, Rule: UpdateRule> {
  /// The objective.
  public var model: M
  /// The optimizer.
  public var optimizer: Optimizer<Rule>
  /// When to stop.
  public var budget: TrainingBudget
  /// Seeds the batches (`model.batch(step:seed:)`).
  public var dataSeed: UInt64
  /// Evaluate held-out metrics every this many steps (0: never).
  public var evaluationInterval: Int
  /// Observers notified after every step.
  public var observers: [any TrainingObserver]
  /// What to do when a step produces a NaN or an infinity.
  public var nonFinitePolicy: NonFinitePolicy = .stop
  /// Where checkpoints are written (none when `nil`).
  public var checkpointStore: CheckpointStore?
  /// Write a checkpoint every this many steps, and at the end of the run, when
  /// ``checkpointStore`` is set (`nil`: only at the end).
  public var checkpointEvery: Int?
  /// The model's name, recorded in checkpoints and checked on resume.
  public var modelName: String?

  /// A trainer for `model` with `optimizer`.
  public init(
    model: M, optimizer: Optimizer<Rule>, budget: TrainingBudget, dataSeed: UInt64 = 0,
    evaluationInterval: Int = 0, observers: [any TrainingObserver] = [],
    nonFinitePolicy: NonFinitePolicy = .stop, checkpointStore: CheckpointStore? = nil,
    checkpointEvery: Int? = nil, modelName: String? = nil
  ) {
    self.model = model
    self.optimizer = optimizer
    self.budget = budget
    self.dataSeed = dataSeed
    self.evaluationInterval = evaluationInterval
    self.observers = observers
    self.nonFinitePolicy = nonFinitePolicy
    self.checkpointStore = checkpointStore
    self.checkpointEvery = checkpointEvery
    self.modelName = modelName
  }

  /// What this trainer's checkpoints belong to: the model's layout, name and settings and the
  /// optimizer's fields (the run's seed and start are added from the history).
  public var checkpointIdentity: CheckpointIdentity {
    CheckpointIdentity(model: model, optimizer: optimizer, modelName: modelName)
  }

  /// The state and history to run from: the newest checkpoint in ``checkpointStore`` when
  /// `resume` is true and one exists, otherwise a fresh state for `seed` (at `start`, or the
  /// model's initial parameters for `seed`) and an empty history that records the seed and the
  /// start point. With a store, the directory's lock is taken first (see ``CheckpointLock``).
  ///
  /// - Throws: ``CheckpointError`` when the directory is locked by another run, when the newest
  ///   checkpoint cannot be used (truncated, corrupted, another version, model, seed, start or
  ///   optimizer, or its history log is missing), or
  ///   ``CheckpointError/existingCheckpoints(directory:latestStep:)`` when `resume` is false
  ///   but the store already holds checkpoints; nothing on disk is changed.
  public func start(seed: UInt64, resume: Bool, at start: ParameterVector? = nil)
    throws(CheckpointError) -> (state: OptimizerState<Rule.State>, history: TrainingHistory)
  {
    let fresh =
      start.map { optimizer.makeState(parameters: $0, layout: model.layout, seed: seed) }
      ?? optimizer.makeState(for: model, seed: seed)
    let digest = CheckpointIdentity.startDigest(fresh.parameters)
    if let store = checkpointStore {
      try CheckpointLock.acquire(store.directory)
      do throws(CheckpointError) {
        if let latest = store.latestStep {
          guard resume else {
            throw .existingCheckpoints(directory: store.directory.path, latestStep: latest)
          }
          var identity = checkpointIdentity
          identity.seed = seed
          identity.start = digest
          let checkpoint = try store.load(Rule.State.self, expecting: identity)
          if let log = checkpoint.history.log {
            try HistoryLog.verify(directory: store.directory, reference: log)
          }
          return (checkpoint.state, checkpoint.history)
        }
      } catch {
        // Refused: leave the directory as it was, lock included.
        CheckpointLock.release(store.directory)
        throw error
      }
    }
    var history = TrainingHistory()
    history.seed = seed
    history.start = digest
    return (fresh, history)
  }

  /// Runs from `state` (fresh or resumed) until the budget is spent; `state` holds the result.
  ///
  /// `history` is the history so far when resuming (from ``start(seed:resume:at:)``); budgets
  /// on evaluations and cost count what it already spent. With a ``checkpointStore`` the run
  /// holds the directory's lock and appends every step to its ``HistoryLog``; a history that
  /// does not reference the log (not from ``start(seed:resume:at:)`` or a checkpoint) is refused
  /// when the directory already holds checkpoints (``StopReason/checkpointFailed``).
  public func run(
    _ state: inout OptimizerState<Rule.State>, continuing previous: TrainingHistory = .init()
  ) -> TrainingHistory {
    var history = previous
    history.stopReason = .stepBudget
    history.failure = nil
    if history.start == nil && state.step == 0 {
      history.start = CheckpointIdentity.startDigest(state.parameters)
    }
    var identity = checkpointIdentity
    identity.seed = history.seed
    identity.start = history.start
    var log: HistoryLog?
    if let store = checkpointStore {
      do throws(CheckpointError) {
        try CheckpointLock.acquire(store.directory)
        if history.log == nil, let latest = store.latestStep {
          // A history that does not come from this directory's checkpoints: starting a new
          // log here would orphan theirs.
          CheckpointLock.release(store.directory)
          throw .existingCheckpoints(directory: store.directory.path, latestStep: latest)
        }
        log = try HistoryLog(directory: store.directory, keeping: history.log)
      } catch {
        history.stopReason = .checkpointFailed
        history.failure = error.description
        for observer in observers { observer.trainer(didFinish: history) }
        return history
      }
    }
    defer { if let store = checkpointStore { CheckpointLock.release(store.directory) } }
    let startCounts = state.evaluations
    let spentBefore = previous.counts
    func spent(_ state: OptimizerState<Rule.State>) -> EvaluationCounts {
      spentBefore + (state.evaluations - startCounts)
    }
    let policy = nonFinitePolicy
    var snapshot: OptimizerState<Rule.State>?
    var failures = 0
    var lastSaved = checkpointStore?.latestStep == state.step ? state.step : -1

    /// Puts the snapshot back, keeping the evaluations spent since; drops the undone steps
    /// from the history and the log, and tells the observers.
    func restore(
      _ state: inout OptimizerState<Rule.State>, from saved: OptimizerState<Rule.State>,
      event: TrainingHistory.NonFiniteEvent?
    ) {
      let undone = Swift.max(0, state.step - saved.step)
      history.removeSteps(after: saved.step)
      log?.dropLast(undone)
      let evaluations = state.evaluations
      state = saved
      state.evaluations = evaluations
      if let event { for observer in observers { observer.trainer(didRollBack: event) } }
    }

    func save(_ state: OptimizerState<Rule.State>) -> String? {
      guard let store = checkpointStore else { return nil }
      var saved = history
      saved.counts = spent(state)
      do {
        if let log { saved.log = try log.flush() }
        try store.save(state, history: saved, identity: identity)
        return nil
      } catch {
        return error.description
      }
    }

    loop: while true {
      if let limit = budget.steps, state.step >= limit {
        history.stopReason = .stepBudget
        break
      }
      if let limit = budget.gradientEvaluations, spent(state).gradients >= limit {
        history.stopReason = .evaluationBudget
        break
      }
      if let limit = budget.cost, spent(state).cost >= limit {
        history.stopReason = .costBudget
        break
      }
      switch policy.action {
      case .stop: break
      case .skip: snapshot = state
      case .rollback:
        if snapshot.map({ state.step >= $0.step + policy.snapshotInterval }) ?? true {
          snapshot = state
          failures = 0
          for observer in observers { observer.trainer(didTakeSnapshotAt: state.step) }
        }
      }
      var loss: Double
      var skipped: TrainingHistory.NonFiniteEvent?
      do {
        loss = try optimizer.step(&state, model: model, dataSeed: dataSeed)
        if policy.action == .skip {
          snapshot = nil
          failures = 0
        }
      } catch {
        failures += 1
        let scale = state.context.learningRateScale
        guard let saved = snapshot, failures < policy.maxConsecutiveFailures else {
          history.stopReason = .nonFinite
          history.failure =
            failures > 1
            ? "\(error.description) (gave up after \(failures) failed attempts)"
            : error.description
          let event = TrainingHistory.NonFiniteEvent(
            step: error.step, error: error.description, action: .stop,
            learningRateScale: scale, restoredStep: snapshot?.step)
          if let snapshot {
            restore(&state, from: snapshot, event: policy.action == .rollback ? event : nil)
          }
          history.record(event)
          break
        }
        if policy.action == .rollback {
          let event = TrainingHistory.NonFiniteEvent(
            step: error.step, error: error.description, action: .rollback,
            learningRateScale: scale * policy.rollbackFactor, restoredStep: saved.step)
          restore(&state, from: saved, event: event)
          state.context.learningRateScale = scale * policy.rollbackFactor
          history.record(event)
          continue loop
        }
        restore(&state, from: saved, event: nil)
        snapshot = nil
        state.context.step += 1
        loss = .nan
        let event = TrainingHistory.NonFiniteEvent(
          step: error.step, error: error.description, action: .skip, learningRateScale: scale,
          restoredStep: nil)
        history.record(event)
        skipped = event
      }
      let cost = spent(state).cost
      history.record(step: state.step, loss: loss, cost: cost)
      log?.append(step: state.step, loss: loss, cost: cost)
      var evaluation: [String: Double]?
      if evaluationInterval > 0 && state.step % evaluationInterval == 0 {
        let metrics = model.evaluate(at: state.parameters, seed: dataSeed)
        if !metrics.isEmpty {
          evaluation = metrics
          history.record(.init(step: state.step, metrics: metrics))
        }
      }
      if !observers.isEmpty {
        let step = state.step
        let wantsSummary = observers.contains { $0.wantsStageSummary(atStep: step) }
        let record = StepRecord(
          step: state.step, loss: loss, parameters: state.parameters,
          evaluations: state.evaluations, metrics: state.context.metrics, evaluation: evaluation,
          summary: wantsSummary ? optimizer.summary(of: state) : nil,
          learningRateScale: state.context.learningRateScale, skipped: skipped)
        for observer in observers where !observer.trainer(didComplete: record) {
          history.stopReason = .stoppedByObserver
          break loop
        }
      }
      if let every = checkpointEvery, every > 0, state.step % every == 0 {
        if let failure = save(state) {
          history.stopReason = .checkpointFailed
          history.failure = failure
          break
        }
        lastSaved = state.step
      }
      if let target = budget.targetLoss, loss <= target {
        history.stopReason = .targetLoss
        break
      }
    }
    history.counts = spent(state)
    let batch = model.batch(step: state.step, seed: dataSeed)
    history.finalLoss = model.loss(at: state.parameters, on: batch)
    let clean = history.stopReason != .nonFinite && history.stopReason != .checkpointFailed
    if clean, checkpointStore != nil, lastSaved != state.step {
      if let failure = save(state) {
        history.stopReason = .checkpointFailed
        history.failure = failure
      }
    }
    if let log {
      do {
        history.log = try log.flush()
      } catch {
        if history.failure == nil {
          history.stopReason = .checkpointFailed
          history.failure = error.description
        }
      }
    }
    for observer in observers { observer.trainer(didFinish: history) }
    return history
  }
}
