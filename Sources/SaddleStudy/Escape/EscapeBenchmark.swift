import Dispatch
import Foundation
import SaddleCore
import SaddleModels

/// Measures how many evaluations optimizers need to escape saddle points, under the fair
/// protocol of `reference/evidence.md`.
///
/// Every run starts at a known saddle `θ_s` of a closed-form problem plus a seeded perturbation
/// of norm `perturbation` (1e-8 by default) and is escaped at the first evaluation that sees
/// `f(θ) < f(θ_s) − δ`. The escape cost is the cost — gradients + loss-only evaluations +
/// 2·exact HVPs, every evaluation of every stage and estimator counted — up to and including
/// that evaluation (`reference/test-problems.md`). After the escape the run continues for as
/// much cost again, at least 200 (up to the budget); a run that then stops on a non-finite
/// value or ends above `f(θ_s)` is a failure (escaping and then diverging does not count).
///
/// The protocol:
/// 1. **Tuning** on the tuning seeds `1001 … 1000 + tuningSeeds` (disjoint from the reporting
///    seeds `1 … seeds`): every point of every method's grid — all grids have the same number
///    of points and span the problem's scale (``Scale``). A method that inherits a base step
///    (``Method/baseStepFrom``) is tuned after the method it inherits from, at that method's
///    chosen step.
/// 2. **Selection**: per method and problem, the grid point with the lowest Kaplan–Meier
///    median escape cost on the tuning seeds (failures censored at the budget); ties, and
///    points whose median is not reached, are ordered by escapes (more first), then grid order
///    (``select(_:)``). A choice at either end of its grid is flagged (``Row/atEdge``).
/// 3. **Reporting** of the chosen point on the reporting seeds: escape rate with its Wilson
///    interval, the Kaplan–Meier median escape cost with its Brookmeyer–Crowley interval, and
///    the cost ratio paired by seed against the tuned baseline (`gd`), with a bootstrap
///    interval and the Wilcoxon signed-rank p (``PairedComparison``).
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
    /// The problem's own cost budget per run (`nil`: the benchmark's ``EscapeBenchmark/budget``).
    public var budget: Int?
    /// The feasible box `[lower, upper]^d` of a constrained problem (`nil`: unconstrained).
    /// Only methods with ``Method/Applicability/constrained`` or
    /// ``Method/Applicability/everywhere`` run on it, and `gd` becomes projected GD.
    public var box: Box?
    /// A finite sum (`FiniteSumModel`): methods with ``Method/Applicability/finiteSum`` run
    /// on it.
    public var isFiniteSum: Bool

    /// A feasible box.
    public struct Box: Sendable, Equatable {
      /// The lower bound of every coordinate.
      public var lower: Double
      /// The upper bound of every coordinate.
      public var upper: Double
      /// The box `[lower, upper]^d`.
      public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
      }
    }

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
      rotationSeed: UInt64? = nil, budget: Int? = nil, box: Box? = nil,
      isFiniteSum: Bool = false
    ) {
      self.rotationSeed = rotationSeed
      self.label = label
      self.catalogName = catalogName
      self.parameters = parameters
      self.saddleIndex = saddleIndex
      self.delta = delta
      self.start = start
      self.goal = goal
      self.budget = budget
      self.box = box
      self.isFiniteSum = isFiniteSum
    }

    /// Builds the problem.
    public func make() throws -> any ClosedFormProblem {
      let problem = try ProblemCatalog.make(catalogName, dimension: nil, parameters: parameters)
      guard let rotationSeed else { return problem }
      return RotatedProblem(problem, seed: rotationSeed)
    }

    /// The problem's scale at its start saddle (``Scale``), without a base step.
    public func scale() throws -> Scale {
      let model = try make()
      guard saddleIndex < model.saddles.count else {
        throw SpecError(
          location: "problem '\(label)'",
          "has \(model.saddles.count) listed saddles, asked for index \(saddleIndex)")
      }
      let saddle = model.saddles[saddleIndex]
      let magnitudes = saddle.hessianEigenvalues.map(abs)
      let negatives = saddle.hessianEigenvalues.filter { $0 < 0 }.map(abs)
      let distances = model.minima.map { minimum in
        zip(minimum.point, saddle.point).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
          .squareRoot()
      }.filter { $0 > 0 }
      return Scale(
        lambdaMax: Swift.max(magnitudes.max() ?? 1, 1e-12),
        lambdaMinMagnitude: negatives.max() ?? 0,
        minimumDistance: distances.min() ?? 1, baseStep: nil, box: box,
        components: (model as? any FiniteSumModel)?.componentCount ?? 1)
    }
  }

  /// What a method's grid may depend on: the problem's known scale at its start saddle and,
  /// for methods that inherit one, the base step chosen for another method on the tuning seeds.
  public struct Scale: Sendable, Equatable {
    /// `max |λᵢ|` of the Hessian at the saddle: GD is stable for `η < 2/λ_max`.
    public var lambdaMax: Double
    /// `|λ_min|` for the most negative eigenvalue (0 if none is negative).
    public var lambdaMinMagnitude: Double
    /// The distance from the saddle to the nearest listed minimum (1 when none is listed):
    /// the scale of perturbation radii, negative-curvature steps and SAM's ρ.
    public var minimumDistance: Double
    /// The learning rate chosen for ``Method/baseStepFrom`` (nil for methods without one).
    public var baseStep: Double?
    /// The problem's feasible box, if any.
    public var box: Problem.Box?
    /// The number `n` of components of a finite sum (1 for other problems).
    public var components: Int

    /// A scale.
    public init(
      lambdaMax: Double, lambdaMinMagnitude: Double, minimumDistance: Double,
      baseStep: Double? = nil, box: Problem.Box? = nil, components: Int = 1
    ) {
      self.components = components
      self.lambdaMax = lambdaMax
      self.lambdaMinMagnitude = lambdaMinMagnitude
      self.minimumDistance = minimumDistance
      self.baseStep = baseStep
      self.box = box
    }

    /// The base step, or GD's best stable step `1.9/λ_max` when the method has none.
    public var step: Double { baseStep ?? 1.9 / lambdaMax }
  }

  /// One point of a method's grid.
  public struct Setting: Sendable, Equatable {
    /// The label shown in tables (`η=1.9/λmax`, `r=0.1·D`, …).
    public var label: String
    /// The optimizer spec (JSON).
    public var spec: String
    /// The learning rate of this point, which methods inheriting it use as their base step.
    public var learningRate: Double?

    /// A grid point.
    public init(_ label: String, spec: String, learningRate: Double? = nil) {
      self.label = label
      self.spec = spec
      self.learningRate = learningRate
    }
  }

  /// A method: a name and a grid of optimizer specs, one per setting.
  public struct Method: Sendable {
    /// Which problems a method runs on.
    public enum Applicability: Sendable, Equatable {
      /// Every unconstrained problem.
      case unconstrained
      /// Every problem, constrained ones included (`gd`, as projected GD on a box).
      case everywhere
      /// Only constrained problems (``Problem/box``).
      case constrained
      /// Only finite sums (``Problem/isFiniteSum``).
      case finiteSum
    }

    /// The name shown in tables.
    public var name: String
    /// The method whose chosen learning rate is this method's base step (``Scale/baseStep``),
    /// or nil.
    public var baseStepFrom: String?
    /// Which problems the method runs on.
    public var applicability: Applicability
    /// The settings, given the problem's scale.
    public var grid: @Sendable (_ scale: Scale) -> [Setting]

    /// A method with a grid of settings.
    public init(
      name: String, baseStepFrom: String? = nil, applicability: Applicability = .unconstrained,
      grid: @escaping @Sendable (_ scale: Scale) -> [Setting]
    ) {
      self.name = name
      self.baseStepFrom = baseStepFrom
      self.applicability = applicability
      self.grid = grid
    }

    /// Whether the method runs on `problem`.
    public func applies(to problem: Problem) -> Bool {
      switch applicability {
      case .everywhere: return true
      case .unconstrained: return problem.box == nil
      case .constrained: return problem.box != nil
      case .finiteSum: return problem.isFiniteSum && problem.box == nil
      }
    }
  }

  /// One row of the result: a method's chosen setting on a problem, reported on the reporting
  /// seeds.
  public struct Row: Sendable, Codable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The method's name.
    public var method: String
    /// The chosen setting (selected on the tuning seeds).
    public var setting: String
    /// Every setting of the grid, in order.
    public var grid: [String]
    /// The index of the chosen setting in ``grid``.
    public var chosenIndex: Int
    /// The chosen setting is the first or the last of a grid of more than one point: the best
    /// value may lie beyond the grid.
    public var atEdge: Bool
    /// The base step inherited from another method's tuning, if any.
    public var baseStep: Double?
    /// Number of tuning seeds.
    public var tuningSeeds: Int
    /// Escapes among the tuning runs of the chosen setting.
    public var tuningEscaped: Int
    /// The Kaplan–Meier median escape cost of the chosen setting on the tuning seeds.
    public var tuningMedian: Double?
    /// Number of reporting seeds.
    public var seeds: Int
    /// How many reporting runs escaped (and did not diverge afterwards).
    public var escaped: Int
    /// The escape rate with its Wilson 95% interval.
    public var escapeRate: WilsonInterval
    /// The Kaplan–Meier median escape cost with its Brookmeyer–Crowley 95% interval; runs that
    /// failed are censored at the budget.
    public var escapeCost: KaplanMeier.Median
    /// The cost budget per run.
    public var budget: Int
    /// The cost paired by seed against the baseline (nil for the baseline itself).
    public var paired: PairedComparison?
    /// Median counts of each kind of evaluation, up to escape (whole run if not escaped).
    public var medianGradients: Double
    /// Median loss-only evaluations.
    public var medianLosses: Double
    /// Median exact Hessian-vector products.
    public var medianHessianVectorProducts: Double
    /// Median loss at the end of the runs.
    public var finalLoss: Double
  }

  /// One reporting run, for the per-seed table.
  public struct SeedRow: Sendable, Codable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The method's name.
    public var method: String
    /// The chosen setting.
    public var setting: String
    /// The seed.
    public var seed: UInt64
    /// Whether it escaped (and did not diverge afterwards).
    public var escaped: Bool
    /// The escape cost, or the cost spent (the budget) when it failed.
    public var cost: Int
    /// The loss at the end of the run.
    public var finalLoss: Double
    /// Wall-clock seconds of the run (not deterministic: kept out of the main table).
    public var wallSeconds: Double
  }

  /// Everything a benchmark run produced.
  public struct Report: Sendable {
    /// One row per problem and method, in the order of ``EscapeBenchmark/problems`` and
    /// ``EscapeBenchmark/methods``.
    public var rows: [Row]
    /// Every reporting run, in the order of ``rows`` and then seeds.
    public var perSeed: [SeedRow]
    /// The baseline of the paired comparisons.
    public var baseline: String
  }

  /// The problems.
  public var problems: [Problem]
  /// The methods.
  public var methods: [Method]
  /// Number of reporting seeds: `1 … seeds`.
  public var seeds: Int
  /// Number of tuning seeds: `1001 … 1000 + tuningSeeds`.
  public var tuningSeeds: Int
  /// The default cost budget per run, for problems without their own (``Problem/budget``).
  public var budget: Int
  /// When set, the cost budget of every run, overriding ``Problem/budget``.
  public var budgetOverride: Int?
  /// Norm of the seeded perturbation added to the start saddle.
  public var perturbation: Double
  /// The method every other is compared with, paired by seed.
  public var baseline: String
  /// Where optimizer specs and problems are looked up.
  public var registry: Registry

  /// The first tuning seed; reporting seeds are `1 … seeds`, so the two sets are disjoint for
  /// up to 1000 reporting seeds.
  public static let firstTuningSeed: UInt64 = 1001

  /// A benchmark over `problems` × `methods`, tuned on `tuningSeeds` seeds and reported on
  /// `seeds` others.
  ///
  /// - Precondition: `1 ≤ seeds ≤ 1000`, `tuningSeeds ≥ 1`, `budget ≥ 1`.
  public init(
    problems: [Problem], methods: [Method], seeds: Int = 10, tuningSeeds: Int = 5,
    budget: Int = 10_000, budgetOverride: Int? = nil, perturbation: Double = 1e-8,
    baseline: String = "gd", registry: Registry = .standard
  ) {
    precondition(seeds >= 1 && seeds < Int(Self.firstTuningSeed), "EscapeBenchmark: seeds")
    precondition(tuningSeeds >= 1 && budget >= 1, "EscapeBenchmark: tuning seeds, budget")
    self.problems = problems
    self.methods = methods
    self.seeds = seeds
    self.tuningSeeds = tuningSeeds
    self.budget = budget
    self.budgetOverride = budgetOverride
    self.perturbation = perturbation
    self.baseline = baseline
    self.registry = registry
  }

  /// The reporting seeds, `1 … seeds`.
  public var reportingSeedList: [UInt64] { (1...UInt64(seeds)).map { $0 } }
  /// The tuning seeds, `1001 … 1000 + tuningSeeds`.
  public var tuningSeedList: [UInt64] {
    (0..<UInt64(tuningSeeds)).map { Self.firstTuningSeed + $0 }
  }

  /// The cost budget of runs on `problem`.
  public func budget(for problem: Problem) -> Int {
    budgetOverride ?? problem.budget ?? budget
  }

  /// The outcome of one run.
  public struct RunResult: Sendable, Equatable {
    /// Whether the run escaped and did not diverge afterwards.
    public var escaped: Bool
    /// The escape cost (the cost spent, at most the budget, when it did not escape).
    public var cost: Int
    /// Every evaluation made up to escape (or in the whole run).
    public var counts: EvaluationCounts
    /// The loss at the end of the run.
    public var finalLoss: Double

    /// An outcome.
    public init(escaped: Bool, cost: Int, counts: EvaluationCounts, finalLoss: Double) {
      self.escaped = escaped
      self.cost = cost
      self.counts = counts
      self.finalLoss = finalLoss
    }
  }

  /// Runs `spec` on `problem` from its saddle with seed `seed`.
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
    let budget = budget(for: problem)
    let saddle = model.saddles[problem.saddleIndex]
    let startPoint: [Double]
    switch problem.start {
    case .saddle:
      startPoint = perturbedPoint(saddle.point, norm: perturbation, seed: seed)
    case .uniform(let low, let high):
      var generator = SeededGenerator(seed: mixSeed(seed, SeedPurpose.start))
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
    var escape: EvaluationCounts?
    var limit = budget
    // A method that has stopped (SSRGD returning x̃ at its `t_thres`) takes steps that cost
    // nothing: end the run after `IdleRun.limit` such steps in a row, or after `budget · n`
    // steps (a step of a finite sum costs at least one component gradient, `1/n`).
    let components = (model as? any FiniteSumModel)?.componentCount ?? 1
    let maxSteps = budget * Swift.max(components, 1)
    var idle = IdleRun()
    while state.evaluations.cost < limit && state.step < maxSteps {
      let before = state.evaluations
      let loss: Double
      do {
        loss = try optimizer.step(&state, model: model, dataSeed: seed)
      } catch {
        // Stopped on a non-finite value: a failure, escaped before or not.
        return RunResult(
          escaped: false, cost: budget, counts: state.evaluations, finalLoss: .nan)
      }
      finalLoss = loss
      let idleRunEnded = idle.stepIsLastOfIdleRun(before: before, after: state.evaluations)
      if escape == nil, loss < threshold {
        // The step's own evaluation saw the escape: count what came before it, plus it (a
        // gradient, a loss for function-value pipelines, or — when the pipeline evaluates its
        // own oracle, `StepOracle.nothing` — the whole step).
        var counts = before
        var oracle = stepOracle(of: optimizer.rule)
        if !optimizer.needsGradient && oracle == .lossAndGradient { oracle = .loss }
        switch oracle {
        case .lossAndGradient: counts.gradients += 1
        case .loss: counts.losses += 1
        case .nothing: counts = state.evaluations
        }
        escape = counts
        // Continue for as much cost again, at least 200: escaping and then diverging is a
        // failure.
        limit = Swift.min(budget, counts.cost + Swift.max(counts.cost, 200))
      }
      if idleRunEnded { break }
    }
    finalLoss = model.value(at: state.parameters.map { Double($0) })
    if let escape, finalLoss.isFinite,
      problem.goal == .minimum || finalLoss <= saddle.value
    {
      return RunResult(escaped: true, cost: escape.cost, counts: escape, finalLoss: finalLoss)
    }
    return RunResult(escaped: false, cost: budget, counts: state.evaluations, finalLoss: finalLoss)
  }

  /// The selection rule: the index of the grid point with the lowest Kaplan–Meier median
  /// escape cost over its runs (failures censored at their cost, the budget); a median not
  /// reached counts as +∞; ties go to more escapes, then the earlier point. Nil for no points.
  public static func select(_ pointRuns: [[RunResult]]) -> Int? {
    var best: (key: (Double, Int, Int), index: Int)?
    for (index, runs) in pointRuns.enumerated() where !runs.isEmpty {
      let median = kaplanMeier(runs).median.estimate ?? .infinity
      let key = (median, -runs.filter(\.escaped).count, index)
      if best == nil || key < best!.key { best = (key, index) }
    }
    return best?.index
  }

  static func kaplanMeier(_ runs: [RunResult]) -> KaplanMeier {
    KaplanMeier(times: runs.map { Double($0.cost) }, observed: runs.map(\.escaped))
  }

  /// Runs everything (in parallel over runs; results do not depend on the thread count).
  /// `runFinished` receives `(runs done, runs planned so far)` after every run, from the worker
  /// threads.
  public func run(
    progress: (@Sendable (String) -> Void)? = nil,
    runFinished: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
  ) throws -> Report {
    // Fail early on a bad spec.
    for problem in problems {
      var scale = try problem.scale()
      scale.baseStep = 1 / scale.lambdaMax
      for method in methods where method.applies(to: problem) {
        for setting in method.grid(scale) { _ = try registry.optimizer(fromJSON: setting.spec) }
      }
    }
    let registry = self.registry
    return try run(runFinished: runFinished) { problem, spec, seed in
      let model = try problem.make()
      let optimizer = try registry.optimizer(fromJSON: spec)
      return try self.run(model: model, optimizer: optimizer, problem: problem, seed: seed)
    }
  }

  /// The protocol with `trial` standing in for one run (tests pass a fake).
  func run(
    runFinished: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil,
    trial: @escaping @Sendable (Problem, String, UInt64) throws -> RunResult
  ) throws -> Report {
    let scales = try problems.map { try $0.scale() }
    // Tuning, in levels: a method inheriting a base step waits for its source's selection.
    var chosen: [Key: (setting: Int, grid: [Setting], scale: Scale, runs: [RunResult])] = [:]
    let progress = EscapeProgress(runFinished)
    var pending = methods.indices.map { $0 }
    while !pending.isEmpty {
      let ready = pending.filter { m in
        guard let source = methods[m].baseStepFrom else { return true }
        return !pending.contains { methods[$0].name == source }
      }
      guard !ready.isEmpty else {
        throw SpecError(location: "escape benchmark", "methods inherit base steps in a cycle")
      }
      pending.removeAll { ready.contains($0) }
      var jobs: [(problem: Int, method: Int, setting: Int, seed: UInt64, spec: String)] = []
      var grids: [Key: (grid: [Setting], scale: Scale)] = [:]
      for (p, problem) in problems.enumerated() {
        for m in ready where methods[m].applies(to: problem) {
          var scale = scales[p]
          if let source = methods[m].baseStepFrom {
            guard let base = chosen[Key(problem: p, method: source)] else { continue }
            scale.baseStep = base.grid[base.setting].learningRate
          }
          let grid = methods[m].grid(scale)
          grids[Key(problem: p, method: methods[m].name)] = (grid, scale)
          for (s, setting) in grid.enumerated() {
            for seed in tuningSeedList {
              jobs.append((p, m, s, seed, setting.spec))
            }
          }
        }
      }
      let tuningJobs = jobs
      progress.plan(jobs.count)
      let results = try parallelRuns(jobs.count, progress: progress) { i in
        let job = tuningJobs[i]
        return try trial(problems[job.problem], job.spec, job.seed)
      }
      for (key, entry) in grids {
        let m = methods.firstIndex { $0.name == key.method }!
        let pointRuns = entry.grid.indices.map { s in
          jobs.indices.filter {
            jobs[$0].problem == key.problem && jobs[$0].method == m && jobs[$0].setting == s
          }.map { results[$0].result }
        }
        guard let s = Self.select(pointRuns) else { continue }
        chosen[key] = (s, entry.grid, entry.scale, pointRuns[s])
      }
    }
    // Reporting: the chosen point on the reporting seeds.
    var jobs: [(problem: Int, method: Int, seed: UInt64, spec: String)] = []
    for p in problems.indices {
      for (m, method) in methods.enumerated() {
        guard chosen[Key(problem: p, method: method.name)] != nil else { continue }
        let pick = chosen[Key(problem: p, method: method.name)]!
        for seed in reportingSeedList {
          jobs.append((p, m, seed, pick.grid[pick.setting].spec))
        }
      }
    }
    let reportingJobs = jobs
    progress.plan(jobs.count)
    let results = try parallelRuns(jobs.count, progress: progress) { i in
      try trial(problems[reportingJobs[i].problem], reportingJobs[i].spec, reportingJobs[i].seed)
    }
    var rows: [Row] = []
    var perSeed: [SeedRow] = []
    for (p, problem) in problems.enumerated() {
      let budget = budget(for: problem)
      func runsOf(_ m: Int) -> [(seed: UInt64, result: (result: RunResult, seconds: Double))] {
        jobs.indices.filter { jobs[$0].problem == p && jobs[$0].method == m }.map {
          (seed: jobs[$0].seed, result: results[$0])
        }
      }
      let baselineRuns = methods.firstIndex { $0.name == baseline }.map { runsOf($0) } ?? []
      for (m, method) in methods.enumerated() {
        guard let pick = chosen[Key(problem: p, method: method.name)] else { continue }
        let runs = runsOf(m)
        let outcomes = runs.map(\.result.result)
        let label = pick.grid[pick.setting].label
        let paired: PairedComparison? =
          method.name == baseline || baselineRuns.isEmpty
          ? nil
          : PairedComparison(
            problem: problem.label, method: method.name, baseline: baseline,
            methodRuns: runs.map {
              (Int($0.seed), Double($0.result.result.cost), $0.result.result.escaped)
            },
            baselineRuns: baselineRuns.map {
              (Int($0.seed), Double($0.result.result.cost), $0.result.result.escaped)
            })
        rows.append(
          Row(
            problem: problem.label, method: method.name, setting: label,
            grid: pick.grid.map(\.label), chosenIndex: pick.setting,
            atEdge: pick.grid.count > 1
              && (pick.setting == 0 || pick.setting == pick.grid.count - 1),
            baseStep: pick.scale.baseStep, tuningSeeds: tuningSeeds,
            tuningEscaped: pick.runs.filter(\.escaped).count,
            tuningMedian: Self.kaplanMeier(pick.runs).median.estimate,
            seeds: outcomes.count, escaped: outcomes.filter(\.escaped).count,
            escapeRate: WilsonInterval(
              successes: outcomes.filter(\.escaped).count, trials: outcomes.count),
            escapeCost: Self.kaplanMeier(outcomes).median, budget: budget, paired: paired,
            medianGradients: percentile(outcomes.map { Double($0.counts.gradients) }, 0.5),
            medianLosses: percentile(outcomes.map { Double($0.counts.losses) }, 0.5),
            medianHessianVectorProducts: percentile(
              outcomes.map { Double($0.counts.hessianVectorProducts) }, 0.5),
            finalLoss: percentile(outcomes.map(\.finalLoss), 0.5)))
        for run in runs {
          perSeed.append(
            SeedRow(
              problem: problem.label, method: method.name, setting: label, seed: run.seed,
              escaped: run.result.result.escaped, cost: run.result.result.cost,
              finalLoss: run.result.result.finalLoss, wallSeconds: run.result.seconds))
        }
      }
    }
    return Report(rows: rows, perSeed: perSeed, baseline: baseline)
  }

  struct Key: Hashable {
    var problem: Int
    var method: String
  }

  /// Runs `count` jobs over `Kernels.threadCount` workers (the studies' worker loop,
  /// `forEachInParallel`), each timed; the first error is rethrown after all
  /// finish.
  func parallelRuns(
    _ count: Int, progress: EscapeProgress,
    _ job: @escaping @Sendable (Int) throws -> RunResult
  ) throws -> [(result: RunResult, seconds: Double)] {
    let buffer = UnsafeMutableBufferPointer<Result<(RunResult, Double), Error>?>.allocate(
      capacity: count)
    buffer.initialize(repeating: nil)
    defer { buffer.deallocate() }
    let box = UnsafeResults(buffer)
    forEachInParallel(Array(0..<count), workers: Kernels.threadCount) { index, _ in
      let clock = ContinuousClock()
      let start = clock.now
      let result = Result { try job(index) }
      let elapsed = clock.now - start
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      box.buffer[index] = result.map { ($0, seconds) }
      progress.finished()
    }
    return try (0..<count).map { i in
      let (result, seconds) = try buffer[i]!.get()
      return (result, seconds)
    }
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
  let buffer: UnsafeMutableBufferPointer<Result<(EscapeBenchmark.RunResult, Double), Error>?>
  init(_ buffer: UnsafeMutableBufferPointer<Result<(EscapeBenchmark.RunResult, Double), Error>?>) {
    self.buffer = buffer
  }
}

/// Counts finished runs against the runs planned so far (phases are planned one at a time).
final class EscapeProgress: @unchecked Sendable {
  private let lock = NSLock()
  private var done = 0
  private var total = 0
  private let report: (@Sendable (Int, Int) -> Void)?
  init(_ report: (@Sendable (Int, Int) -> Void)?) { self.report = report }
  func plan(_ count: Int) { lock.withLock { total += count } }
  func finished() {
    let (d, t) = lock.withLock {
      done += 1
      return (done, total)
    }
    report?(d, t)
  }
}
