import Dispatch
import Foundation
import SaddleCore
import SaddleModels

/// Measures how many evaluations optimizers need to escape saddle points.
///
/// Every run starts at a known saddle `θ_s` of a closed-form problem plus a seeded perturbation
/// of norm `perturbation` (1e-8 by default), and stops when `f(θ) < f(θ_s) − δ` (escaped) or
/// when the cost budget is spent. The escape time is the cost — gradients + loss-only
/// evaluations + 2·exact HVPs, every evaluation of every stage and estimator counted — up to
/// and including the evaluation that saw the loss below the threshold
/// (`reference/test-problems.md`). Each method is tried with every setting of its grid on
/// every seed; its best setting per problem (lowest median escape cost) is reported.
public struct EscapeBenchmark: Sendable {
  /// A saddle to escape from.
  public struct Problem: Sendable {
    /// The name shown in tables, e.g. `ill-conditioned-saddle(κ=100)`.
    public var label: String
    /// The catalog name and parameters (rebuilt per run, so runs share nothing).
    public var catalogName: String
    /// Parameters for `ProblemCatalog.make(_:dimension:parameters:)`.
    public var parameters: [String: Double]
    /// Which listed saddle to start from.
    public var saddleIndex: Int
    /// Escape threshold `δ`: escaped when `f < f_saddle − δ` (or, with ``Goal/minimum``,
    /// done when `f < f_min + δ`).
    public var delta: Double
    /// Where runs start.
    public var start: Start
    /// When a run counts as done.
    public var goal: Goal
    /// When set, the problem is seen in a basis rotated by a random orthogonal matrix drawn
    /// from this seed (`RotatedProblem`).
    public var rotationSeed: UInt64?

    /// Where runs start.
    public enum Start: Sendable, Equatable {
      /// At the listed saddle plus the benchmark's perturbation.
      case saddle
      /// Uniformly in `[low, high]^d` (Du et al.'s initialization for the octopus).
      case uniform(low: Double, high: Double)
    }

    /// When a run counts as done.
    public enum Goal: Sendable, Equatable {
      /// `f < f_saddle − δ`: escaped the start saddle.
      case escape
      /// `f < f_min + δ`: reached the global minimum (the first listed minimum).
      case minimum
    }

    /// A problem from the catalog.
    public init(
      label: String, catalogName: String, parameters: [String: Double] = [:],
      saddleIndex: Int = 0, delta: Double, start: Start = .saddle, goal: Goal = .escape,
      rotationSeed: UInt64? = nil
    ) {
      self.rotationSeed = rotationSeed
      self.label = label
      self.catalogName = catalogName
      self.parameters = parameters
      self.saddleIndex = saddleIndex
      self.delta = delta
      self.start = start
      self.goal = goal
    }

    /// Builds the problem.
    public func make() throws -> any ClosedFormProblem {
      let problem = try ProblemCatalog.make(catalogName, dimension: nil, parameters: parameters)
      guard let rotationSeed else { return problem }
      return RotatedProblem(problem, seed: rotationSeed)
    }
  }

  /// A method: a name and a grid of optimizer specs (JSON), one per setting. `grid` receives
  /// the largest absolute Hessian eigenvalue at the start saddle (`λ_max`), so learning rates
  /// can be given relative to GD's stability limit `1/λ_max`.
  public struct Method: Sendable {
    /// The name shown in tables.
    public var name: String
    /// `(label, spec)` for each setting, given `λ_max`.
    public var grid: @Sendable (_ lambdaMax: Double) -> [(label: String, spec: String)]

    /// A method with a grid of settings.
    public init(
      name: String,
      grid: @escaping @Sendable (_ lambdaMax: Double) -> [(label: String, spec: String)]
    ) {
      self.name = name
      self.grid = grid
    }
  }

  /// One row of the result: a method's best setting on a problem.
  public struct Row: Sendable, Codable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The method's name.
    public var method: String
    /// The best setting of the method's grid.
    public var setting: String
    /// Escape cost over seeds: median, 10th and 90th percentiles (runs that did not escape
    /// count as `budget`; `escaped` says how many did).
    public var median: Double
    /// 10th percentile of the escape cost.
    public var p10: Double
    /// 90th percentile of the escape cost.
    public var p90: Double
    /// How many runs escaped.
    public var escaped: Int
    /// Number of seeds.
    public var seeds: Int
    /// Median counts of each kind of evaluation, up to escape.
    public var medianGradients: Double
    /// Median loss-only evaluations up to escape.
    public var medianLosses: Double
    /// Median exact Hessian-vector products up to escape.
    public var medianHessianVectorProducts: Double
    /// Median loss at the end of the run.
    public var finalLoss: Double
  }

  /// The problems.
  public var problems: [Problem]
  /// The methods.
  public var methods: [Method]
  /// Number of seeds.
  public var seeds: Int
  /// Cost budget per run.
  public var budget: Int
  /// Norm of the seeded perturbation added to the start saddle.
  public var perturbation: Double
  /// Where optimizer specs and problems are looked up.
  public var registry: Registry

  /// A benchmark over `problems` × `methods` × `seeds`, each run limited to `budget` cost.
  public init(
    problems: [Problem], methods: [Method], seeds: Int = 10, budget: Int = 50_000,
    perturbation: Double = 1e-8, registry: Registry = .standard
  ) {
    self.problems = problems
    self.methods = methods
    self.seeds = seeds
    self.budget = budget
    self.perturbation = perturbation
    self.registry = registry
  }

  /// The outcome of one run.
  public struct RunResult: Sendable, Equatable {
    /// How many runs escaped.
    public var escaped: Bool
    /// The escape cost (the budget when it did not escape).
    public var cost: Int
    /// Every evaluation made up to escape (or in the whole run).
    public var counts: EvaluationCounts
    /// Median loss at the end of the run.
    public var finalLoss: Double
  }

  /// Runs `spec` on `problem` from its saddle with perturbation seed `seed`.
  public func run(problem: Problem, spec: String, seed: UInt64) throws -> RunResult {
    let model = try problem.make()
    let optimizer = try registry.optimizer(fromJSON: spec)
    return try run(model: model, optimizer: optimizer, problem: problem, seed: seed)
  }

  func run<M: ClosedFormProblem>(
    model: M, optimizer: DynamicOptimizer, problem: Problem, seed: UInt64
  ) throws -> RunResult {
    guard problem.saddleIndex < model.saddles.count else {
      throw SpecError(
        location: "problem '\(problem.label)'",
        "has \(model.saddles.count) listed saddles, asked for index \(problem.saddleIndex)")
    }
    let saddle = model.saddles[problem.saddleIndex]
    let startPoint: [Double]
    switch problem.start {
    case .saddle:
      startPoint = perturbedPoint(saddle.point, norm: perturbation, seed: seed)
    case .uniform(let low, let high):
      var generator = SeededGenerator(seed: seed)
      startPoint = saddle.point.map { _ in low + (high - low) * generator.nextUniformDouble() }
    }
    let start = ParameterVector(startPoint.map { Float($0) })
    let threshold: Double
    switch problem.goal {
    case .escape:
      threshold = saddle.value - problem.delta
    case .minimum:
      guard let minimum = model.minima.first else {
        throw SpecError(location: "problem '\(problem.label)'", "has no listed minimum")
      }
      threshold = minimum.value + problem.delta
    }
    var state = optimizer.makeState(parameters: start, layout: model.layout, seed: seed)
    var finalLoss = Double.nan
    while state.evaluations.cost < budget {
      let before = state.evaluations
      let loss: Double
      do {
        loss = try optimizer.step(&state, model: model)
      } catch {
        return RunResult(
          escaped: false, cost: budget, counts: state.evaluations, finalLoss: .nan)
      }
      finalLoss = loss
      if loss < threshold {
        // The step's own evaluation saw the escape: count what came before it, plus it (a
        // gradient, a loss for function-value pipelines, or — when the pipeline evaluates its
        // own oracle, `StepOracle.nothing` — the whole step).
        var counts = before
        switch stepOracle(of: optimizer.rule) {
        case .lossAndGradient: counts.gradients += 1
        case .loss: counts.losses += 1
        case .nothing: counts = state.evaluations
        }
        return RunResult(
          escaped: true, cost: counts.cost, counts: counts, finalLoss: loss)
      }
    }
    return RunResult(escaped: false, cost: budget, counts: state.evaluations, finalLoss: finalLoss)
  }

  /// Runs everything (in parallel over runs; results do not depend on the thread count) and
  /// returns one row per problem and method, with the method's best setting. `runFinished`
  /// receives `(runs done, runs in total)` after every run, from the worker threads.
  public func run(
    progress: (@Sendable (String) -> Void)? = nil,
    runFinished: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
  ) throws -> [Row] {
    struct Job: Sendable {
      var problem: Int
      var method: Int
      var setting: Int
      var seed: Int
      var spec: String
    }
    var jobs: [Job] = []
    var settingLabels: [[[String]]] = []
    for (p, problem) in problems.enumerated() {
      let model = try problem.make()
      // GD's stable step near the saddle is 1/max|λ| (at U = 0 of the symmetric factorization
      // every eigenvalue is negative).
      let lambdaMax = model.saddles[problem.saddleIndex].hessianEigenvalues.map(abs).max() ?? 1
      var perMethod: [[String]] = []
      for (m, method) in methods.enumerated() {
        let grid = method.grid(Swift.max(lambdaMax, 1e-12))
        perMethod.append(grid.map(\.label))
        for (s, setting) in grid.enumerated() {
          _ = try registry.optimizer(fromJSON: setting.spec)  // fail early on a bad spec
          for seed in 0..<seeds {
            jobs.append(Job(problem: p, method: m, setting: s, seed: seed, spec: setting.spec))
          }
        }
      }
      settingLabels.append(perMethod)
    }
    let results = UnsafeMutableBufferPointer<RunResult?>.allocate(capacity: jobs.count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let box = UnsafeResults(results)
    let counter = Counter()
    let total = jobs.count
    let jobList = jobs
    DispatchQueue.concurrentPerform(iterations: Swift.max(1, Kernels.threadCount)) { worker in
      var index = worker
      while index < total {
        let job = jobList[index]
        box.buffer[index] = try? run(
          problem: problems[job.problem], spec: job.spec, seed: UInt64(job.seed + 1))
        let done = counter.increment()
        runFinished?(done, total)
        if let progress, done % 200 == 0 { progress("\(done)/\(total) runs") }
        index += Swift.max(1, Kernels.threadCount)
      }
    }
    var rows: [Row] = []
    for (p, problem) in problems.enumerated() {
      for (m, method) in methods.enumerated() {
        var best: Row?
        for (s, label) in settingLabels[p][m].enumerated() {
          let runs = jobs.indices.filter {
            jobs[$0].problem == p && jobs[$0].method == m && jobs[$0].setting == s
          }.compactMap { results[$0] }
          guard !runs.isEmpty else { continue }
          let costs = runs.map { Double($0.cost) }
          let row = Row(
            problem: problem.label, method: method.name, setting: label,
            median: percentile(costs, 0.5), p10: percentile(costs, 0.1),
            p90: percentile(costs, 0.9), escaped: runs.filter(\.escaped).count,
            seeds: runs.count,
            medianGradients: percentile(runs.map { Double($0.counts.gradients) }, 0.5),
            medianLosses: percentile(runs.map { Double($0.counts.losses) }, 0.5),
            medianHessianVectorProducts: percentile(
              runs.map { Double($0.counts.hessianVectorProducts) }, 0.5),
            finalLoss: percentile(runs.map(\.finalLoss), 0.5))
          if best == nil || (row.escaped, -row.median) > (best!.escaped, -best!.median) {
            best = row
          }
        }
        if let best { rows.append(best) }
      }
    }
    return rows
  }
}

/// The `q`-quantile of `values` by linear interpolation between order statistics (type 7, the
/// default of R and numpy). NaNs sort last.
public func percentile(_ values: [Double], _ q: Double) -> Double {
  guard !values.isEmpty else { return .nan }
  let sorted = values.sorted { a, b in a.isNaN ? false : (b.isNaN ? true : a < b) }
  let position = q * Double(sorted.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = Swift.min(lower + 1, sorted.count - 1)
  let fraction = position - Double(lower)
  if fraction == 0 { return sorted[lower] }
  return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
}

struct UnsafeResults: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<EscapeBenchmark.RunResult?>
  init(_ buffer: UnsafeMutableBufferPointer<EscapeBenchmark.RunResult?>) { self.buffer = buffer }
}

final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  func increment() -> Int {
    lock.withLock {
      count += 1; return count
    }
  }
}
