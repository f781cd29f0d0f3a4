import Foundation
import SaddleCore
import SaddleModels
import Testing

@testable import SaddleStudy

#if canImport(Glibc)
  import Glibc
#endif

/// The fair tuning protocol (issue 10, item 1): `tuningSeeds`, `selection`, relative grids,
/// two phases, the Tuning section and its edge flag.
@Suite("Study tuning protocol")
struct TuningTests {
  static let base = """
    {"name": "t", "seeds": 3, "tuningSeeds": 2, "selection": "median-escape-cost",
     "budget": {"cost": 300},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                     "grid": {"0.learningRate": {"timesInverseLambdaMax": [0.5, 1.9]}}},
                    {"label": "pgd", "spec": [{"stage": "perturbed-gd", "learningRate": 0.5}],
                     "grid": {"0.radius": {"timesMinimaDistance": [0.01, 0.1, 1]}}}]}
    """

  static func edited(_ old: String, _ new: String) -> String {
    if !base.contains(old) { Issue.record("\(old) is not in the base config") }
    return base.replacingOccurrences(of: old, with: new)
  }

  static func refusal(_ text: String) -> String? {
    do {
      _ = try StudyConfig.load(Data(text.utf8), source: "cfg.json")
      return nil
    } catch {
      return error.description
    }
  }

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "saddle-tuning-\(UInt64.random(in: 0...UInt64.max))")
  }

  @Test("the base config loads; trial count = tuning + reporting")
  func baseLoads() throws {
    let config = try StudyConfig.load(Data(Self.base.utf8), source: "cfg.json")
    #expect(config.tuningSeedRange == [1001, 1002])
    #expect(config.selectionRule == .medianEscapeCost)
    // 5 settings × 2 tuning seeds + 2 optimizers × 3 reporting seeds.
    #expect(config.trialCount == 5 * 2 + 2 * 3)
    #expect(config.reportedLabels == ["gd", "pgd"])
    let trials = try StudyRunner(config: config, directory: Self.temporaryDirectory()).trials()
    // Nothing tuned yet: only phase 1 is defined.
    #expect(trials.count == 10 && trials.allSatisfy { $0.phase == .tuning && $0.seed > 1000 })
  }

  @Test(
    "bad tuning fields are refused in one line naming the file, field and what is accepted",
    arguments: [
      (#""tuningSeeds": 2"#, #""tuningSeeds": 0"#, "field 'tuningSeeds'", "1 ≤ x ≤ 1000"),
      (#""tuningSeeds": 2"#, #""tuningSeeds": 1001"#, "field 'tuningSeeds'", "1 ≤ x ≤ 1000"),
      (#""tuningSeeds": 2"#, #""tuningSeeds": "2""#, "tuningSeeds", "2"),
      (#""tuningSeeds": 2"#, #""tuningSeedz": 2"#, "field 'tuningSeedz'", "did you mean"),
      (#""seeds": 3"#, #""seeds": 1001"#, "field 'seeds'", "overlap the tuning seeds"),
      (
        #""selection": "median-escape-cost""#, #""selection": "best""#, "field 'selection'",
        "median-escape-cost, final-loss"
      ),
      (
        #""selection": "median-escape-cost""#, #""selection": 3"#, "selection", "3"
      ),
      (
        #""timesInverseLambdaMax": [0.5, 1.9]"#, #""timesInverseLambdaMaxx": [0.5, 1.9]"#,
        "timesInverseLambdaMaxx", "did you mean 'timesInverseLambdaMax'?"
      ),
      (
        #""timesInverseLambdaMax": [0.5, 1.9]"#, #""timesInverseLambdaMax": [0.5, -1]"#,
        "optimizers[0].grid.0.learningRate.timesInverseLambdaMax", "factors > 0"
      ),
      (
        #""timesInverseLambdaMax": [0.5, 1.9]"#, #""timesInverseLambdaMax": [1, 1]"#,
        "optimizers[0].grid.0.learningRate.timesInverseLambdaMax", "twice"
      ),
      (
        #""timesInverseLambdaMax": [0.5, 1.9]"#, #""timesInverseLambdaMax": []"#,
        "optimizers[0].grid.0.learningRate", "is empty"
      ),
      (
        #""timesInverseLambdaMax": [0.5, 1.9]"#,
        #""timesInverseLambdaMax": [1], "timesMinimaDistance": [1]"#,
        "optimizers[0].grid.0.learningRate", "exactly one"
      ),
      (
        #""escapeDelta": 0.03"#, #""start": "initial""#, "problems[0]",
        "no known Hessian spectrum"
      ),
      (
        #""problem": "quartic-double-well", "escapeDelta": 0.03"#,
        #""problem": "rosenbrock", "start": "initial""#, "problems[0]", "no known"
      ),
      (
        #""problem": "quartic-double-well", "escapeDelta": 0.03"#,
        #""problem": "ill-conditioned-saddle""#, "field 'problems[0].escapeDelta'",
        "needs an escape criterion"
      ),
    ])
  func refused(old: String, new: String, field: String, accepted: String) throws {
    let message = try #require(Self.refusal(Self.edited(old, new)))
    #expect(message.hasPrefix("cfg.json"), "\(message)")
    #expect(message.contains(field), "\(message)")
    #expect(message.contains(accepted), "\(message)")
    #expect(!message.contains("\n"), "\(message)")
  }

  @Test("selection and relative grids need tuningSeeds; final-loss needs no escape criterion")
  func needsTuning() throws {
    let noTuning = Self.edited(#""tuningSeeds": 2, "#, "")
    let message = try #require(Self.refusal(noTuning))
    #expect(message.contains("field 'selection'") && message.contains("only with tuningSeeds"))
    let relative = try #require(
      Self.refusal(
        noTuning.replacingOccurrences(of: #""selection": "median-escape-cost","#, with: "")))
    #expect(relative.contains("relative grid values need tuningSeeds"), "\(relative)")
    let finalLoss = Self.edited(#""median-escape-cost""#, #""final-loss""#)
      .replacingOccurrences(of: #", "escapeDelta": 0.03"#, with: "")
    #expect(Self.refusal(finalLoss) == nil)
  }

  @Test("relative grid values resolve against each problem's closed-form scale")
  func relativeResolution() throws {
    // spectrum-saddle-uniform: λ_max is the parameter lambdaMax = 4; its minima sit at
    // y₁ = ±√(λ_min/μ) = ±√(0.04/0.01) = ±2 in a rotated basis, so d_min = 2.
    // ill-conditioned-saddle: λ = (1, …, 1, −ε), minima xₙ = ±√(ε/μ) = ±√(0.09/0.01) = ±3.
    let text = """
      {"name": "r", "seeds": 1, "tuningSeeds": 1, "budget": {"cost": 10},
       "problems": [
         {"label": "s", "problem": "spectrum-saddle-uniform", "escapeDelta": 0.001,
          "parameters": {"dimension": 6, "lambdaMin": 0.04, "lambdaMax": 4, "mu": 0.01, "seed": 3}},
         {"label": "i", "problem": "ill-conditioned-saddle", "escapeDelta": 0.001,
          "parameters": {"dimension": 3, "epsilon": 0.09, "mu": 0.01}, "rotationSeed": 5}],
       "optimizers": [{"label": "pgd", "spec": [{"stage": "perturbed-gd", "learningRate": 1}],
                       "grid": {"0.learningRate": {"timesInverseLambdaMax": [0.5, 1.9]},
                                "0.radius": {"timesMinimaDistance": [0.1, 1]}}}]}
      """
    let config = try StudyConfig.load(Data(text.utf8))
    let s = try config.scale(ofProblem: 0)
    #expect(abs(s.lambdaMax! - 4) <= 1e-12)
    #expect(abs(s.minimaDistance! - 2) <= 1e-12)
    let i = try config.scale(ofProblem: 1)
    #expect(i.lambdaMax == 1)
    #expect(abs(i.minimaDistance! - 3) <= 1e-12)
    func fields(_ setting: StudyConfig.Setting) -> (Double, Double) {
      guard case .array(let stages) = setting.spec, case .object(let f) = stages[0],
        case .double(let lr)? = f["learningRate"], case .double(let r)? = f["radius"]
      else { return (.nan, .nan) }
      return (lr, r)
    }
    let onS = try config.settings(problem: 0).map(fields)
    let onI = try config.settings(problem: 1).map(fields)
    let expectS: [(Double, Double)] = [(0.125, 0.2), (0.125, 2), (0.475, 0.2), (0.475, 2)]
    let expectI: [(Double, Double)] = [(0.5, 0.3), (0.5, 3), (1.9, 0.3), (1.9, 3)]
    for (got, want) in zip(onS + onI, expectS + expectI) {
      #expect(abs(got.0 - want.0) <= 1e-12 * want.0 && abs(got.1 - want.1) <= 1e-12 * want.1)
    }
    // Labels do not depend on the problem (one report row per grid point across problems).
    #expect(
      try config.settings(problem: 0).map(\.label) == config.settings(problem: 1).map(\.label))
    #expect(
      try config.settings(problem: 0).map(\.label).first
        == "pgd[learningRate=0.5×λmax⁻¹,radius=0.1×dmin]")
    // The trial runs the resolved value: its definition holds it.
    let trial = try #require(
      try StudyRunner(config: config, directory: Self.temporaryDirectory()).trials().last)
    #expect(CanonicalJSON.text(trial.definition).contains(#""learningRate":1.9"#))
  }

  @Test("a config without tuningSeeds keeps its study.json bytes, trial keys and labels")
  func unchangedWithoutTuning() throws {
    let text = """
      {"name": "p", "seeds": 2, "budget": {"cost": 50},
       "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
       "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}],
                       "grid": {"0.learningRate": [0.5, 1]}}]}
      """
    let config = try StudyConfig.load(Data(text.utf8))
    let runner = StudyRunner(config: config, directory: Self.temporaryDirectory())
    // The bytes study.json had before tuning existed (sorted keys, grids as arrays).
    #expect(
      String(decoding: try runner.configData, as: UTF8.self)
        == #"{"budget":{"cost":50},"name":"p","optimizers":[{"grid":{"0.learningRate":[0.5,1]},"#
        + #""label":"gd","spec":[{"learningRate":0.5,"stage":"sgd"}]}],"problems":[{"#
        + #""escapeDelta":0.03,"label":"qdw","problem":"quartic-double-well"}],"#
        + #""seeds":2}"#)
    let trials = try runner.trials()
    #expect(
      trials.map(\.id) == [
        "qdw/gd[learningRate=0.5]/1", "qdw/gd[learningRate=0.5]/2", "qdw/gd[learningRate=1]/1",
        "qdw/gd[learningRate=1]/2",
      ])
    #expect(trials.map(\.index) == [0, 1, 2, 3] && trials.allSatisfy { $0.phase == .reporting })
    #expect(config.reportedLabels == ["gd[learningRate=0.5]", "gd[learningRate=1]"])
    #expect(try runner.tuningChoices().isEmpty)
  }

  @Test("the seed-methods and default studies: 3 tuning seeds, equal grids, median escape cost")
  func seedMethodsConfig() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("Studies/seed-methods.json").path
    let data = try #require(FileManager.default.contents(atPath: path))
    let config = try StudyConfig.load(data, source: path)
    #expect(config.tuningSeeds == 3 && config.selectionRule == .medianEscapeCost)
    let sizes = config.optimizers.map { ($0.grid ?? [:]).values.reduce(1) { $0 * $1.count } }
    #expect(Set(sizes) == [4], "\(sizes)")
    // Every problem resolves its relative grids (a known λ_max and minimum distance).
    for p in config.problems.indices {
      let scale = try config.scale(ofProblem: p)
      #expect(scale.lambdaMax != nil && scale.minimaDistance != nil)
    }
    // The default study uses the protocol too: 3 tuning seeds, equal 5-point grids.
    let ablation = try StudyConfig.load(
      try #require(
        FileManager.default.contents(
          atPath: root.appendingPathComponent("Studies/deo-ablation.json").path)))
    #expect(ablation.tuningSeeds == 3 && ablation.selectionRule == .medianEscapeCost)
    let ablationSizes = ablation.optimizers.map {
      ($0.grid ?? [:]).values.reduce(1) { $0 * $1.count }
    }
    #expect(Set(ablationSizes) == [5], "\(ablationSizes)")
  }

  @Test("the edge flag marks a chosen value at either end of a numeric grid field")
  func edgeFlag() {
    let grid: [String: StudyConfig.GridAxis] = [
      "0.learningRate": .relative(.timesInverseLambdaMax, [0.5, 1, 1.9]),
      "0.period": .values([.int(1), .int(5)]),
      "0.rotation": .values([.string("optimal-angle"), .string("gradient-step")]),
      "0.tau": .values([.int(2)]),
    ]
    func edges(_ coordinates: [Int]) -> [String] {
      let setting = StudyConfig.Setting(
        label: "x", spec: .array([]), optimizer: 0, point: 0, coordinates: coordinates)
      return TuningChoice.edges(of: setting, grid: grid).map { "\($0.side) \($0.field)" }
    }
    // Axes in key order: learningRate, period, rotation (strings: never an edge), tau (one value).
    #expect(edges([1, 0, 0, 0]) == ["low period"])
    #expect(edges([2, 1, 1, 0]) == ["high learningRate", "high period"])
    #expect(edges([0, 0, 1, 0]) == ["low learningRate", "low period"])
    // Numbers given out of order: the edge is the smallest/largest value, not the first/last.
    let unordered: [String: StudyConfig.GridAxis] = [
      "0.learningRate": .values([.int(1), .double(0.1), .double(0.5)])
    ]
    func unorderedEdges(_ i: Int) -> [String] {
      TuningChoice.edges(
        of: StudyConfig.Setting(label: "x", spec: .array([]), coordinates: [i]), grid: unordered
      ).map(\.side)
    }
    #expect(
      unorderedEdges(0) == ["high"] && unorderedEdges(1) == ["low"] && unorderedEdges(2) == [])
  }

  /// A stored result: escaped at `cost` (nil: never), final loss `loss`.
  static func stored(_ cost: Int?, loss: Double = -0.2) -> StoredResult {
    StoredResult(
      finalLoss: loss, escapeCost: cost, counts: .init(gradients: 300), steps: 300,
      curve: [[0, 0], [299, loss]], failure: nil)
  }

  @Test("selection reads only tuning trials: the best reporting-seed point is not chosen")
  func selectionFromTuningOnly() throws {
    let config = try StudyConfig.load(Data(Self.base.utf8))
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let store = StudyDirectory(directory)
    try store.prepare(configData: try runner.configData, shard: nil)
    let settings = try config.settings(problem: 0)
    #expect(
      settings.map(\.label) == [
        "gd[learningRate=0.5×λmax⁻¹]", "gd[learningRate=1.9×λmax⁻¹]",
        "pgd[radius=0.01×dmin]", "pgd[radius=0.1×dmin]", "pgd[radius=1×dmin]",
      ])
    // Tuning: gd's point 0 escapes at 10 (its point 1 at 50); pgd's middle point is best.
    let tuningCost = [10, 50, 90, 20, 200]
    // On the reporting seeds the order is reversed: gd's point 1 and pgd's point 0 are best.
    let reportingCost = [100, 5, 3, 60, 80]
    for (s, setting) in settings.enumerated() {
      for seed in config.tuningSeedRange {
        let trial = runner.makeTrial(
          problem: 0, setting: setting, seed: seed, label: setting.label, phase: .tuning, index: 0)
        try store.writeTrial(
          key: trial.key, definition: trial.definition, result: Self.stored(tuningCost[s]))
      }
      for seed in 1...config.seeds {
        let trial = runner.makeTrial(
          problem: 0, setting: setting, seed: seed, label: "x", phase: .reporting, index: 0)
        try store.writeTrial(
          key: trial.key, definition: trial.definition,
          result: Self.stored(reportingCost[s] + seed))
      }
    }
    let choices = try runner.tuningChoices()
    let gd = try #require(choices[0][0])
    let pgd = try #require(choices[0][1])
    #expect(gd.chosen == 0 && pgd.chosen == 1)
    // KM median of two runs both escaped at c: c.
    #expect(gd.points.map(\.score) == [10, 50])
    #expect(gd.edges.map(\.side) == ["low"] && pgd.edges.isEmpty)
    // Phase 2 runs the chosen points on the reporting seeds, labelled by the optimizer.
    var reported: [TrialResult] = []
    let missing = try runner.forEachResult(phase: .reporting) { reported.append($0) }
    #expect(missing == 0)
    #expect(reported.map(\.optimizer) == ["gd", "gd", "gd", "pgd", "pgd", "pgd"])
    #expect(reported.map(\.escapeCost) == [101, 102, 103, 61, 62, 63])
    // The report: one row per optimizer, the Tuning section with the edge flag.
    let report = StudyReport(results: reported, config: config)
    #expect(report.rows.map(\.optimizer) == ["gd", "pgd"])
    #expect(report.paired.map(\.method) == ["pgd"])
    let section = StudyReport.tuningMarkdown(config: config, choices: choices)
    #expect(
      section.contains(
        "| gd | learningRate ∈ {0.5, 1.9}×λmax⁻¹ | 2 | learningRate=0.5×λmax⁻¹ (0.5) | 10 | 1 | ⚠ low learningRate |"
      ))
    #expect(section.contains("| pgd | radius ∈ {0.01, 0.1, 1}×dmin | 3 | radius=0.1×dmin"))
    let markdown = StudyReport.inserting(section, into: report.markdown(title: "T"))
    #expect(markdown.contains("|\n\n## Tuning\n") && markdown.contains("|\n\n## Paired with gd"))
    // The same section through the report itself, so report.html carries it too.
    var withSection = report
    withSection.tuningSection = section
    #expect(withSection.markdown(title: "T") == markdown)
    #expect(
      withSection.html(title: "T", config: config, figures: [], commands: []).contains(
        "learningRate=0.5×λmax⁻¹ (0.5)"))
    let csv = StudyReport.tuningCSV(config: config, choices: choices)
    #expect(csv.split(separator: "\n").count == 1 + 5)
    #expect(
      csv.contains(
        "qdw,gd,gd[learningRate=0.5×λmax⁻¹],0,true,10.0,false,1.0,-0.2,2,low learningRate"))
    // A missing tuning trial: that pair is not selected, its reporting trials wait.
    let first = runner.makeTrial(
      problem: 0, setting: settings[4], seed: 1001, label: "", phase: .tuning, index: 0)
    try FileManager.default.removeItem(atPath: store.trialPath(first.key))
    let partial = try runner.tuningChoices()
    #expect(partial[0][0] != nil && partial[0][1] == nil)
    let status = try runner.status()
    #expect(status.phases.map(\.done) == [9, 3] && status.phases.map(\.total) == [10, 6])
    #expect(status.missing.contains("qdw/pgd/1"))
  }

  @Test("ties: escape rate, then median final loss, then grid order; final-loss rule")
  func tieBreaks() {
    let settings = (0..<3).map {
      StudyConfig.Setting(label: "p\($0)", spec: .array([]), point: $0, coordinates: [$0])
    }
    func run(_ cost: Int?, _ loss: Double, seed: Int = 1) -> TrialResult {
      TrialResult(
        id: "", problem: "p", optimizer: "o", seed: seed, finalLoss: loss, escapeCost: cost,
        counts: .init(gradients: 100), steps: 100, curve: [], failure: nil)
    }
    let grid: [String: StudyConfig.GridAxis] = ["0.x": .values([.int(1), .int(2), .int(3)])]
    // Same KM median (10): point 1 escapes more often (3/3 against 2/3).
    let byRate = TuningChoice.select(
      problem: 0, optimizer: 0, settings: settings,
      runs: [
        [run(10, -1), run(10, -1), run(nil, -1)], [run(10, -1), run(10, -1), run(12, -1)],
        [run(10, -1), run(10, -1), run(nil, -1)],
      ], rule: .medianEscapeCost, censor: 100, measuresEscape: true, grid: grid)
    #expect(byRate.chosen == 1 && byRate.edges.isEmpty)
    // Same median and rate: lower median final loss wins; then grid order.
    let byLoss = TuningChoice.select(
      problem: 0, optimizer: 0, settings: settings,
      runs: [[run(10, -1)], [run(10, -2)], [run(10, -2)]], rule: .medianEscapeCost,
      censor: 100, measuresEscape: true, grid: grid)
    #expect(byLoss.chosen == 1)
    // Not escaped: +∞ score; final-loss picks the lowest median loss (NaN counts as +∞).
    let finalLoss = TuningChoice.select(
      problem: 0, optimizer: 0, settings: settings,
      runs: [[run(nil, .nan), run(nil, -5)], [run(nil, -1), run(nil, -1)], [run(nil, 0)]],
      rule: .finalLoss, censor: 100, measuresEscape: false, grid: grid)
    #expect(finalLoss.chosen == 1 && finalLoss.points[0].score == .infinity)
    let none = TuningChoice.select(
      problem: 0, optimizer: 0, settings: settings,
      runs: [[run(nil, 0)], [run(nil, 0)], [run(nil, 0)]],
      rule: .medianEscapeCost, censor: 100, measuresEscape: true, grid: grid)
    #expect(none.chosen == 0 && none.points.allSatisfy { $0.score == .infinity })
    #expect(none.edges.map(\.side) == ["low"])
  }

  @Test("a tuning study is deterministic: unsharded, 2 jobs, and 2 shards merged agree")
  func deterministicPhases() throws {
    let config = try StudyConfig.load(Data(Self.base.utf8))
    let root = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    func reportOf(_ directory: URL) throws -> (String, [[Int?]]) {
      let runner = StudyRunner(config: config, directory: directory)
      var results: [TrialResult] = []
      #expect(try runner.forEachResult(phase: .reporting) { results.append($0) } == 0)
      let choices = try runner.tuningChoices()
      let markdown = StudyReport.inserting(
        StudyReport.tuningMarkdown(config: config, choices: choices),
        into: StudyReport(results: results, config: config).markdown(title: "t"))
      return (markdown, choices.map { $0.map { $0?.chosen } })
    }
    var one = StudyRunner(config: config, directory: root.appendingPathComponent("one"))
    one.jobs = 1
    let ran = try one.run()
    #expect(ran.ran == 16 && ran.skipped == 0)
    #expect(try one.run().ran == 0)  // resumed: nothing left
    var two = StudyRunner(config: config, directory: root.appendingPathComponent("two"))
    two.jobs = 2
    _ = try two.run()
    // Two shards: phase 1 each, then phase 2 each reading the other's tuning trials.
    let shards = [1, 2].map { root.appendingPathComponent("shards/\($0)") }
    for (k, url) in shards.enumerated() {
      _ = try StudyRunner(config: config, directory: url).run(shard: k, of: 2, phase: .tuning)
    }
    var early = StudyRunner(config: config, directory: shards[0])
    early.log = { _ in }
    #expect(throws: SpecError.self) { try early.run(shard: 0, of: 2, phase: .reporting) }
    for (k, url) in shards.enumerated() {
      var runner = StudyRunner(config: config, directory: url)
      runner.tuningSources = shards
      _ = try runner.run(shard: k, of: 2, phase: .reporting)
      let status = try runner.status(shard: k, of: 2)
      #expect(status.done == status.total)
    }
    let merged = root.appendingPathComponent("merged")
    let summary = try StudyMerge.merge(into: merged, from: shards, allowIncomplete: false)
    #expect(summary.total == 16 && summary.missing == 0)
    let a = try reportOf(root.appendingPathComponent("one"))
    #expect(a.0.contains("## Tuning"))
    #expect(try reportOf(root.appendingPathComponent("two")) == a)
    #expect(try reportOf(merged) == a)
  }

  @Test("slurm: tuning array → reporting array (afterok) → merge (afterok), quoting kept")
  func slurmPhases() throws {
    let root = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    try FileOutput.createDirectory(root.path)
    let out = root.appendingPathComponent("o $(touch pwned) it's").path
    let bin = root.appendingPathComponent("fake saddle's").path
    try Data(
      "#!/bin/bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$ARGS_FILE\"\n".utf8
    ).write(to: URL(fileURLWithPath: bin))
    chmod(bin, 0o755)
    var job = try SlurmJob(
      name: "t", binary: bin, out: out, shards: 3, jobs: 1, threads: 2, time: "00:10:00",
      memory: "1G")
    job.tuning = true
    try job.write(configData: Data("{}".utf8))
    let tuning = try String(contentsOfFile: job.tuningScriptPath, encoding: .utf8)
    #expect(tuning.contains("#SBATCH --job-name=saddle-t-tuning"))
    #expect(tuning.contains("#SBATCH --array=1-3") && tuning.contains("#SBATCH --cpus-per-task=2"))
    let q = SlurmJob.shellQuote
    // The submit line: the reporting array waits for the tuning array, the merge for both.
    #expect(
      job.submitLine()
        == "tid=$(sbatch --parsable \(q(job.tuningScriptPath))) && "
        + "jid=$(sbatch --parsable --dependency=afterok:\"${tid%%;*}\" \(q(job.arrayScriptPath))) && "
        + "sbatch --dependency=afterok:\"${jid%%;*}\" \(q(job.mergeScriptPath))")
    let record = try #require(SlurmJob.record(in: URL(fileURLWithPath: out)))
    #expect(record.tuningScript == job.tuningScriptPath)
    #expect(
      SlurmJob.resubmitLine(record, missing: [1, 2, 3], missingTuning: [2])
        == "tid=$(sbatch --parsable --array=2 \(q(job.tuningScriptPath))) && "
        + "jid=$(sbatch --parsable --array=1-3 --dependency=afterok:\"${tid%%;*}\" \(q(job.arrayScriptPath))) && "
        + "sbatch --dependency=afterok:\"${jid%%;*}\" \(q(job.mergeScriptPath))")
    #expect(
      SlurmJob.resubmitLine(record, missing: [3])
        == "jid=$(sbatch --parsable --array=3 \(q(job.arrayScriptPath))) && "
        + "sbatch --dependency=afterok:\"${jid%%;*}\" \(q(job.mergeScriptPath))")
    // What each script runs, argument by argument.
    let argsFile = root.appendingPathComponent("args").path
    let task = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_JOB_ID": "9", "ARGS_FILE": argsFile]
    let common = [
      "study", "run", job.configCopy, "--out", out + "/shards/2", "--shard", "2/3", "--jobs", "1",
      "--threads", "2",
    ]
    for (path, extra) in [
      (job.tuningScriptPath, ["--phase", "tuning"]),
      (job.arrayScriptPath, ["--phase", "reporting", "--tuning-from", out + "/shards"]),
    ] {
      #expect(try Self.bash(["-n", path], env: [:], cwd: root) == 0)
      try? FileManager.default.removeItem(atPath: argsFile)
      #expect(try Self.bash([path], env: task, cwd: root) == 0)
      let recorded = try String(contentsOfFile: argsFile, encoding: .utf8)
        .split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
      #expect(recorded == common + extra)
    }
    #expect(FileManager.default.fileExists(atPath: job.logDirectory + "/tuning-9_2.out"))
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("pwned").path))
    // Without tuning the array script is the one-phase script it always was.
    job.tuning = false
    #expect(!job.arrayScript.contains("--phase") && !job.submitLine().contains("tid="))
  }

  static func bash(_ arguments: [String], env: [String: String], cwd: URL) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    process.currentDirectoryURL = cwd
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
