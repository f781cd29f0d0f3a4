// A curvature estimator written outside SaddleKit, registered by name, used from a JSON
// optimizer spec and in a study (compared with the built-in dimer), with the study's report
// printed. Run: swift run RegisterEstimator [--quick] [--out DIR]
//
// The estimator, `axis-curvature`, measures the curvature eᵢᵀHeᵢ along each coordinate axis
// with a central finite-difference Hessian-vector product (2 gradients per axis) and returns
// the axis of lowest curvature: exact for a diagonal Hessian, a cheap guess otherwise.
import Foundation
import SaddleKit

/// `N = e_k`, `C = e_kᵀHe_k` with `k = argminᵢ eᵢᵀHeᵢ`, each `Heᵢ` from central differences of
/// the gradient with probe distance `step` (`FiniteDifferenceHVP`). Cost: 2 gradients per axis.
struct AxisCurvature: CurvatureEstimator {
  /// The finite-difference probe distance `h > 0`.
  var step: Double

  /// Nothing to carry between calls but the last axis chosen (for the printout).
  struct State: Codable, Sendable {
    var axis = 0
  }

  func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let n = context.parameters.count
    var workspace = HVPWorkspace()
    var axis = ParameterVector(count: n)
    var product = ParameterVector(count: n)
    var best = (index: 0, curvature: Double.infinity)
    for i in 0..<n {
      if i > 0 { axis[i - 1] = 0 }
      axis[i] = 1
      FiniteDifferenceHVP(step: step).product(
        at: context.parameters, along: axis, into: &product, objective: &objective,
        workspace: &workspace)
      if Double(product[i]) < best.curvature { best = (i, Double(product[i])) }
    }
    state.axis = best.index
    let direction = ParameterVector(count: n) { $0 == best.index ? 1 : 0 }
    return CurvatureEstimate(direction: direction, curvature: best.curvature, step: context.step)
  }
}

/// Registers `axis-curvature` (one parameter, `step`) next to every built-in stage and problem.
func registry() -> Registry {
  var registry = Registry.standard
  registry.register(
    estimator: "axis-curvature",
    summary: "lowest eᵢᵀHeᵢ over the coordinate axes (finite differences, 2 gradients per axis)"
  ) { p in
    AxisCurvature(step: try p.double("step", default: 1e-3, in: .greaterThan(0)))
  }
  return registry
}

func main() throws {
  let arguments = Array(CommandLine.arguments.dropFirst())
  if arguments.contains("--help") || arguments.contains("-h") {
    print("usage: RegisterEstimator [--quick] [--out DIR]")
    print("  --quick    3 seeds and a 300-cost budget (default: 10 seeds, 1000)")
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
  let registry = registry()

  // 1. From a JSON spec: every 10 steps find the lowest-curvature axis, then gradient descent
  //    plus a step down along that axis when its curvature is negative.
  let spec = """
    [{"stage": "axis-curvature", "step": 1e-3, "every": 10},
     {"stage": "sgd", "learningRate": 0.1},
     {"stage": "negative-curvature-step", "stepSize": 0.1}]
    """
  let optimizer = try registry.optimizer(fromJSON: spec)
  let model = try registry.model(named: "ill-conditioned-saddle", fields: ["dimension": .int(6)])
  func descend<M: Model>(_ model: M) throws -> (loss: Double, cost: Int) {
    var state = optimizer.makeState(for: model, seed: 1)
    var loss = 0.0
    for _ in 0..<100 { loss = try optimizer.step(&state, model: model) }
    return (loss, state.evaluations.cost)
  }
  let run = try descend(model)
  print(
    "JSON spec on ill-conditioned-saddle (d = 6): loss \(humanNumber(run.loss)) after 100 steps, "
      + "cost \(run.cost) (gradients, the estimator's included)")

  // 2. In a study: gradient descent alone, with the user's estimator, and with the dimer.
  let seeds = quick ? 3 : 10
  let budget = quick ? 300 : 1000
  let config = try StudyConfig.load(
    Data(
      """
      {"name": "register-estimator", "seeds": \(seeds), "budget": {"cost": \(budget)},
       "problems": [
         {"label": "quartic double well", "problem": "quartic-double-well",
          "escapeDelta": 0.03125}],
       "optimizers": [
         {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.1}]},
         {"label": "axis-curvature", "spec": \(spec)},
         {"label": "dimer", "spec": [{"stage": "dimer", "every": 10},
           {"stage": "sgd", "learningRate": 0.1},
           {"stage": "negative-curvature-step", "stepSize": 0.1}]}]}
      """.utf8), registry: registry)
  let directory =
    out.map { URL(fileURLWithPath: $0) }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent(
      "RegisterEstimator-\(UUID().uuidString)")
  let study = StudyRunner(config: config, directory: directory, registry: registry)
  let (ran, skipped) = try study.run()
  print("study: \(ran) trials run, \(skipped) already done, in \(directory.path)")
  let report = StudyReport(
    results: try StudyRunner.results(in: directory, registry: registry), config: config)
  print(try report.write(to: directory, title: "Study '\(config.name)'"))
}

struct UsageError: Error, CustomStringConvertible {
  var description: String
}

do {
  try main()
} catch let error as UsageError {
  FileHandle.standardError.write(Data("RegisterEstimator: \(error)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("RegisterEstimator: \(error)\n".utf8))
  exit(1)
}
