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
}
