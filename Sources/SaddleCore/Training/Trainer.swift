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

  /// Held-out metrics at one step.
  public struct EvaluationPoint: Sendable, Codable, Equatable {
    /// Steps completed.
    public var step: Int
    /// Metric values by name.
    public var metrics: [String: Double]
  }

  /// An empty history.
  public init() {}
}

/// Runs a model with an optimizer until a budget or a target is reached, notifying observers.
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

  /// A trainer for `model` with `optimizer`.
  public init(
    model: M, optimizer: Optimizer<Rule>, budget: TrainingBudget, dataSeed: UInt64 = 0,
    evaluationInterval: Int = 0, observers: [any TrainingObserver] = []
  ) {
    self.model = model
    self.optimizer = optimizer
    self.budget = budget
    self.dataSeed = dataSeed
    self.evaluationInterval = evaluationInterval
    self.observers = observers
  }

  /// Runs from `state` (fresh or resumed) until the budget is spent; `state` holds the result.
  public func run(_ state: inout OptimizerState<Rule.State>) -> TrainingHistory {
    var history = TrainingHistory()
    let startCounts = state.evaluations
    loop: while true {
      if let limit = budget.steps, state.step >= limit {
        history.stopReason = .stepBudget
        break
      }
      let spent = state.evaluations - startCounts
      if let limit = budget.gradientEvaluations, spent.gradients >= limit {
        history.stopReason = .evaluationBudget
        break
      }
      if let limit = budget.cost, spent.cost >= limit {
        history.stopReason = .costBudget
        break
      }
      let loss: Double
      do {
        loss = try optimizer.step(&state, model: model, dataSeed: dataSeed)
      } catch {
        history.stopReason = .nonFinite
        history.failure = error.description
        break
      }
      history.losses.append(loss)
      history.costs.append((state.evaluations - startCounts).cost)
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
      if let target = budget.targetLoss, loss <= target {
        history.stopReason = .targetLoss
        break
      }
    }
    history.counts = state.evaluations - startCounts
    let batch = model.batch(step: state.step, seed: dataSeed)
    history.finalLoss = model.loss(at: state.parameters, on: batch)
    for observer in observers { observer.trainer(didFinish: history) }
    return history
  }
}
