/// Watches a training run: progress display, metrics files, early stopping.
public protocol TrainingObserver: AnyObject {
  /// Called after every step; return `false` to stop the run.
  func trainer(didComplete record: StepRecord) -> Bool
  /// Called once at the end.
  func trainer(didFinish history: TrainingHistory)
  /// Called when the trainer keeps a snapshot to roll back to
  /// (``NonFinitePolicy/Action/rollback``), before the step after `step` runs. Defaults to
  /// nothing.
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
