import Foundation
import SaddleKit

enum RunCommand {
  static let options = [
    OptionSpec(
      name: "problem", valueName: "NAME", help: "A registered problem (see `saddle list`)."),
    OptionSpec(name: "dim", valueName: "D", help: "The problem's dimension, where it has one."),
    OptionSpec(
      name: "optimizer", valueName: "SPEC",
      help: "Inline JSON (a list of stages) or a path to a JSON file."),
    OptionSpec(name: "steps", valueName: "N", help: "Number of optimizer steps."),
    OptionSpec(
      name: "seed", valueName: "S",
      help:
        "Seed for random draws (0); for a closed-form problem's default start, seeds other "
        + "than 0 start 1e-8 off it."),
    OptionSpec(
      name: "start", valueName: "X1,X2,...", help: "Starting point (default: the problem's)."),
    OptionSpec(
      name: "trace", valueName: "FILE",
      help:
        "Write one JSON object per step: step, loss (before the step), params (after), gradEvals."),
    OptionSpec(
      name: "eval-every", valueName: "K",
      help: "Held-out evaluation every K steps, for models that have one (default: steps/10)."),
    OptionSpec(
      name: "checkpoint", valueName: "DIR",
      help: "Write checkpoints (atomic, checksummed) into DIR: at the end and every K steps."),
    OptionSpec(name: "checkpoint-every", valueName: "K", help: "Checkpoint every K steps."),
    OptionSpec(
      name: "resume", valueName: nil,
      help: "Continue from the newest checkpoint in DIR (the same bits as never stopping)."),
    OptionSpec(
      name: "on-nonfinite", valueName: "POLICY",
      help: "stop (default), skip, or rollback (to the last good state, halving the step)."),
  ]

  static let usage = """
    saddle run --problem NAME [--dim D] --optimizer SPEC --steps N [--seed S] [--start X1,...]
                      [--trace FILE] [--checkpoint DIR [--checkpoint-every K] [--resume]]
                      [--on-nonfinite stop|skip|rollback]
    """

  struct RunOptions {
    var steps: Int
    var seed: UInt64
    var start: [Double]?
    var trace: String?
    var problemName: String
    var resume: Bool
    var checkpoint: CheckpointStore?
    var checkpointEvery: Int?
    var policy: NonFinitePolicy = .stop
    var evaluationInterval: Int?
  }

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "run", options: options)
    if args.has("help") {
      print(
        helpText(
          usage: usage,
          summary: "Runs one optimizer on one problem and prints a summary (float32 parameters).",
          options: options))
      return
    }
    guard let problemName = args.string("problem") else {
      throw UsageError("saddle run: --problem is required (see `saddle list` for problems)")
    }
    guard let specText = args.string("optimizer") else {
      throw UsageError(
        "saddle run: --optimizer is required, e.g. --optimizer '[{\"stage\":\"adam\"}]'")
    }
    guard let steps = try args.int("steps", min: 1) else {
      throw UsageError("saddle run: --steps is required (an integer ≥ 1)")
    }
    var options = RunOptions(
      steps: steps, seed: try args.uint64("seed", default: 0), start: try args.doubles("start"),
      trace: args.string("trace"), problemName: problemName, resume: args.has("resume"))
    if let directory = args.string("checkpoint") {
      options.checkpoint = CheckpointStore(directory: URL(fileURLWithPath: directory))
      options.checkpointEvery = try args.int("checkpoint-every", min: 1)
    } else if args.has("resume") || args.string("checkpoint-every") != nil {
      throw UsageError("saddle run: --resume and --checkpoint-every need --checkpoint DIR")
    }
    options.evaluationInterval = try args.int("eval-every", min: 1)
    if let name = args.string("on-nonfinite") {
      guard let policy = NonFinitePolicy(named: name) else {
        throw UsageError("saddle run: --on-nonfinite expects stop, skip or rollback, got '\(name)'")
      }
      options.policy = policy
    }
    var fields: [String: JSONValue] = [:]
    if let dim = try args.int("dim", min: 1) { fields["dimension"] = .int(dim) }
    let model = try registry.model(named: problemName, fields: fields)
    let optimizer = try registry.optimizer(fromJSON: try readSpec(specText, command: "run"))
    try execute(model: model, optimizer: optimizer, options: options)
  }

  static func execute<M: Model>(model: M, optimizer: DynamicOptimizer, options run: RunOptions)
    throws
  {
    let steps = run.steps
    let seed = run.seed
    let trace = run.trace
    let problemName = run.problemName
    if let start = run.start, start.count != model.layout.count {
      throw UsageError(
        "saddle run: --start has \(start.count) values but problem '\(problemName)' has \(model.layout.count) parameters"
      )
    }
    var observers: [any TrainingObserver] = [
      ProgressObserver(totalSteps: steps, interval: max(1, steps / 10))
    ]
    var traceObserver: JSONLinesObserver?
    if let trace {
      do {
        traceObserver = try JSONLinesObserver(
          url: URL(fileURLWithPath: trace), includeParameters: true)
      } catch {
        throw RunError("saddle run: \(error.message)")
      }
      observers.append(traceObserver!)
    }
    let clock = ContinuousClock()
    let began = clock.now
    var trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: steps), dataSeed: seed,
      observers: observers)
    trainer.nonFinitePolicy = run.policy
    trainer.evaluationInterval = run.evaluationInterval ?? max(1, steps / 10)
    trainer.checkpointStore = run.checkpoint
    trainer.checkpointEvery = run.checkpointEvery
    trainer.modelName = problemName
    var (state, previous) = try trainer.start(seed: seed, resume: run.resume)
    if state.step == 0, let start = run.start {
      state = optimizer.makeState(
        parameters: ParameterVector(start.map { Float($0) }), layout: model.layout, seed: seed)
    } else if state.step > 0 {
      print("resumed from step \(state.step)")
    }
    let history = trainer.run(&state, continuing: previous)
    let elapsed = clock.now - began
    if let error = traceObserver?.writeError { throw RunError("saddle run: \(error) (\(trace!))") }
    print("problem      \(problemName) (\(model.layout.count) parameters)")
    print("steps        \(state.step)  (stopped: \(history.stopReason.rawValue))")
    print("final loss   \(history.finalLoss)")
    print(
      "evaluations  \(history.counts.gradients) gradients, \(history.counts.losses) losses, \(history.counts.hessianVectorProducts) HVPs (cost \(history.counts.cost))"
    )
    let heldOut = model.evaluate(at: state.parameters, seed: seed)
    if !heldOut.isEmpty {
      print(
        "held-out     "
          + heldOut.sorted { $0.key < $1.key }.map {
            "\($0.key) \(String(format: "%.6g", $0.value))"
          }
          .joined(separator: ", "))
    }
    if model.layout.count <= 10 {
      print("parameters   [" + state.parameters.map { "\($0)" }.joined(separator: ", ") + "]")
    }
    print("time         \(elapsed)")
    if let failure = history.failure { throw RunError("saddle run: \(failure)") }
  }

  /// Inline JSON, or the contents of a file.
  static func readSpec(_ text: String, command: String) throws -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") { return text }
    guard FileManager.default.fileExists(atPath: text) else {
      throw UsageError(
        "saddle \(command): --optimizer '\(text)' is neither inline JSON nor an existing file")
    }
    guard let data = FileManager.default.contents(atPath: text),
      let contents = String(data: data, encoding: .utf8)
    else {
      throw UsageError("saddle \(command): cannot read optimizer spec file '\(text)'")
    }
    return contents
  }
}
