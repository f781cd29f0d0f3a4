/// What a ``Trainer`` does when a step produces a NaN or an infinity (in the loss, the
/// gradient, a curvature estimate or the update).
///
/// In every case the parameters never receive the non-finite values (``Optimizer`` refuses
/// the update) and no checkpoint is written with them.
/// - ``stop`` (the default): end the run with ``StopReason/nonFinite`` and a diagnostic naming
///   the step, the stage when known and the first non-finite parameter segment.
/// - ``skip``: drop the step — parameters and every stage's state as before it — and go on
///   with the next step (next batch).
/// - ``rollback(factor:every:maxAttempts:)``: go back to the last good snapshot (taken every
///   ``snapshotInterval`` steps, so a divergence that only turns into NaN a few steps later is
///   undone too), multiply the learning-rate scale (``StepContext/learningRateScale``,
///   checkpointed) by `factor` and redo the steps from there. The history drops the undone
///   steps; the evaluations they spent stay counted.
///
/// `skip` keeps a copy of the state before every step, `rollback` one every
/// ``snapshotInterval`` steps (copy-on-write: each buffer a stage writes is copied once per
/// snapshot). The ``maxConsecutiveFailures``-th failed attempt (default 10; for `skip`: in a
/// row; for `rollback`: from the same snapshot) stops the run as with `stop`, at the last good
/// state — so `skip` drops at most 9 steps in a row and `rollback` rolls back at most 9 times
/// to one snapshot, and the history's failure says "gave up after 10 failed attempts".
///
/// Observers see every reaction: a skipped step arrives with ``StepRecord/skipped`` set, and a
/// rollback (or a stop that restores a snapshot) calls
/// ``TrainingObserver/trainer(didRollBack:)``, so a trace can drop the undone lines.
public struct NonFinitePolicy: Sendable, Equatable, Codable, CustomStringConvertible {
  /// The reaction to a non-finite step.
  public enum Action: String, Sendable, Equatable, Codable, CaseIterable {
    /// End the run with ``StopReason/nonFinite``.
    case stop
    /// Drop the step (parameters and state as before it) and go on with the next.
    case skip
    /// Go back to the last good snapshot, scale the learning rate by
    /// ``NonFinitePolicy/rollbackFactor`` and redo the steps from there.
    case rollback
  }

  /// The reaction.
  public var action: Action
  /// For ``Action/rollback``: the factor applied to the learning-rate scale per rollback.
  public var rollbackFactor: Double
  /// For ``Action/rollback``: steps between snapshots of the last good state.
  public var snapshotInterval: Int
  /// The failed attempt (in a row, or from one snapshot) at which the run stops anyway.
  public var maxConsecutiveFailures: Int

  /// A policy; `rollbackFactor` must be in (0, 1).
  public init(
    action: Action, rollbackFactor: Double = 0.5, snapshotInterval: Int = 10,
    maxConsecutiveFailures: Int = 10
  ) {
    precondition(
      rollbackFactor > 0 && rollbackFactor < 1, "rollbackFactor must be in (0, 1)")
    self.action = action
    self.rollbackFactor = rollbackFactor
    self.snapshotInterval = Swift.max(1, snapshotInterval)
    self.maxConsecutiveFailures = Swift.max(1, maxConsecutiveFailures)
  }

  /// The policy named `name` (`stop`, `skip` or `rollback`, as on the command line).
  public init?(named name: String) {
    guard let action = Action(rawValue: name) else { return nil }
    self.init(action: action)
  }

  /// Stop the run (the default).
  public static let stop = NonFinitePolicy(action: .stop)
  /// Drop the step and continue.
  public static let skip = NonFinitePolicy(action: .skip)

  /// Go back to the last good snapshot (taken every `every` steps), scale the learning rate by
  /// `factor` and redo the steps; give up at the `maxAttempts`-th failed attempt from the same
  /// snapshot (after `maxAttempts − 1` rollbacks).
  public static func rollback(
    factor: Double = 0.5, every: Int = 10, maxAttempts: Int = 10
  ) -> NonFinitePolicy {
    NonFinitePolicy(
      action: .rollback, rollbackFactor: factor, snapshotInterval: every,
      maxConsecutiveFailures: maxAttempts)
  }

  public var description: String {
    action == .rollback
      ? "rollback(factor: \(rollbackFactor), every: \(snapshotInterval))" : action.rawValue
  }
}
