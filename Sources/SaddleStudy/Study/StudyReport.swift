import Foundation
import SaddleCore

/// Summaries of a study's trials, censoring-aware: per problem and setting the escape rate
/// with its Wilson interval, the escape cost as a Kaplan–Meier median (runs that did not
/// escape censored at the budget) with its Brookmeyer–Crowley interval, the final loss, the
/// loss at an equal cost and the cost to a target loss; paired comparisons against a baseline
/// over the same seeds; Dolan–Moré performance profiles across problems. Written as Markdown
/// and CSV (``write(to:title:environment:)``), plus figures (`StudyReport+Figures.swift`).
public struct StudyReport: Sendable {
  /// One row: a setting on a problem.
  public struct Row: Sendable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The setting's label.
    public var optimizer: String
    /// Number of seeds.
    public var seeds: Int
    /// Final loss: mean with its Student-t 95% interval.
    public var finalLoss: MeanInterval
    /// Final loss: median over seeds (nil for no finite value).
    public var finalLossMedian: Double?
    /// Whether the problem has an escape criterion (a saddle start with `escapeDelta`); the
    /// escape fields below are meaningful only then.
    public var measuresEscape: Bool
    /// How many runs escaped (and ended finite, below the saddle's value).
    public var escaped: Int
    /// The escape probability with its Wilson 95% interval.
    public var escapeRate: WilsonInterval
    /// The escape cost: Kaplan–Meier median over seeds, runs that did not escape censored at
    /// `censorTime`, with the Brookmeyer–Crowley 95% interval.
    public var escapeCost: KaplanMeier.Median
    /// Where runs that did not escape are censored: the cost budget (else the largest cost a
    /// run of the row spent).
    public var censorTime: Double
    /// The total cost: mean with its Student-t 95% interval.
    public var cost: MeanInterval
    /// Runs ended by a non-finite value.
    public var failures: Int
    /// The problem's common cost C: the smallest last-curve cost of its finished runs.
    public var equalCost: Double?
    /// Median over seeds of the loss at cost C (last curve point at or before C; +∞ for a run
    /// that failed before C).
    public var lossAtEqualCost: Double?
    /// The problem's target loss `f_best + fraction·(f_start − f_best)` (see
    /// ``StudyReport/init(results:config:baseline:targetFraction:)``).
    public var targetLoss: Double?
    /// Cost to reach the target loss: Kaplan–Meier median (runs that never reach it censored
    /// at their last curve cost) with its interval.
    public var costToTarget: KaplanMeier.Median?
  }

  /// One row per problem and setting, in config order.
  public var rows: [Row]
  /// Each setting against ``baseline`` on each problem with an escape criterion.
  public var paired: [PairedComparison]
  /// The baseline setting of the paired comparisons (nil: no rows).
  public var baseline: String?
  /// Performance profiles across problems: by escape cost (KM median) and by cost to target.
  public var profiles: [PerformanceProfile]
  /// The trials the rows summarize.
  public var trialCount: Int
  /// Trials of the study with no trial file (read from a directory; 0 otherwise).
  public var missingTrials: Int = 0

  /// Per row (parallel to ``rows``): each seed's scalars, in seed order.
  var seedRuns: [[TrialSummary]]
  /// Per row (parallel to ``rows``): the mean curves for the figures.
  var rowCurves: [RowCurves]

  /// The Tuning section of a study with `tuningSeeds` (``tuningMarkdown(config:choices:scales:)``),
  /// inserted after the main table by ``markdown(title:)``; nil otherwise.
  public var tuningSection: String? = nil
  /// The tuning choices of a study with `tuningSeeds` (every grid point's tuning score), for
  /// the tuning sensitivity figures (``tuningSensitivityFigures(config:)``); nil otherwise.
  public var tuningChoices: [TuningChoice]? = nil

  /// Groups `results` by problem and optimizer. Rows follow `config` (its problems, then its
  /// settings, in order); labels the config does not list (or every label, without a config)
  /// follow in numeric-aware order (`[period=1]` before `[period=10]`). `baseline` (default:
  /// the first setting) is the reference of the paired comparisons. The target loss of a
  /// problem is `f_best + targetFraction·(f_start − f_best)`, f_best the lowest loss any of
  /// its runs reached, f_start the median first-curve loss (Moré & Wild 2009, eq. 2.2).
  ///
  /// The same summaries as ``init(runner:baseline:targetFraction:)``, which reads a study
  /// directory one trial file at a time.
  public init(
    results: [TrialResult], config: StudyConfig? = nil, baseline: String? = nil,
    targetFraction: Double = 0.01
  ) {
    func ordered(_ labels: [String], first: [String]) -> [String] {
      let known = first.filter(Set(labels).contains)
      let rest = Set(labels).subtracting(known).sorted {
        $0.compare($1, options: [.numeric]) == .orderedAscending
      }
      return known + rest
    }
    let problemOrder = ordered(
      results.map(\.problem), first: config?.problems.map(\.label) ?? [])
    let settingOrder = ordered(
      results.map(\.optimizer), first: config?.reportedLabels ?? [])
    // Report order: problems, settings, seeds (the order a study directory is read in).
    let problemIndex = Dictionary(
      problemOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let settingIndex = Dictionary(
      settingOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let sorted = results.enumerated().sorted { a, b in
      let ka = (
        problemIndex[a.element.problem]!, settingIndex[a.element.optimizer]!, a.element.seed
      )
      let kb = (
        problemIndex[b.element.problem]!, settingIndex[b.element.optimizer]!, b.element.seed
      )
      return ka != kb ? ka < kb : a.offset < b.offset
    }.map(\.element)
    var builder = Builder(targetFraction: targetFraction)
    for r in sorted { builder.first(r, key: nil) }
    builder.beginSecondPass()
    for r in sorted { builder.second(r) }
    self.init(
      builder: builder, problemOrder: problemOrder, settingOrder: settingOrder,
      budget: config?.budget.cost.map(Double.init), config: config, baseline: baseline)
  }

  /// The report of the study in `runner`'s directory, reading each trial file, folding it into
  /// per-row accumulators and dropping it — twice (the second pass needs each problem's common
  /// cost and target loss) — so memory grows with rows and seeds, not with curve lengths:
  /// per trial a few scalars, per row the mean curves on their grid. Equal, byte for byte in
  /// every written file, to ``init(results:config:baseline:targetFraction:)`` on the same
  /// trials. A trial file that is unreadable, of an unknown format or holds another definition
  /// is an error naming the file and field; trials with no file are counted in
  /// ``missingTrials``.
  public init(runner: StudyRunner, baseline: String? = nil, targetFraction: Double = 0.01)
    throws
  {
    let config = runner.config
    var builder = Builder(targetFraction: targetFraction)
    var problems: [String] = []
    var settings: [String] = []
    var seenProblems = Set<String>()
    var seenSettings = Set<String>()
    let missing = try runner.forEachResult(phase: .reporting) { r, key in
      builder.first(r, key: key)
      if seenProblems.insert(r.problem).inserted { problems.append(r.problem) }
      if seenSettings.insert(r.optimizer).inserted { settings.append(r.optimizer) }
    }
    builder.beginSecondPass()
    try runner.forEachResult(phase: .reporting) { r, _ in builder.second(r) }
    let configProblems = config.problems.map(\.label).filter(seenProblems.contains)
    let configSettings = config.reportedLabels.filter(seenSettings.contains)
    self.init(
      builder: builder, problemOrder: configProblems, settingOrder: configSettings,
      budget: config.budget.cost.map(Double.init), config: config, baseline: baseline)
    missingTrials = missing
  }

  init(
    builder: Builder, problemOrder: [String], settingOrder: [String], budget: Double?,
    config: StudyConfig?, baseline: String?
  ) {
    var rows: [Row] = []
    var seedRuns: [[TrialSummary]] = []
    var rowCurves: [RowCurves] = []
    for problem in problemOrder {
      let p = builder.problems[problem]!
      let spec = config?.problems.first { $0.label == problem }
      let measuresEscape =
        spec.map { $0.escapeDelta != nil && ($0.start ?? "saddle") == "saddle" } ?? p.anyEscape
      let equalCost = p.equalCost
      let target = p.target
      for optimizer in settingOrder {
        guard let acc = builder.rows[RowKey(problem: problem, setting: optimizer)] else {
          continue
        }
        let g = acc.runs
        let censor = budget ?? Double(g.map(\.counts.cost).max() ?? 0)
        let escaped = g.map(\.escaped)
        let km = KaplanMeier(
          times: zip(g, escaped).map { $1 ? Double($0.escapeCost!) : censor }, observed: escaped
        ).median
        var toTarget: KaplanMeier.Median?
        if target != nil {
          toTarget =
            KaplanMeier(
              times: g.map { $0.reachCost ?? $0.lastX ?? 0 },
              observed: g.map { $0.reachCost != nil }
            ).median
        }
        let finals = g.map(\.finalLoss).filter(\.isFinite)
        rows.append(
          Row(
            problem: problem, optimizer: optimizer, seeds: g.count,
            finalLoss: MeanInterval(g.map(\.finalLoss)), finalLossMedian: median(finals),
            measuresEscape: measuresEscape, escaped: escaped.filter { $0 }.count,
            escapeRate: WilsonInterval(successes: escaped.filter { $0 }.count, trials: g.count),
            escapeCost: km, censorTime: censor,
            cost: MeanInterval(g.map { Double($0.counts.cost) }),
            failures: g.filter { $0.failure != nil }.count, equalCost: equalCost,
            lossAtEqualCost: equalCost.flatMap { _ in median(g.map(\.lossAtEqualCost)) },
            targetLoss: target, costToTarget: toTarget))
        seedRuns.append(g)
        rowCurves.append(acc.curves)
      }
    }
    self.rows = rows
    self.seedRuns = seedRuns
    self.rowCurves = rowCurves
    self.trialCount = seedRuns.reduce(0) { $0 + $1.count }
    let base = baseline ?? settingOrder.first
    self.baseline = base
    var paired: [PairedComparison] = []
    for (i, row) in rows.enumerated() where row.measuresEscape && row.optimizer != base {
      guard let base,
        let reference = rows.indices.first(where: {
          rows[$0].problem == row.problem && rows[$0].optimizer == base
        })
      else { continue }
      func runs(_ g: [TrialSummary]) -> [(seed: Int, cost: Double, escaped: Bool)] {
        g.map { r in
          r.escaped ? (r.seed, Double(r.escapeCost!), true) : (r.seed, row.censorTime, false)
        }
      }
      paired.append(
        PairedComparison(
          problem: row.problem, method: row.optimizer, baseline: base,
          methodRuns: runs(seedRuns[i]), baselineRuns: runs(seedRuns[reference])))
    }
    self.paired = paired
    var profiles: [PerformanceProfile] = []
    let escapeProblems = problemOrder.filter { p in
      rows.contains { $0.problem == p && $0.measuresEscape }
    }
    let targetProblems = problemOrder.filter { p in
      rows.contains { $0.problem == p && $0.costToTarget != nil }
    }
    func cost(_ p: String, _ s: String, _ value: (Row) -> Double?) -> Double? {
      rows.first { $0.problem == p && $0.optimizer == s }.flatMap(value)
    }
    if !escapeProblems.isEmpty {
      profiles.append(
        PerformanceProfile(
          measure: "escape_cost_median", methods: settingOrder, problems: escapeProblems,
          costs: settingOrder.map { s in
            escapeProblems.map { cost($0, s) { $0.escapeCost.estimate } }
          }))
    }
    if !targetProblems.isEmpty {
      profiles.append(
        PerformanceProfile(
          measure: "cost_to_target_median", methods: settingOrder, problems: targetProblems,
          costs: settingOrder.map { s in
            targetProblems.map { cost($0, s) { $0.costToTarget?.estimate } }
          }))
    }
    self.profiles = profiles
  }

  /// Whether a run escaped: an escape cost was recorded and the run ended without a failure at
  /// a finite loss (the runner also requires it to end below the saddle's value).
  static func escaped(_ r: TrialResult) -> Bool {
    r.escapeCost != nil && r.failure == nil && r.finalLoss.isFinite
  }

  func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
