// Trains a small Transformer on the induction (in-context copy) task with Adam, writes the loss
// curve as CSV and reports where the loss plateau ends. Then the same with corrected DEO over
// Adam (`Presets.deoAdam`: a per-tensor forward dimer every 10 steps, projection of the
// negative-curvature direction, Adam, a small descending step along it), so the two curves can
// be compared; `--adam-only` skips the DEO run. Parameters and arithmetic are float32.
//
// The committed curve was made with
//   swift run -c release DEOOnTransformer --output Benchmarks/Induction/loss-curve.csv
// (`--output` is required except with --quick, so a run never overwrites it by accident).
// `--help` prints every flag (the `usage` text below).
import Foundation
import SaddleKit

let usage = """
  usage: DEOOnTransformer --output PATH [options]
         DEOOnTransformer --quick [--output PATH] [options]

  Adam, then corrected DEO over Adam, on the induction task; writes the loss curve as CSV
  (optimizer,step,train_loss,eval_loss,eval_accuracy). Float32 parameters and kernels.

    --output PATH          CSV path (required, except with --quick: then a new file in a new
                           temporary directory, printed at the end)
    --steps N              optimizer steps (default 2000; 40 with --quick)
    --eval-every K         steps between held-out evaluations (default 25; 10 with --quick)
    --learning-rate LR     Adam's learning rate (default 5e-4)
    --vocabulary V         vocabulary size (default 256)
    --sequence-length T    sequence length (default 32)
    --width D              model width; the MLP is 4·D wide (default 32)
    --periods MIN-MAX      range of the repeated block's length (default 8-16)
    --seed S               initialization and data seed (default 0)
    --quick                a tiny model and a few dozen steps (for tests; runs in seconds;
                           ignores --vocabulary, --sequence-length, --width and --periods)
    --adam-only            skip the DEO run
    --diagnose-at S1,S2    instead of training twice: Adam with curvature diagnostics at these
                           steps (dimer vs Lanczos λ_min, SLQ spectral density), written as
                           JSON to --output
    --batch B              batch rows (default 32)
    -h, --help             this text
  """

struct Options {
  var output: String?
  var steps: Int?
  var evaluationInterval: Int?
  var learningRate = 5e-4
  var seed: UInt64 = 0
  var quick = false
  var adamOnly = false
  var vocabulary = 256
  var sequenceLength = 32
  var width = 32
  var periods = 8...16
  var diagnoseAt: [Int]?
  var batch = 32

  init(_ arguments: [String]) throws {
    var i = 0
    func value() throws -> String {
      i += 1
      guard i < arguments.count else { throw UsageError("\(arguments[i - 1]) needs a value") }
      return arguments[i]
    }
    while i < arguments.count {
      switch arguments[i] {
      case "--output": output = try value()
      case "--steps": steps = try Self.positive(try value(), "--steps")
      case "--eval-every": evaluationInterval = try Self.positive(try value(), "--eval-every")
      case "--learning-rate":
        guard let lr = Double(try value()), lr > 0 else {
          throw UsageError("--learning-rate needs a positive number")
        }
        learningRate = lr
      case "--seed":
        guard let s = UInt64(try value()) else { throw UsageError("--seed needs an integer ≥ 0") }
        seed = s
      case "--quick": quick = true
      case "--adam-only": adamOnly = true
      case "--batch": batch = try Self.positive(try value(), "--batch")
      case "--diagnose-at":
        let steps = try value().split(separator: ",").compactMap { Int($0) }
        guard !steps.isEmpty, steps.allSatisfy({ $0 >= 0 }) else {
          throw UsageError("--diagnose-at needs steps ≥ 0, e.g. 0,150,350")
        }
        diagnoseAt = steps
      case "--vocabulary": vocabulary = try Self.positive(try value(), "--vocabulary")
      case "--sequence-length":
        sequenceLength = try Self.positive(try value(), "--sequence-length")
      case "--width": width = try Self.positive(try value(), "--width")
      case "--periods":
        let parts = try value().split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] else {
          throw UsageError("--periods needs MIN-MAX, e.g. 4-11")
        }
        periods = parts[0]...parts[1]
      case "--help", "-h":
        print(usage)
        exit(0)
      default: throw UsageError("unknown argument '\(arguments[i])' (see --help)")
      }
      i += 1
    }
  }

  static func positive(_ text: String, _ flag: String) throws -> Int {
    guard let n = Int(text), n >= 1 else { throw UsageError("\(flag) needs an integer ≥ 1") }
    return n
  }
}

struct UsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// One row of the loss curve.
struct CurvePoint {
  var optimizer: String
  var step: Int
  /// Mean training loss over the steps since the previous row (the loss before each update).
  var trainLoss: Double
  var evalLoss: Double
  var evalAccuracy: Double
}

/// Where the plateau ends: the plateau starts at the first evaluation after which the eval loss
/// stays within `flatness` (relative) for `window` evaluations; its level is their mean. The
/// escape is the first later evaluation with eval loss below `level − margin·level`.
struct PlateauAnalysis {
  var start: Int?
  var level: Double?
  var escape: Int?

  init(_ curve: [CurvePoint], window: Int = 6, flatness: Double = 0.03, margin: Double = 0.2) {
    let losses = curve.map(\.evalLoss)
    guard losses.count > window else { return }
    for i in 1..<(losses.count - window) {
      let slice = losses[i...(i + window)]
      let mean = slice.reduce(0, +) / Double(slice.count)
      if slice.allSatisfy({ abs($0 - mean) <= flatness * mean }) {
        start = curve[i].step
        level = mean
        if let j = losses.indices.first(where: { $0 > i && losses[$0] < mean * (1 - margin) }) {
          escape = curve[j].step
        }
        return
      }
    }
  }
}

func main() throws {
  let options = try Options(Array(CommandLine.arguments.dropFirst()))
  let quick = options.quick
  let steps = options.steps ?? (quick ? 40 : 2000)
  let interval = options.evaluationInterval ?? (quick ? 10 : 25)
  let output: String
  if let given = options.output {
    output = given
  } else if quick {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("DEOOnTransformer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    output = directory.appendingPathComponent("loss-curve.csv").path
  } else {
    throw UsageError("--output PATH is required (without --quick); see --help")
  }
  let task =
    quick
    ? InductionTask(vocabularySize: 16, sequenceLength: 12, periods: 3...6)
    : InductionTask(
      vocabularySize: options.vocabulary, sequenceLength: options.sequenceLength,
      periods: options.periods)
  let configuration =
    quick
    ? TransformerConfiguration(
      vocabularySize: 16, modelWidth: 16, layerCount: 2, headCount: 2, mlpWidth: 32,
      sequenceLength: 12, batchSize: 8)
    : TransformerConfiguration(
      vocabularySize: options.vocabulary, modelWidth: options.width, layerCount: 2, headCount: 2,
      mlpWidth: 4 * options.width, sequenceLength: options.sequenceLength,
      batchSize: options.batch)
  let model = TransformerModel(
    configuration: configuration, task: task, threads: 2, evaluationRows: quick ? 16 : 256)
  print(
    "Induction task: vocabulary \(task.vocabularySize), sequence \(task.sequenceLength), "
      + "periods \(task.periods.lowerBound)…\(task.periods.upperBound); Transformer "
      + "\(configuration.layerCount) layers, width \(configuration.modelWidth), "
      + "\(configuration.headCount) heads, MLP \(configuration.mlpWidth), batch "
      + "\(configuration.batchSize), \(model.layout.count) parameters")
  print(
    "Chance level: log V = \(String(format: "%.3f", log(Double(task.vocabularySize)))) nats; "
      + "copying any earlier token of the period without order: about log P̄ = "
      + "\(String(format: "%.3f", log(Double(task.periods.lowerBound + task.periods.upperBound) / 2)))"
  )

  if let chosen = options.diagnoseAt {
    let start = Date()
    let samples = try CurvatureDiagnostics.run(
      model: model, learningRate: options.learningRate, steps: (chosen.max() ?? 0) + 1,
      at: Set(chosen), seed: options.seed)
    for s in samples {
      print(
        String(
          format: "step %d: eval loss %.4f; dimer C %+.4e; Lanczos λ_min %+.4e, λ_max %+.4e; "
            + "angle %.1f°; relative error %.3f; SLQ nodes < 0: weight %.3f",
          s.step, s.loss, s.dimerCurvature, s.lanczosMinimum, s.lanczosMaximum, s.angleDegrees,
          s.relativeError, s.density.cumulative(-1e-12)))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try encoder.encode(samples).write(to: URL(fileURLWithPath: output))
    print("wrote \(output) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    return
  }

  func train<R: UpdateRule>(_ name: String, _ optimizer: Optimizer<R>) throws -> [CurvePoint] {
    var state = optimizer.makeState(for: model, seed: options.seed)
    let start = Date()
    let initial = model.evaluate(at: state.parameters, seed: options.seed)
    var curve = [
      CurvePoint(
        optimizer: name, step: 0, trainLoss: .nan, evalLoss: initial["loss"]!,
        evalAccuracy: initial["accuracy"]!)
    ]
    var sum = 0.0
    var count = 0
    for step in 1...steps {
      sum += try optimizer.step(&state, model: model, dataSeed: options.seed)
      count += 1
      if step % interval == 0 || step == steps {
        let metrics = model.evaluate(at: state.parameters, seed: options.seed)
        curve.append(
          CurvePoint(
            optimizer: name, step: step, trainLoss: sum / Double(count),
            evalLoss: metrics["loss"]!, evalAccuracy: metrics["accuracy"]!))
        sum = 0
        count = 0
      }
    }
    let seconds = Date().timeIntervalSince(start)
    let last = curve.last!
    print(
      "\(name): \(steps) steps in \(String(format: "%.1f", seconds)) s; final eval loss "
        + "\(String(format: "%.4f", last.evalLoss)), accuracy "
        + "\(String(format: "%.3f", last.evalAccuracy))")
    let analysis = PlateauAnalysis(curve)
    if let start = analysis.start, let level = analysis.level {
      let levelText = String(format: "%.3f", level)
      if let escape = analysis.escape {
        print(
          "\(name): plateau from step \(start) at eval loss ≈ \(levelText); escape at step "
            + "\(escape) (eval loss < 0.8 × plateau level); plateau length \(escape - start) steps")
      } else {
        print("\(name): plateau from step \(start) at eval loss ≈ \(levelText); no escape yet")
      }
    } else {
      print("\(name): no plateau found (the eval loss never stayed flat for 6 evaluations)")
    }
    return curve
  }

  var runs: [CurvePoint] = []
  runs += try train("adam", Optimizer { Adam(learningRate: .constant(options.learningRate)) })
  if !options.adamOnly {
    runs += try train(
      "deo-adam",
      Presets.deoAdam(
        learningRate: .constant(options.learningRate), period: 10,
        dimer: Dimer(separation: 1e-3, rotations: 1, differences: .forward, scope: .perSegment),
        step: NegativeCurvatureStep(size: .fixed(1e-3), threshold: 0)))
  }

  var csv = "optimizer,step,train_loss,eval_loss,eval_accuracy\n"
  for p in runs {
    let train = p.trainLoss.isNaN ? "" : String(format: "%.6f", p.trainLoss)
    csv +=
      "\(p.optimizer),\(p.step),\(train),\(String(format: "%.6f", p.evalLoss)),"
      + "\(String(format: "%.4f", p.evalAccuracy))\n"
  }
  let url = URL(fileURLWithPath: output)
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try csv.write(to: url, atomically: true, encoding: .utf8)
  print("wrote \(runs.count) rows to \(output)")
}

do {
  try main()
} catch let error as UsageError {
  FileHandle.standardError.write(Data("DEOOnTransformer: \(error)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("DEOOnTransformer: \(error)\n".utf8))
  exit(1)
}
