import Foundation

extension Trainer {
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
}
