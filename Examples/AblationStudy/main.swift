// An ablation study over your own model, from code: the model is registered by name, the study
// (problems × optimizer grid × seeds) runs in a directory, and its report is printed. The same
// model's escape cost is then measured directly with `EscapeRunner`.
// Run: swift run AblationStudy [--quick] [--out DIR]
import Foundation
import SaddleKit

/// `f(a, b) = ½ Σᵢ (aᵢbᵢ − yᵢ)²` with targets `yᵢ = κ^(−i/(n−1))`, `i = 0 … n−1`: `n`
/// independent scalar factorizations. The origin is a strict saddle with `f = ½ Σ yᵢ²` and
/// Hessian eigenvalues `±yᵢ` (the weakest negative curvature is `−1/κ`); the minima have
/// `aᵢbᵢ = yᵢ`, `f = 0`. Runs start at the origin plus a seeded perturbation of norm `1e-6`.
///
/// It declares its saddle (`SaddleDeclaring`), so studies and `EscapeRunner` measure the cost
/// of escaping it; the escape depth is a tenth of the saddle's value.
struct PairedFactorization: SaddleDeclaring {
  var pairs: Int
  var kappa: Double

  var targets: [Double] {
    (0..<pairs).map { pow(kappa, -Double($0) / Double(Swift.max(pairs - 1, 1))) }
  }
  var layout: ParameterLayout {
    ParameterLayout([(name: "a", shape: [pairs]), (name: "b", shape: [pairs])])
  }
  var saddleValue: Double? { 0.5 * targets.reduce(0) { $0 + $1 * $1 } }
  var escapeDepth: Double? { saddleValue.map { $0 / 10 } }

  func initialParameters(seed: UInt64) -> ParameterVector {
    ParameterVector(
      perturbedPoint([Double](repeating: 0, count: 2 * pairs), norm: 1e-6, seed: seed).map {
        Float($0)
      })
  }
  func loss(at p: ParameterVector, on batch: Void) -> Double {
    var g = ParameterVector(count: 2 * pairs)
    return lossAndGradient(at: p, on: batch, into: &g)
  }
  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    var f = 0.0
    for (i, y) in targets.enumerated() {
      let (a, b) = (Double(p[i]), Double(p[pairs + i]))
      let r = a * b - y
      f += 0.5 * r * r
      g[i] = Float(r * b)
      g[pairs + i] = Float(r * a)
    }
    return f
  }
}

func main() throws {
  let arguments = Array(CommandLine.arguments.dropFirst())
  if arguments.contains("--help") || arguments.contains("-h") {
    print("usage: AblationStudy [--quick] [--out DIR]")
    print("  --quick    3 seeds and a 1500-cost budget (default: 10 seeds, 4000)")
    print("  --out DIR  the study directory (default: a new temporary directory)")
    return
  }
  var out: String?
  var quick = false
  var i = 0
  while i < arguments.count {
    switch arguments[i] {
    case "--quick": quick = true
    case "--out" where i + 1 < arguments.count:
      out = arguments[i + 1]
      i += 1
    default: throw UsageError(description: "unknown argument '\(arguments[i])' (see --help)")
    }
    i += 1
  }

  // 1. Register the model by name; its parameters are checked like every built-in problem's.
  var registry = Registry.standard
  registry.register(
    model: "paired-factorization",
    summary: "½Σ(aᵢbᵢ − yᵢ)², yᵢ = κ^(−i/(n−1)); saddle at 0, Hessian eigenvalues ±yᵢ"
  ) { p in
    PairedFactorization(
      pairs: try p.int("pairs", default: 4, in: .closed(1, 10_000)),
      kappa: try p.double("kappa", default: 10, in: .atLeast(1)))
  }

  // 2. The study: gradient descent, Adam, and DEO over gradient descent with a grid over its
  //    period, on two conditionings. escapeDelta = a tenth of ½Σyᵢ² (the model's own depth).
  let problems = [(kappa: 10.0, label: "κ=10"), (kappa: 100.0, label: "κ=100")].map { p in
    let model = PairedFactorization(pairs: 4, kappa: p.kappa)
    return """
      {"label": "paired \(p.label)", "problem": "paired-factorization",
       "parameters": {"pairs": 4, "kappa": \(p.kappa)}, "escapeDelta": \(model.escapeDepth!)}
      """
  }
  let seeds = quick ? 3 : 10
  let budget = quick ? 1500 : 4000
  let text = """
    {"name": "paired-factorization-ablation", "seeds": \(seeds), "budget": {"cost": \(budget)},
     "problems": [\(problems.joined(separator: ", "))],
     "optimizers": [
       {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
       {"label": "adam", "spec": [{"stage": "adam", "learningRate": 0.01}]},
       {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5, "stepSize": 0.1}],
        "grid": {"0.period": [5, 20]}}]}
    """
  let config = try StudyConfig.load(Data(text.utf8), registry: registry)
  let directory =
    out.map { URL(fileURLWithPath: $0) }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent(
      "AblationStudy-\(UUID().uuidString)")
  let study = StudyRunner(config: config, directory: directory, registry: registry)
  let (ran, skipped) = try study.run()
  print("study: \(ran) trials run, \(skipped) already done, in \(directory.path)")

  // 3. The report (also written as report.md, report.csv, … into the directory).
  let report = StudyReport(
    results: try StudyRunner.results(in: directory, registry: registry), config: config)
  print(try report.write(to: directory, title: "Study '\(config.name)'"))

  // 4. The same escape cost without a study: EscapeRunner on the model itself (same
  //    definition, same seeds 1…n, the model's declared depth).
  let runner = EscapeRunner(costBudget: budget)
  let summary = try runner.run(
    PairedFactorization(pairs: 4, kappa: 100), optimizer: Optimizer { SGD(learningRate: 0.5) },
    seeds: 1...UInt64(seeds))
  let median = summary.median.estimate.map { humanNumber($0) } ?? "not reached"
  print(
    "EscapeRunner, gd on paired κ=100: \(summary.escaped)/\(seeds) escaped, median escape cost "
      + median)
}

struct UsageError: Error, CustomStringConvertible {
  var description: String
}

do {
  try main()
} catch let error as UsageError {
  FileHandle.standardError.write(Data("AblationStudy: \(error)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("AblationStudy: \(error)\n".utf8))
  exit(1)
}
