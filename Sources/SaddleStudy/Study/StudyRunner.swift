import Dispatch
import Foundation
import SaddleCore
import SaddleModels

/// The outcome of one run of a study, as written to `trials/<id>.json`.
public struct TrialResult: Codable, Sendable, Equatable {
  /// `problem/setting/seed`, for display (the trial file is keyed by its definition).
  public var id: String
  /// The problem's label.
  public var problem: String
  /// The setting's label.
  public var optimizer: String
  /// The seed (1…n).
  public var seed: Int
  /// The loss at the parameters where the run stopped.
  public var finalLoss: Double
  /// The cost at which `f < f_saddle − δ` was first seen (runs from a saddle with
  /// `escapeDelta`), or nil if it was not — or if the run then ended non-finite or above the
  /// saddle's value (escaping and then diverging is a failure).
  public var escapeCost: Int?
  /// The counts of every evaluation made.
  public var counts: EvaluationCounts
  /// Steps taken.
  public var steps: Int
  /// `(cost, loss)` points, evenly spaced in cost, for the plots.
  public var curve: [[Double]]
  /// The non-finite failure that ended the run, if any.
  public var failure: String?
  /// Held-out `[x, loss, accuracy]` (finite values only) at the curve's points and at the end (models with an
  /// `Model.evaluate(at:seed:)`, e.g. the Transformers; nil for closed-form problems). All
  /// trials use the same held-out data (evaluation seed 0), so settings compare paired.
  public var heldOut: [[Double]]?
  /// Every held-out metric of `Model.evaluate(at:seed:)` (evaluation seed 0) at the parameters
  /// where the run stopped, finite values only — e.g. `minorityClassAccuracy` and
  /// `accuracy.class<c>` of `mlp-imbalanced`; nil for models without held-out data.
  public var heldOutMetrics: [String: Double]? = nil
}

/// One finished trial, as reported to a progress callback.
public struct StudyProgress: Sendable {
  /// Trials of this run (shard) that are done, including those done before it started.
  public var done: Int
  /// Trials of this run (shard).
  public var total: Int
  /// Trials computed by this runner so far.
  public var ran: Int
  /// Seconds since this runner started.
  public var elapsed: Double
  /// The trial that finished (`problem/setting/seed`).
  public var trial: String
}

/// Runs a study: every (problem, setting, seed) trial not yet on disk, `jobs` at a time, each
/// result written atomically as `trials/<key>.json` with `key` a hash of what the trial computes
/// (``TrialDefinition``) — a killed study resumes without redoing or losing trials, a config
/// that gains seeds or settings reuses every finished trial, and shards (`k/n`) split the trials
/// for a cluster's array jobs. Each trial is claimed (`claims/<key>.json`) before it runs, so
/// runners sharing a directory never compute a trial twice. See ``StudyDirectory``.
public struct StudyRunner: Sendable {
  /// The study.
  public var config: StudyConfig
  /// Where optimizer specs and problems are looked up.
  public var registry: Registry
  /// Where `study.json` and `trials/` go.
  public var directory: URL
  /// Trials run at once (nil: `Kernels.threadCount`).
  public var jobs: Int?
  /// A claim older than this many seconds is taken over (default 6 h).
  public var claimExpiry: Double = 6 * 3600
  /// Whether `run` waits for trials that another live runner has claimed (polling twice a
  /// second, taking over claims that go stale) instead of returning without them.
  public var waitForClaims = true
  /// Other study directories (e.g. the shards of a Slurm job, `OUT/shards/*`) whose trial
  /// files supply tuning trials this directory does not hold: the selection of phase 2 reads
  /// them (checked against their definitions), nothing is written there.
  public var tuningSources: [URL] = []
  /// Where one-line notes go (a corrupt trial file moved aside, a changed config).
  public var log: @Sendable (String) -> Void = { message in
    FileHandle.standardError.write(Data(("saddle: " + message + "\n").utf8))
  }

  /// A value with every field given.
  public init(config: StudyConfig, directory: URL, registry: Registry = .standard) {
    self.config = config
    self.directory = directory
    self.registry = registry
  }

  /// The phases of a study with `tuningSeeds`: every grid point on the tuning seeds, then the
  /// selected point per optimizer and problem on the reporting seeds. A study without
  /// `tuningSeeds` has only reporting trials.
  public enum Phase: String, Sendable, CaseIterable {
    /// Phase 1: every grid point on the tuning seeds 1001…1000+n.
    case tuning
    /// Phase 2 (or the whole study without tuning): the reported trials.
    case reporting
  }

  /// One trial to run.
  public struct Trial: Sendable {
    /// `problem/setting/seed`, for display.
    public var id: String
    /// Index into the config's problems.
    public var problemIndex: Int
    /// The best setting of the method's grid.
    public var setting: StudyConfig.Setting
    /// The seed (1…n).
    public var seed: Int
    /// What the trial computes (``TrialDefinition``).
    public var definition: JSONValue
    /// `definition`'s key: the trial's file is `trials/<key>.json`.
    public var key: String
    /// The phase the trial belongs to.
    public var phase: Phase = .reporting
    /// Its position within its phase's full enumeration (shards take every n-th): the same in
    /// every runner, whatever is selected or restricted.
    public var index: Int = 0
  }

  /// Every trial of the study, in a fixed order (problems, then settings, then seeds).
  public func trials() throws(SpecError) -> [Trial] {
    var out: [Trial] = []
    try forEachTrial { out.append($0) }
    return out
  }

  /// Calls `body` with each trial in ``trials()`` order, building one definition at a time
  /// (so a pass over 10⁶ trials holds one definition, not all of them); `problem` restricts
  /// to one problem, `phase` to one phase. With `tuningSeeds`, phase 2 holds the selected
  /// setting of each optimizer and problem whose tuning trials are all done (in ``directory``
  /// or ``tuningSources``), labelled by the optimizer; `waiting` is called for the others.
  public func forEachTrial(
    problem only: Int? = nil, phase: Phase? = nil,
    waiting: ((_ problem: Int, _ optimizer: Int) -> Void)? = nil,
    _ body: (Trial) throws -> Void
  ) throws(SpecError) {
    func call(_ trial: Trial) throws(SpecError) {
      do {
        try body(trial)
      } catch let error as SpecError {
        throw error
      } catch {
        throw SpecError(location: "study", "\(error)")
      }
    }
    guard config.tuningSeeds != nil else {
      guard phase != .tuning else { return }
      let settings = try config.settings()
      for (p, _) in config.problems.enumerated() where only == nil || only == p {
        for (s, setting) in settings.enumerated() {
          for seed in 1...config.seeds {
            try call(
              makeTrial(
                problem: p, setting: setting, seed: seed, label: setting.label, phase: .reporting,
                index: (p * settings.count + s) * config.seeds + seed - 1))
          }
        }
      }
      return
    }
    if phase != .reporting {
      let seeds = config.tuningSeedRange
      for p in config.problems.indices where only == nil || only == p {
        let settings = try config.settings(problem: p, registry: registry)
        for (s, setting) in settings.enumerated() {
          for (k, seed) in seeds.enumerated() {
            try call(
              makeTrial(
                problem: p, setting: setting, seed: seed, label: setting.label, phase: .tuning,
                index: (p * settings.count + s) * seeds.count + k))
          }
        }
      }
    }
    if phase != .tuning {
      let choices = try tuningChoices(problem: only)
      for p in config.problems.indices where only == nil || only == p {
        for (o, optimizer) in config.optimizers.enumerated() {
          guard let choice = choices[p][o] else {
            waiting?(p, o)
            continue
          }
          for seed in 1...config.seeds {
            try call(
              makeTrial(
                problem: p, setting: choice.choice.setting, seed: seed, label: optimizer.label,
                phase: .reporting,
                index: (p * config.optimizers.count + o) * config.seeds + seed - 1))
          }
        }
      }
    }
  }

  /// The trials of shard `shard` (0-based) of `shards`: every `shards`-th trial of ``trials()``.
  public func trials(shard: Int, of shards: Int) throws(SpecError) -> [Trial] {
    try trials().filter { $0.index % shards == shard }
  }

  /// A file name for a label (safe characters only, plus a hash to keep labels distinct).
  public static func fileName(for id: String) -> String {
    let safe = String(id.map { $0.isLetter || $0.isNumber || "-_.=".contains($0) ? $0 : "_" })
    return "\(safe.prefix(80))-\(String(CanonicalJSON.fnv1a64(id.utf8), radix: 16)).json"
  }

  var store: StudyDirectory { StudyDirectory(directory) }

  /// The config as written to `study.json` (sorted keys).
  public var configData: Data {
    get throws { try JSONEncoder.sorted.encode(config) }
  }

  /// Runs the trials of shard `shard` of `shards` that have no result file yet; returns how
  /// many this runner computed and how many were done already (by an earlier run or another
  /// runner). Unreadable trial files are moved to `trials/corrupt/` and run again.
  ///
  /// With `tuningSeeds`, phase 1 (tuning) runs first, then phase 2 for every optimizer and
  /// problem whose tuning trials are all done; `phase` runs one phase only (a Slurm array per
  /// phase). `.reporting` refuses to start while a tuning trial is missing from ``directory``
  /// and ``tuningSources``.
  public func run(
    shard: Int = 0, of shards: Int = 1, phase: Phase? = nil,
    progress: (@Sendable (StudyProgress) -> Void)? = nil
  ) throws -> (ran: Int, skipped: Int) {
    let store = self.store
    if let note = try store.prepare(
      configData: try configData, shard: shards > 1 ? (shard, shards) : nil)
    {
      log(note)
    }
    guard config.tuningSeeds != nil else {
      return try runPhase(nil, shard: shard, of: shards, progress: progress)
    }
    var ran = 0
    var skipped = 0
    if phase != .reporting {
      let r = try runPhase(.tuning, shard: shard, of: shards, progress: progress)
      ran += r.ran
      skipped += r.skipped
    }
    if phase != .tuning {
      var waiting = 0
      if phase == .reporting {
        try forEachTrial(phase: .tuning) { trial in
          if readAnywhere(trial) == nil { waiting += 1 }
        }
      }
      if waiting > 0 {
        throw SpecError(
          location: "study",
          "phase reporting: \(waiting) tuning trials are missing (run the tuning phase first; a Slurm shard reads the others' with --tuning-from)"
        )
      }
      let r = try runPhase(.reporting, shard: shard, of: shards, progress: progress)
      ran += r.ran
      skipped += r.skipped
      var pairs = 0
      try forEachTrial(phase: .reporting, waiting: { _, _ in pairs += 1 }) { _ in }
      if pairs > 0 {
        log(
          "\(pairs) optimizer × problem pairs wait for tuning trials of other shards: their reporting trials run once those are done (saddle study run --phase reporting --tuning-from DIR)"
        )
      }
    }
    return (ran, skipped)
  }

  func runPhase(
    _ phase: Phase?, shard: Int, of shards: Int, progress: (@Sendable (StudyProgress) -> Void)?
  ) throws -> (ran: Int, skipped: Int) {
    let store = self.store
    // One computation per distinct definition (two labels may name the same trial).
    var seen = Set<String>()
    var pending: [Trial] = []
    var moveFailure: (any Error)?
    try forEachTrial(phase: phase) { trial in
      guard trial.index % shards == shard, seen.insert(trial.key).inserted, moveFailure == nil
      else {
        return
      }
      switch store.readTrial(key: trial.key, definition: trial.definition) {
      case .done: return
      case .missing: pending.append(trial)
      case .invalid(let reason):
        do {
          try store.moveAside(key: trial.key)
        } catch {
          moveFailure = error
        }
        log("\(reason); moved to trials/corrupt/, running it again")
        pending.append(trial)
      }
    }
    if let moveFailure { throw moveFailure }
    let total = seen.count
    let counter = ProgressCounter(done: total - pending.count)
    let failures = FailureBox()
    let workers = Swift.max(1, jobs ?? Kernels.threadCount)
    let clock = ContinuousClock()
    let started = clock.now
    while !pending.isEmpty {
      let deferred = DeferredBox()
      forEachInParallel(pending, workers: workers) { _, trial in
        do {
          if FileManager.default.fileExists(atPath: store.trialPath(trial.key)) {
            counter.finishedElsewhere()
            return
          }
          guard let claim = try store.claim(trial.key, expiry: claimExpiry) else {
            deferred.append(trial)
            return
          }
          defer { store.release(trial.key, claim) }
          // Another runner may have finished it between the check and the claim.
          if case .done = store.readTrial(key: trial.key, definition: trial.definition) {
            counter.finishedElsewhere()
            return
          }
          let begin = clock.now
          let result = try run(trial)
          let seconds = (clock.now - begin).seconds
          try store.writeTrial(
            key: trial.key, definition: trial.definition, result: StoredResult(result))
          try store.writeTiming(key: trial.key, seconds: seconds)
          let (done, ran) = counter.ranOne()
          progress?(
            StudyProgress(
              done: done, total: total, ran: ran, elapsed: (clock.now - started).seconds,
              trial: trial.id))
        } catch {
          failures.record("\(trial.id): \(error)")
        }
      }
      if failures.first != nil { break }
      pending = deferred.items.filter {
        !FileManager.default.fileExists(atPath: store.trialPath($0.key))
      }
      counter.finishedElsewhere(deferred.items.count - pending.count)
      if pending.isEmpty || !waitForClaims { break }
      Thread.sleep(forTimeInterval: 0.5)
    }
    if let first = failures.first { throw SpecError(location: "study", first) }
    let ran = counter.ran
    return (ran, total - ran - (waitForClaims ? 0 : pending.count))
  }

  /// Runs one trial (deterministic in the config and the trial).
  public func run(_ trial: Trial) throws -> TrialResult {
    let spec = config.problems[trial.problemIndex]
    var model = try registry.model(named: spec.problem, fields: spec.parameters ?? [:])
    if let rotation = spec.rotationSeed, let closed = model as? any ClosedFormProblem {
      model = RotatedProblem(closed, seed: rotation)
    }
    let optimizer = try registry.optimizer(from: trial.setting.spec)
    return try runOpened(model, optimizer: optimizer, trial: trial, spec: spec)
  }

  func runOpened<M: Model>(
    _ model: M, optimizer: DynamicOptimizer, trial: Trial, spec: StudyConfig.ProblemSpec
  ) throws -> TrialResult {
    let seed = UInt64(trial.seed)
    var start = model.initialParameters(seed: seed)
    var threshold: Double?
    var saddleValue: Double?
    if spec.start ?? "saddle" == "saddle", let closed = model as? any ClosedFormProblem,
      let saddle = closed.saddles.first
    {
      start = ParameterVector(
        perturbedPoint(saddle.point, norm: spec.perturbation ?? 1e-8, seed: seed).map {
          Float($0)
        })
      if let delta = spec.escapeDelta { threshold = saddle.value - delta }
      saddleValue = saddle.value
    } else if !(model is any ClosedFormProblem), let declaring = model as? any SaddleDeclaring,
      let value = declaring.saddleValue, let delta = spec.escapeDelta
    {
      // Any other model that declares its saddle, started at its initialParameters(seed:)
      // (EscapeRunner's definition; δ is the spec's escapeDelta, as for closed-form problems).
      threshold = value - delta
      saddleValue = value
    }
    var state = optimizer.makeState(parameters: start, layout: model.layout, seed: seed)
    var points: [[Double]] = []
    let spacing =
      Double(config.budget.cost ?? config.budget.steps ?? 1000)
      / Double((config.curvePoints ?? 100) - 1)
    var nextPoint = 0.0
    var heldOut: [[Double]] = []
    var (escapeCost, failure) = runToBudget(
      optimizer, state: &state, model: model, seed: seed,
      maxSteps: config.budget.steps ?? Int.max, maxCost: config.budget.cost ?? Int.max,
      escapeThreshold: threshold
    ) { before, loss, state in
      let x = Double(config.budget.cost != nil ? before : state.step - 1)
      if x >= nextPoint {
        points.append([x, loss])
        nextPoint += spacing
        if let row = heldOutRow(model, state.parameters, x: x) { heldOut.append(row) }
      }
    }
    let xEnd = Double(config.budget.cost != nil ? state.evaluations.cost : state.step)
    if let row = heldOutRow(model, state.parameters, x: xEnd) { heldOut.append(row) }
    let finalMetrics = model.evaluate(at: state.parameters, seed: 0).filter { $0.value.isFinite }
    let finalLoss = model.loss(
      at: state.parameters, on: model.batch(step: state.step, seed: seed))
    // A run that escaped and then diverged (non-finite end) or came back above the saddle's
    // value is a failure to escape, not an escape.
    if escapeCost != nil, let saddleValue,
      failure != nil || !finalLoss.isFinite || finalLoss > saddleValue
    {
      escapeCost = nil
    }
    return TrialResult(
      id: trial.id, problem: spec.label, optimizer: trial.setting.label, seed: trial.seed,
      finalLoss: finalLoss, escapeCost: escapeCost, counts: state.evaluations, steps: state.step,
      curve: points, failure: failure, heldOut: heldOut.isEmpty ? nil : heldOut,
      heldOutMetrics: finalMetrics.isEmpty ? nil : finalMetrics)
  }

  /// `[x, held-out loss, accuracy]` at `parameters`, or nil for models without held-out data.
  func heldOutRow<M: Model>(_ model: M, _ parameters: ParameterVector, x: Double) -> [Double]? {
    let metrics = model.evaluate(at: parameters, seed: 0)
    guard let loss = metrics["loss"], loss.isFinite else { return nil }
    guard let accuracy = metrics["accuracy"] else { return [x, loss] }
    return [x, loss, accuracy]
  }

  /// Calls `body` with each finished trial of the study in `directory` (in ``trials()``
  /// order, a trial that appears under two labels once per label), reading one trial file at a
  /// time; trials with no valid file are counted, not passed. `problem` restricts to one
  /// problem (an index into the config's problems), `phase` to one phase (the report reads
  /// `.reporting`: every trial of a study without tuning). Returns the number of missing
  /// trials (with tuning: also the reporting trials of pairs whose tuning is not done).
  @discardableResult
  public func forEachResult(
    problem: Int? = nil, phase: Phase? = nil, _ body: (TrialResult) throws -> Void
  ) throws -> Int {
    try forEachResult(problem: problem, phase: phase) { result, _ in try body(result) }
  }

  /// `forEachResult(problem:phase:_:)` with each trial's key (`trials/<key>.json`).
  @discardableResult
  public func forEachResult(
    problem: Int? = nil, phase: Phase? = nil, _ body: (TrialResult, String) throws -> Void
  ) throws -> Int {
    let store = self.store
    var missing = 0
    var failure: (any Error)?
    try forEachTrial(
      problem: problem, phase: phase, waiting: { _, _ in missing += config.seeds }
    ) { trial in
      guard failure == nil else { return }
      let stored: StoredResult
      switch store.readTrial(key: trial.key, definition: trial.definition) {
      case .missing:
        missing += 1
        return
      case .invalid(let reason):
        failure = SpecError(
          reason + "; move it away (study run redoes such trials) or run the study again")
        return
      case .done(let result):
        stored = result
      }
      do {
        try body(result(trial, stored), trial.key)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return missing
  }

  /// Every finished reported trial of the study in `directory` (also after merging shards),
  /// with labels from its `study.json`: with `tuningSeeds`, the selected settings on the
  /// reporting seeds labelled by optimizer (the tuning trials are
  /// `forEachResult(problem:phase:_:)` with `.tuning`).
  public static func results(in directory: URL, registry: Registry = .standard) throws
    -> [TrialResult]
  {
    guard let data = StudyDirectory(directory).configData() else {
      throw StudyDirectoryError("'\(directory.path)' has no study.json (not a study directory)")
    }
    let config = try StudyConfig.load(data, registry: registry)
    var out: [TrialResult] = []
    try StudyRunner(config: config, directory: directory, registry: registry).forEachResult(
      phase: .reporting
    ) {
      out.append($0)
    }
    return out
  }
}

extension StoredResult {
  init(_ r: TrialResult) {
    self.init(
      finalLoss: r.finalLoss, escapeCost: r.escapeCost, counts: r.counts, steps: r.steps,
      curve: r.curve, failure: r.failure, heldOut: r.heldOut, heldOutMetrics: r.heldOutMetrics)
  }
}

extension Duration {
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }
}

final class ProgressCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var done: Int
  private(set) var ranCount = 0
  init(done: Int) { self.done = done }
  func ranOne() -> (done: Int, ran: Int) {
    lock.withLock {
      done += 1
      ranCount += 1
      return (done, ranCount)
    }
  }
  func finishedElsewhere(_ n: Int = 1) { lock.withLock { done += n } }
  var ran: Int { lock.withLock { ranCount } }
}

final class DeferredBox: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [StudyRunner.Trial] = []
  func append(_ trial: StudyRunner.Trial) { lock.withLock { list.append(trial) } }
  var items: [StudyRunner.Trial] { lock.withLock { list } }
}

final class FailureBox: @unchecked Sendable {
  private let lock = NSLock()
  private var messages: [String] = []
  func record(_ message: String) { lock.withLock { messages.append(message) } }
  var first: String? { lock.withLock { messages.sorted().first } }
}
