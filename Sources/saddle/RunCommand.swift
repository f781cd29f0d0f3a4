import Foundation
import SaddleKit

enum RunCommand {
  static let options = [
    OptionSpec(
      name: "problem", valueName: "NAME", help: "A registered problem (see `saddle list`)."),
    OptionSpec(name: "dim", valueName: "D", help: "The problem's dimension, where it has one."),
    OptionSpec(
      name: "param", valueName: "KEY=VALUE",
      help: "Set a problem/model parameter (repeatable; see `saddle list --model NAME`).",
      repeatable: true),
    OptionSpec(
      name: "allow-large", valueName: nil,
      help: "Accept an optimizer spec of more than 10,000 stages."),
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
        "Write one JSON object per step: step, time (s), loss (before the step), params (after), "
        + "evaluation counts, learning rates, stage metrics."),
    OptionSpec(
      name: "trace-every", valueName: "K",
      help: "Write trace and metrics lines every K steps only (1)."),
    OptionSpec(
      name: "trace-params", valueName: "WHICH",
      help:
        "Parameters in trace lines: none, all or first:N (all for ≤ 16 parameters, else first:16)."),
    OptionSpec(
      name: "metrics", valueName: "FILE.csv",
      help: "Write a CSV row per step (every K with --trace-every): step, time, loss, cost, "
        + "learning rates, stage summaries and metrics, held-out metrics."),
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
    saddle run --problem NAME [--dim D] [--param KEY=VALUE]... --optimizer SPEC --steps N [--seed S] [--start X1,...]
                      [--trace FILE [--trace-params none|all|first:N]] [--metrics FILE.csv]
                      [--trace-every K] [--checkpoint DIR [--checkpoint-every K] [--resume]]
                      [--on-nonfinite stop|skip|rollback]
    """

  struct RunOptions {
    var steps: Int
    var seed: UInt64
    var start: [Double]?
    var trace: String?
    var traceEvery = 1
    var traceParameters: TraceParameters?
    var metrics: String?
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
    options.traceEvery = try args.int("trace-every", min: 1) ?? 1
    if let text = args.string("trace-params") {
      guard let which = TraceParameters(parsing: text) else {
        throw UsageError(
          "saddle run: --trace-params expects none, all or first:N (N ≥ 1), got '\(text)'")
      }
      options.traceParameters = which
    }
    options.metrics = args.string("metrics")
    if let start = options.start {
      for (index, x) in start.enumerated() where !Float(x).isFinite {
        throw UsageError(
          "saddle run: --start value \(index + 1) (\(x)) overflows float32, the parameters' "
            + "type (accepted: |x| ≤ 3.4e38)")
      }
    }
    let model = try makeModel(problemName, args: args, registry: registry)
    let (specData, specSource) = try readSpec(specText, command: "run")
    let optimizer = try registry.optimizer(
      fromJSON: specData, source: specSource, layout: model.layout,
      allowLarge: args.has("allow-large"))
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
    let clock = ContinuousClock()
    let began = clock.now
    var trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: steps), dataSeed: seed)
    trainer.nonFinitePolicy = run.policy
    trainer.evaluationInterval = run.evaluationInterval ?? max(1, steps / 10)
    trainer.checkpointStore = run.checkpoint
    trainer.checkpointEvery = run.checkpointEvery
    trainer.modelName = problemName
    let start = run.start.map { ParameterVector($0.map { Float($0) }) }
    var (state, previous) = try trainer.start(seed: seed, resume: run.resume, at: start)
    let resumedAt = state.step > 0 ? state.step : nil
    if let resumedAt { print("resumed from step \(resumedAt)") }
    var observers: [any TrainingObserver] = [
      ProgressObserver(totalSteps: steps, interval: max(1, steps / 10))
    ]
    var traceObserver: JSONLinesObserver?
    if let trace {
      do {
        traceObserver = try JSONLinesObserver(
          url: URL(fileURLWithPath: trace),
          parameters: run.traceParameters ?? .defaultFor(count: model.layout.count),
          every: run.traceEvery, resumingAfter: resumedAt)
      } catch {
        throw RunError("saddle run: \(error.message)")
      }
      observers.append(traceObserver!)
    }
    var metricsObserver: MetricsCSVObserver?
    if let metrics = run.metrics {
      do {
        metricsObserver = try MetricsCSVObserver(
          url: URL(fileURLWithPath: metrics), every: run.traceEvery, resumingAfter: resumedAt)
      } catch {
        throw RunError("saddle run: \(error.message)")
      }
      observers.append(metricsObserver!)
    }
    trainer.observers = observers
    let history = trainer.run(&state, continuing: previous)
    let elapsed = clock.now - began
    if let error = traceObserver?.writeError { throw RunError("saddle run: \(error)") }
    if let error = metricsObserver?.writeError { throw RunError("saddle run: \(error)") }
    print("problem      \(problemName) (\(model.layout.count) parameters)")
    print("steps        \(state.step)  (\(history.stopReason.summary))")
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
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print("time         \(HumanFormat.duration(seconds))")
    if let failure = history.failure { throw RunError("saddle run: \(failure)") }
  }

  /// The model named `name` with `--dim` and `--param key=value` fields, validated by the
  /// registry (an unknown key names the accepted ones).
  static func makeModel(_ name: String, args: ParsedArguments, registry: Registry) throws
    -> any Model
  {
    var fields = try args.parameterFields()
    if let dim = try args.int("dim", min: 1) {
      guard fields["dimension"] == nil else {
        throw UsageError(
          "saddle \(args.command): give --dim or --param dimension=…, not both")
      }
      fields["dimension"] = .int(dim)
    }
    do {
      return try registry.model(named: name, fields: fields)
    } catch {
      if let field = error.field, fields[field] != nil { throw error.at("--param") }
      throw error
    }
  }

  /// Inline JSON (source `--optimizer`), or the bytes of a file (source: its path); both are
  /// read by the strict JSON parser.
  static func readSpec(_ text: String, command: String) throws -> (Data, String) {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") { return (Data(text.utf8), "--optimizer") }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory) else {
      throw UsageError(
        "saddle \(command): --optimizer '\(text)' is neither inline JSON nor an existing file")
    }
    guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: text) else {
      throw UsageError(
        "saddle \(command): cannot read optimizer spec file '\(text)' (a readable JSON file is accepted)"
      )
    }
    return (data, text)
  }
}
