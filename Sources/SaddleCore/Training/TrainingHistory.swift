import Foundation

/// Why a run stopped.
public enum StopReason: String, Sendable, Codable, Equatable {
  /// The step limit (``TrainingBudget/steps``) was reached; also the reason when no limit
  /// stopped the run before it.
  case stepBudget
  /// The gradient evaluations spent reached ``TrainingBudget/gradientEvaluations``.
  case evaluationBudget
  /// The cost spent (gradient-equivalents, ``EvaluationCounts/cost``) reached
  /// ``TrainingBudget/cost``.
  case costBudget
  /// A step's loss (at the parameters before its update) was at or below
  /// ``TrainingBudget/targetLoss``.
  case targetLoss
  /// A step produced a NaN or an infinity and the ``NonFinitePolicy`` stopped the run (see
  /// ``TrainingHistory/failure``).
  case nonFinite
  /// An observer returned `false` from ``TrainingObserver/trainer(didComplete:)``.
  case stoppedByObserver
  /// A checkpoint could not be written (see ``TrainingHistory/failure``).
  case checkpointFailed

  /// The reason in words, e.g. `step budget reached`.
  public var summary: String {
    switch self {
    case .stepBudget: return "step budget reached"
    case .evaluationBudget: return "gradient-evaluation budget reached"
    case .costBudget: return "cost budget reached"
    case .targetLoss: return "target loss reached"
    case .nonFinite: return "stopped on a non-finite value"
    case .stoppedByObserver: return "stopped by an observer"
    case .checkpointFailed: return "a checkpoint could not be written"
    }
  }
}

/// The outcome of a run, in bounded memory: the most recent steps' losses and costs, the
/// newest held-out evaluations and non-finite events, the evaluation counts and why it stopped.
///
/// The full per-step record goes to the ``HistoryLog`` beside the checkpoints (``log`` says
/// which bytes belong to this history), so memory and checkpoint size stay flat however long
/// the run: at most ``recentLimit`` steps and ``listLimit`` evaluations and events are kept.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// Steps whose loss and cost are kept in memory (and in checkpoints).
  public static let recentLimit = 256
  /// Evaluations and non-finite events kept in memory (and in checkpoints).
  public static let listLimit = 64

  /// Steps recorded so far (one per step taken, skipped steps included; undone steps removed).
  public internal(set) var recordedSteps = 0
  /// The step of the newest record (0 before the first).
  public internal(set) var lastStep = 0
  var lossStorage: [Double] = []
  var costStorage: [Int] = []
  /// The losses of the newest steps (at most ``recentLimit``), oldest first: the loss before
  /// step ``firstRecentStep``'s update, … (NaN for a skipped step).
  public var recentLosses: [Double] { Array(lossStorage.suffix(Self.recentLimit)) }
  /// Cumulative cost (gradient-equivalents) after each of the newest steps.
  public var recentCosts: [Int] { Array(costStorage.suffix(Self.recentLimit)) }
  /// The step of ``recentLosses``' first element.
  public var firstRecentStep: Int { lastStep - recentLosses.count + 1 }
  /// The newest held-out evaluations (at most ``listLimit``).
  public internal(set) var evaluations: [EvaluationPoint] = []
  /// Held-out evaluations made in the run.
  public internal(set) var evaluationCount = 0
  /// Evaluations made in the run.
  public var counts = EvaluationCounts()
  /// Why the run stopped.
  public var stopReason: StopReason = .stepBudget
  /// The loss at the final parameters, when known (evaluated once at the end).
  public var finalLoss: Double = .nan
  /// The error that stopped the run, if any.
  public var failure: String?
  /// The newest steps that produced a non-finite value and what the trainer did (at most
  /// ``listLimit``).
  public internal(set) var nonFiniteEvents: [NonFiniteEvent] = []
  /// Non-finite events in the run.
  public internal(set) var nonFiniteEventCount = 0
  /// The seed the run started from, when the trainer started it.
  public var seed: UInt64?
  /// The start point's digest (``CheckpointIdentity/startDigest(_:)``).
  public var start: String?
  /// The per-step record in the history log, as of the checkpoint that holds this history.
  public var log: HistoryLogReference?

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
    /// For a rollback (and a stop that restored a snapshot): the step the run went back to.
    public var restoredStep: Int?
  }

  /// Held-out metrics at one step.
  public struct EvaluationPoint: Sendable, Codable, Equatable {
    /// Steps completed.
    public var step: Int
    /// Metric values by name (non-finite values are stored as JSON `null`).
    public var metrics: [String: Double]

    enum CodingKeys: String, CodingKey { case step, metrics }

    /// The metrics evaluated after `step` steps.
    public init(step: Int, metrics: [String: Double]) {
      self.step = step
      self.metrics = metrics
    }

    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      step = try c.decode(Int.self, forKey: .step)
      metrics = try c.decode([String: Double?].self, forKey: .metrics).mapValues { $0 ?? .nan }
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(step, forKey: .step)
      try c.encode(metrics.mapValues { $0.isFinite ? $0 : nil }, forKey: .metrics)
    }
  }

  /// An empty history.
  public init() {}

  /// Records one step.
  public mutating func record(step: Int, loss: Double, cost: Int) {
    lossStorage.append(loss)
    costStorage.append(cost)
    if lossStorage.count >= 2 * Self.recentLimit {
      lossStorage.removeFirst(lossStorage.count - Self.recentLimit)
      costStorage.removeFirst(costStorage.count - Self.recentLimit)
    }
    recordedSteps += 1
    lastStep = step
  }

  /// Records a held-out evaluation.
  public mutating func record(_ point: EvaluationPoint) {
    evaluations.append(point)
    if evaluations.count > Self.listLimit { evaluations.removeFirst() }
    evaluationCount += 1
  }

  /// Records a non-finite event.
  public mutating func record(_ event: NonFiniteEvent) {
    nonFiniteEvents.append(event)
    if nonFiniteEvents.count > Self.listLimit { nonFiniteEvents.removeFirst() }
    nonFiniteEventCount += 1
  }

  /// Removes the records of the steps after `step` (undone by a rollback).
  public mutating func removeSteps(after step: Int) {
    let undone = Swift.max(0, lastStep - step)
    guard undone > 0 else { return }
    lossStorage.removeLast(Swift.min(undone, lossStorage.count))
    costStorage.removeLast(Swift.min(undone, costStorage.count))
    recordedSteps -= Swift.min(undone, recordedSteps)
    lastStep = step
    let before = evaluations.count
    evaluations.removeAll { $0.step > step }
    evaluationCount -= before - evaluations.count
  }

  public static func == (a: TrainingHistory, b: TrainingHistory) -> Bool {
    a.recordedSteps == b.recordedSteps && a.lastStep == b.lastStep
      && a.recentLosses.map(\.bitPattern) == b.recentLosses.map(\.bitPattern)
      && a.recentCosts == b.recentCosts && a.evaluations == b.evaluations
      && a.evaluationCount == b.evaluationCount && a.counts == b.counts
      && a.stopReason == b.stopReason
      && a.finalLoss.bitPattern == b.finalLoss.bitPattern && a.failure == b.failure
      && a.nonFiniteEvents == b.nonFiniteEvents
      && a.nonFiniteEventCount == b.nonFiniteEventCount && a.seed == b.seed
      && a.start == b.start && a.log == b.log
  }

  enum CodingKeys: String, CodingKey {
    case recordedSteps, lastStep, recentLosses, recentCosts, evaluations, evaluationCount,
      counts, stopReason, finalLoss, failure, nonFiniteEvents, nonFiniteEventCount, seed, start,
      log
  }

  /// Decodes a history (non-finite losses are stored as `null`).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    recordedSteps = try c.decode(Int.self, forKey: .recordedSteps)
    lastStep = try c.decode(Int.self, forKey: .lastStep)
    lossStorage = try c.decode([Double?].self, forKey: .recentLosses).map { $0 ?? .nan }
    costStorage = try c.decode([Int].self, forKey: .recentCosts)
    guard lossStorage.count == costStorage.count, lossStorage.count <= Self.recentLimit,
      lossStorage.count <= recordedSteps
    else {
      throw DecodingError.dataCorruptedError(
        forKey: .recentLosses, in: c,
        debugDescription: "recentLosses and recentCosts disagree with recordedSteps")
    }
    evaluations = try c.decode([EvaluationPoint].self, forKey: .evaluations)
    evaluationCount = try c.decode(Int.self, forKey: .evaluationCount)
    counts = try c.decode(EvaluationCounts.self, forKey: .counts)
    stopReason = try c.decode(StopReason.self, forKey: .stopReason)
    finalLoss = try c.decodeIfPresent(Double.self, forKey: .finalLoss) ?? .nan
    failure = try c.decodeIfPresent(String.self, forKey: .failure)
    nonFiniteEvents = try c.decode([NonFiniteEvent].self, forKey: .nonFiniteEvents)
    nonFiniteEventCount = try c.decode(Int.self, forKey: .nonFiniteEventCount)
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    start = try c.decodeIfPresent(String.self, forKey: .start)
    log = try c.decodeIfPresent(HistoryLogReference.self, forKey: .log)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(recordedSteps, forKey: .recordedSteps)
    try c.encode(lastStep, forKey: .lastStep)
    try c.encode(recentLosses.map { $0.isFinite ? $0 : nil }, forKey: .recentLosses)
    try c.encode(recentCosts, forKey: .recentCosts)
    try c.encode(evaluations, forKey: .evaluations)
    try c.encode(evaluationCount, forKey: .evaluationCount)
    try c.encode(counts, forKey: .counts)
    try c.encode(stopReason, forKey: .stopReason)
    if finalLoss.isFinite { try c.encode(finalLoss, forKey: .finalLoss) }
    try c.encodeIfPresent(failure, forKey: .failure)
    try c.encode(nonFiniteEvents, forKey: .nonFiniteEvents)
    try c.encode(nonFiniteEventCount, forKey: .nonFiniteEventCount)
    try c.encodeIfPresent(seed, forKey: .seed)
    try c.encodeIfPresent(start, forKey: .start)
    try c.encodeIfPresent(log, forKey: .log)
  }
}
