import Foundation

extension Trainer {
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
