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

/// Why a run stopped.
public enum StopReason: String, Sendable, Codable, Equatable {
  case stepBudget, evaluationBudget, costBudget, targetLoss, nonFinite, stoppedByObserver
  /// A checkpoint could not be written (see ``TrainingHistory/failure``).
  case checkpointFailed
}

/// What one step did, as observers see it.
public struct StepRecord: Sendable {
  /// Steps completed (1 after the first step).
  public var step: Int
  /// The loss at the parameters before this step's update.
  public var loss: Double
  /// The parameters after the update.
  public var parameters: ParameterVector
  /// Evaluations so far.
  public var evaluations: EvaluationCounts
  /// What the stages reported in this step.
  public var metrics: StepMetrics
  /// Held-out metrics, on steps where the trainer evaluated.
  public var evaluation: [String: Double]?
}

/// Watches a training run: progress display, metrics files, early stopping.
public protocol TrainingObserver: AnyObject {
  /// Called after every step; return `false` to stop the run.
  func trainer(didComplete record: StepRecord) -> Bool
  /// Called once at the end.
  func trainer(didFinish history: TrainingHistory)
}

extension TrainingObserver {
  public func trainer(didFinish history: TrainingHistory) {}
}

/// The outcome of a run: the loss curve with its cost axis and why it stopped.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// `losses[k]` is the loss before step `k + 1`'s update.
  public var losses: [Double] = []
  /// Cumulative cost (gradient-equivalents) after each step.
  public var costs: [Int] = []
  /// Held-out evaluations: `(step, metrics)`.
  public var evaluations: [EvaluationPoint] = []
  /// Evaluations made in the run.
  public var counts = EvaluationCounts()
  /// Why the run stopped.
  public var stopReason: StopReason = .stepBudget
  /// The loss at the final parameters, when known (evaluated once at the end).
  public var finalLoss: Double = .nan
  /// The error that stopped the run, if any.
  public var failure: String?
  /// Steps that produced a non-finite value and what the trainer did about them.
  public var nonFiniteEvents: [NonFiniteEvent] = []

  /// A non-finite step and the trainer's reaction (see ``NonFinitePolicy``).
  public struct NonFiniteEvent: Sendable, Codable, Equatable {
    /// The step index at which it happened.
    public var step: Int
    /// The diagnostic (``NonFiniteValueError/description``).
    public var error: String
    /// What the trainer did.
    public var action: NonFinitePolicy.Action
    /// The learning-rate scale after the reaction.
    public var learningRateScale: Double
  }

  /// Held-out metrics at one step.
  public struct EvaluationPoint: Sendable, Codable, Equatable {
    /// Steps completed.
    public var step: Int
    /// Metric values by name.
    public var metrics: [String: Double]
  }

  /// An empty history.
  public init() {}

  enum CodingKeys: String, CodingKey {
    case losses, costs, evaluations, counts, stopReason, finalLoss, failure, nonFiniteEvents
  }

  /// Decodes a history; fields added in later versions default when absent.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    losses = try c.decodeIfPresent([Double].self, forKey: .losses) ?? []
    costs = try c.decodeIfPresent([Int].self, forKey: .costs) ?? []
    evaluations = try c.decodeIfPresent([EvaluationPoint].self, forKey: .evaluations) ?? []
    counts = try c.decodeIfPresent(EvaluationCounts.self, forKey: .counts) ?? EvaluationCounts()
    stopReason = try c.decodeIfPresent(StopReason.self, forKey: .stopReason) ?? .stepBudget
    finalLoss = try c.decodeIfPresent(Double.self, forKey: .finalLoss) ?? .nan
    failure = try c.decodeIfPresent(String.self, forKey: .failure)
    nonFiniteEvents =
      try c.decodeIfPresent([NonFiniteEvent].self, forKey: .nonFiniteEvents) ?? []
  }
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

  /// What this trainer's checkpoints belong to: the model's layout and name and the
  /// optimizer's fingerprint.
  public var checkpointIdentity: CheckpointIdentity {
    CheckpointIdentity(model: model, optimizer: optimizer, modelName: modelName)
  }

  /// The state and history to run from: the newest checkpoint in ``checkpointStore`` when
  /// `resume` is true and one exists, otherwise a fresh state for `seed` and an empty history.
  ///
  /// - Throws: ``CheckpointError`` when the newest checkpoint cannot be used (truncated,
  ///   corrupted, another version, model or optimizer), or
  ///   ``CheckpointError/existingCheckpoints(directory:latestStep:)`` when `resume` is false
  ///   but the store already holds checkpoints; nothing on disk is changed.
  public func start(seed: UInt64, resume: Bool) throws(CheckpointError) -> (
    state: OptimizerState<Rule.State>, history: TrainingHistory
  ) {
    if let store = checkpointStore, let latest = store.latestStep {
      guard resume else {
        throw .existingCheckpoints(directory: store.directory.path, latestStep: latest)
      }
      let checkpoint = try store.load(Rule.State.self, expecting: checkpointIdentity)
      return (checkpoint.state, checkpoint.history)
    }
    return (optimizer.makeState(for: model, seed: seed), TrainingHistory())
  }

  /// Runs from `state` (fresh or resumed) until the budget is spent; `state` holds the result.
  ///
  /// `history` is the history so far when resuming (from ``start(seed:resume:)``); budgets on
  /// evaluations and cost count what it already spent.
  public func run(
    _ state: inout OptimizerState<Rule.State>, continuing previous: TrainingHistory = .init()
  ) -> TrainingHistory {
    var history = previous
    history.stopReason = .stepBudget
    history.failure = nil
    let startCounts = state.evaluations
    let spentBefore = previous.counts
    func spent(_ state: OptimizerState<Rule.State>) -> EvaluationCounts {
      spentBefore + (state.evaluations - startCounts)
    }
    let policy = nonFinitePolicy
    var snapshot: OptimizerState<Rule.State>?
    var failures = 0
    var lastSaved = checkpointStore?.latestStep == state.step ? state.step : -1
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
        }
      }
      var loss: Double
      do {
        loss = try optimizer.step(&state, model: model, dataSeed: dataSeed)
        if policy.action == .skip {
          snapshot = nil
          failures = 0
        }
      } catch {
        failures += 1
        let scale = state.context.learningRateScale
        guard let saved = snapshot, failures <= policy.maxConsecutiveFailures else {
          history.stopReason = .nonFinite
          history.failure =
            failures > 1
            ? "\(error.description) (gave up after \(failures) failed attempts)"
            : error.description
          if let snapshot { restore(&state, from: snapshot, history: &history) }
          history.nonFiniteEvents.append(
            .init(
              step: error.step, error: error.description, action: .stop,
              learningRateScale: scale))
          break
        }
        loss = state.context.loss
        restore(&state, from: saved, history: &history)
        if policy.action == .rollback {
          state.context.learningRateScale = scale * policy.rollbackFactor
          history.nonFiniteEvents.append(
            .init(
              step: error.step, error: error.description, action: .rollback,
              learningRateScale: state.context.learningRateScale))
          continue loop
        }
        snapshot = nil
        state.context.step += 1
        history.nonFiniteEvents.append(
          .init(
            step: error.step, error: error.description, action: .skip,
            learningRateScale: scale))
      }
      history.losses.append(loss)
      history.costs.append(spent(state).cost)
      var evaluation: [String: Double]?
      if evaluationInterval > 0 && state.step % evaluationInterval == 0 {
        let metrics = model.evaluate(at: state.parameters, seed: dataSeed)
        if !metrics.isEmpty {
          evaluation = metrics
          history.evaluations.append(.init(step: state.step, metrics: metrics))
        }
      }
      let record = StepRecord(
        step: state.step, loss: loss, parameters: state.parameters,
        evaluations: state.evaluations, metrics: state.context.metrics, evaluation: evaluation)
      for observer in observers where !observer.trainer(didComplete: record) {
        history.stopReason = .stoppedByObserver
        break loop
      }
      if let every = checkpointEvery, every > 0, state.step % every == 0 {
        if let failure = saveCheckpoint(state, history: history, spent: spent(state)) {
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
      if let failure = saveCheckpoint(state, history: history, spent: history.counts) {
        history.stopReason = .checkpointFailed
        history.failure = failure
      }
    }
    for observer in observers { observer.trainer(didFinish: history) }
    return history
  }

  /// Puts a good state back, keeping the evaluations spent since, and drops the undone steps
  /// from the history.
  private func restore(
    _ state: inout OptimizerState<Rule.State>, from saved: OptimizerState<Rule.State>,
    history: inout TrainingHistory
  ) {
    let undone = Swift.max(0, state.step - saved.step)
    history.losses.removeLast(Swift.min(undone, history.losses.count))
    history.costs.removeLast(Swift.min(undone, history.costs.count))
    history.evaluations.removeAll { $0.step > saved.step }
    let evaluations = state.evaluations
    state = saved
    state.evaluations = evaluations
  }

  /// Writes a checkpoint of `state`; returns the error's description if it fails.
  private func saveCheckpoint(
    _ state: OptimizerState<Rule.State>, history: TrainingHistory, spent: EvaluationCounts
  ) -> String? {
    guard let store = checkpointStore else { return nil }
    var saved = history
    saved.counts = spent
    do {
      try store.save(state, history: saved, identity: checkpointIdentity)
      return nil
    } catch {
      return error.description
    }
  }
}
