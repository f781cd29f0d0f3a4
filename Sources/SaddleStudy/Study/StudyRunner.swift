import Dispatch
import Foundation
import SaddleCore
import SaddleModels

/// The outcome of one run of a study, as written to `trials/<id>.json`.
public struct TrialResult: Codable, Sendable, Equatable {
  /// `problem/setting/seed`, unique within the study.
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
  /// ``Model/evaluate(at:seed:)``, e.g. the Transformers; nil for closed-form problems). All
  /// trials use the same held-out data (evaluation seed 0), so settings compare paired.
  public var heldOut: [[Double]]?
}

/// Runs a study: every (problem, setting, seed) trial not yet on disk, in parallel, each result
/// written atomically as its own file — a killed study resumes without redoing or losing
/// trials; shards (`k/n`) split the trials for a cluster's array jobs.
public struct StudyRunner: Sendable {
  /// The study.
  public var config: StudyConfig
  /// Where optimizer specs and problems are looked up.
  public var registry: Registry
  /// Where `study.json` and `trials/` go.
  public var directory: URL

  /// A value with every field given.
  public init(config: StudyConfig, directory: URL, registry: Registry = .standard) {
    self.config = config
    self.directory = directory
    self.registry = registry
  }

  /// One trial to run.
  public struct Trial: Sendable {
    /// `problem/setting/seed`.
    public var id: String
    /// Index into the config's problems.
    public var problemIndex: Int
    /// The best setting of the method's grid.
    public var setting: StudyConfig.Setting
    /// The seed (1…n).
    public var seed: Int
  }

  /// Every trial of the study, in a fixed order.
  public func trials() throws(SpecError) -> [Trial] {
    let settings = try config.settings()
    var out: [Trial] = []
    for (p, problem) in config.problems.enumerated() {
      for setting in settings {
        for seed in 1...config.seeds {
          out.append(
            Trial(
              id: "\(problem.label)/\(setting.label)/\(seed)", problemIndex: p, setting: setting,
              seed: seed))
        }
      }
    }
    return out
  }

  /// A file name for a trial id (safe characters only, plus a hash to keep ids distinct).
  public static func fileName(for id: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in id.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    let safe = String(id.map { $0.isLetter || $0.isNumber || "-_.=".contains($0) ? $0 : "_" })
    return "\(safe.prefix(80))-\(String(hash, radix: 16)).json"
  }

  var trialsDirectory: URL { directory.appendingPathComponent("trials") }

  /// Runs the trials of shard `shard` of `shards` that have no result file yet; returns how
  /// many ran and how many were already done.
  public func run(shard: Int = 0, of shards: Int = 1, progress: (@Sendable (String) -> Void)? = nil)
    throws -> (ran: Int, skipped: Int)
  {
    try FileOutput.createDirectory(trialsDirectory.path)
    let configData = try JSONEncoder.sorted.encode(config)
    let configPath = directory.appendingPathComponent("study.json").path
    if let existing = FileManager.default.contents(atPath: configPath), existing != configData {
      throw SpecError(
        location: "study directory '\(directory.path)'",
        "holds another study's results (study.json differs); use another --out")
    }
    try FileOutput.write(configData, to: configPath)
    let all = try trials().enumerated().filter { $0.offset % shards == shard }.map(\.element)
    let pending = all.filter {
      !FileManager.default.fileExists(
        atPath: trialsDirectory.appendingPathComponent(Self.fileName(for: $0.id)).path)
    }
    let failures = FailureBox()
    let jobs = pending
    DispatchQueue.concurrentPerform(iterations: Swift.max(1, Kernels.threadCount)) { worker in
      var index = worker
      while index < jobs.count {
        let trial = jobs[index]
        do {
          let result = try run(trial)
          let data = try JSONEncoder.sorted.encode(result)
          try FileOutput.write(
            data, to: trialsDirectory.appendingPathComponent(Self.fileName(for: trial.id)).path)
          progress?("done \(trial.id)")
        } catch {
          failures.record("\(trial.id): \(error)")
        }
        index += Swift.max(1, Kernels.threadCount)
      }
    }
    if let first = failures.first { throw SpecError(location: "study", first) }
    return (pending.count, all.count - pending.count)
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
        perturbedStart(saddle.point, norm: spec.perturbation ?? 1e-8, seed: seed).map {
          Float($0)
        })
      if let delta = spec.escapeDelta { threshold = saddle.value - delta }
      saddleValue = saddle.value
    }
    var state = optimizer.makeState(parameters: start, layout: model.layout, seed: seed)
    var points: [[Double]] = []
    var escapeCost: Int?
    var failure: String?
    let maxCost = config.budget.cost ?? Int.max
    let maxSteps = config.budget.steps ?? Int.max
    let spacing =
      Double(config.budget.cost ?? config.budget.steps ?? 1000)
      / Double((config.curvePoints ?? 100) - 1)
    var nextPoint = 0.0
    var heldOut: [[Double]] = []
    while state.step < maxSteps && state.evaluations.cost < maxCost {
      let before = state.evaluations.cost
      let loss: Double
      do {
        loss = try optimizer.step(&state, model: model, dataSeed: seed)
      } catch {
        failure = error.description
        break
      }
      if let threshold, escapeCost == nil, loss < threshold { escapeCost = before + 1 }
      let x = Double(config.budget.cost != nil ? before : state.step - 1)
      if x >= nextPoint {
        points.append([x, loss])
        nextPoint += spacing
        if let row = heldOutRow(model, state.parameters, x: x) { heldOut.append(row) }
      }
    }
    let xEnd = Double(config.budget.cost != nil ? state.evaluations.cost : state.step)
    if let row = heldOutRow(model, state.parameters, x: xEnd) { heldOut.append(row) }
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
      curve: points, failure: failure, heldOut: heldOut.isEmpty ? nil : heldOut)
  }

  /// `[x, held-out loss, accuracy]` at `parameters`, or nil for models without held-out data.
  func heldOutRow<M: Model>(_ model: M, _ parameters: ParameterVector, x: Double) -> [Double]? {
    let metrics = model.evaluate(at: parameters, seed: 0)
    guard let loss = metrics["loss"], loss.isFinite else { return nil }
    guard let accuracy = metrics["accuracy"] else { return [x, loss] }
    return [x, loss, accuracy]
  }

  /// Every result file under `directory/trials` (also after merging shards).
  public static func results(in directory: URL) throws -> [TrialResult] {
    let trials = directory.appendingPathComponent("trials")
    let names = try FileManager.default.contentsOfDirectory(atPath: trials.path)
      .filter { $0.hasSuffix(".json") }.sorted()
    return try names.map { name in
      let data = try Data(contentsOf: trials.appendingPathComponent(name))
      return try JSONDecoder().decode(TrialResult.self, from: data)
    }
  }
}

extension JSONEncoder {
  /// Sorted keys: the same config always encodes to the same bytes.
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }
}

final class FailureBox: @unchecked Sendable {
  private let lock = NSLock()
  private var messages: [String] = []
  func record(_ message: String) { lock.withLock { messages.append(message) } }
  var first: String? { lock.withLock { messages.sorted().first } }
}
