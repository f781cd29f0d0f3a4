import Foundation
import SaddleCore

/// One trial reduced to the scalars the report needs (its curves are folded into the row's
/// ``RowCurves`` and dropped).
struct TrialSummary: Sendable, Equatable {
  var seed: Int
  /// The trial's key (`trials/<key>.json`, `timing/<key>.json`), when read from a directory.
  var key: String?
  var finalLoss: Double
  var escapeCost: Int?
  var counts: EvaluationCounts
  var steps: Int
  var failure: String?
  /// The x of the last curve point.
  var lastX: Double?
  /// Where the curve made 90% of its change (``Figures/actionPoint(_:)``).
  var action: Double?
  /// Loss at the problem's common cost (second pass).
  var lossAtEqualCost: Double = .infinity
  /// First curve x at or below the problem's target loss (second pass).
  var reachCost: Double?

  /// ``StudyReport/escaped(_:)``.
  var escaped: Bool { escapeCost != nil && failure == nil && finalLoss.isFinite }
}

/// A row of the report: a problem and a setting.
struct RowKey: Hashable, Sendable {
  var problem: String
  var setting: String
}

/// The mean curves of one row: loss, and held-out loss and accuracy (networks).
struct RowCurves: Sendable, Equatable {
  var loss = CurveAccumulator()
  var heldOutLoss = CurveAccumulator()
  var heldOutAccuracy = CurveAccumulator()
}

/// The mean curve of a row's runs with its 95% band, built one run at a time with the same
/// floating-point operations, in the same order, as ``Figures/meanCurves(title:subtitle:x:y:groups:maxPoints:)``
/// on all runs at once (so the figures are byte-identical): runs held piecewise constant on the
/// union of their x values; per x the sum and count of finite values in run order (first pass),
/// then the sum of squared deviations from that mean (second pass, runs in the same order).
///
/// A run's x not yet in the union is inserted with its predecessor's sums: the earlier runs
/// hold the same values there (none of them has a point in between). Memory: one slot per
/// distinct x — the curve grid, not the number of runs. Points with a non-finite x are left out.
struct CurveAccumulator: Sendable, Equatable {
  var xs: [Double] = []
  var sums: [Double] = []
  var counts: [Int] = []
  var squares: [Double] = []
  var second = false

  /// Calls `body(i, y)` with the run's held value at each `xs[i]` the run has started at.
  func forEachHeld(_ curve: [(x: Double, y: Double)], _ body: (Int, Double) -> Void) {
    guard let first = curve.first else { return }
    var cursor = 0
    for (i, xv) in xs.enumerated() {
      guard first.x <= xv else { continue }
      while cursor + 1 < curve.count && curve[cursor + 1].x <= xv { cursor += 1 }
      body(i, curve[cursor].y)
    }
  }

  /// First pass: adds a run (runs in seed order).
  mutating func add(_ curve: [(x: Double, y: Double)]) {
    precondition(!second, "add after the second pass began")
    guard !curve.isEmpty else { return }
    for p in curve where p.x.isFinite {
      var lo = 0
      var hi = xs.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if xs[mid] < p.x { lo = mid + 1 } else { hi = mid }
      }
      if lo < xs.count && xs[lo] == p.x { continue }
      xs.insert(p.x, at: lo)
      sums.insert(lo > 0 ? sums[lo - 1] : 0, at: lo)
      counts.insert(lo > 0 ? counts[lo - 1] : 0, at: lo)
    }
    var sums = self.sums
    var counts = self.counts
    forEachHeld(curve) { i, y in
      guard y.isFinite else { return }
      sums[i] += y
      counts[i] += 1
    }
    self.sums = sums
    self.counts = counts
  }

  /// Starts the second pass.
  mutating func beginSecondPass() {
    second = true
    squares = [Double](repeating: 0, count: xs.count)
  }

  /// Second pass: the same run again (same order as in the first pass).
  mutating func addSquares(_ curve: [(x: Double, y: Double)]) {
    guard !curve.isEmpty else { return }
    var squares = self.squares
    forEachHeld(curve) { i, y in
      guard y.isFinite, counts[i] > 0 else { return }
      let m = sums[i] / Double(counts[i])
      squares[i] += (y - m) * (y - m)
    }
    self.squares = squares
  }

  /// The mean with its Student-t 95% band at (at most `maxPoints` of) the union's x values.
  func points(maxPoints: Int = 400) -> [SeriesPoint] {
    var indices = Array(xs.indices)
    if xs.count > maxPoints {
      let stride = Double(xs.count - 1) / Double(maxPoints - 1)
      indices = (0..<maxPoints).map { Int((Double($0) * stride).rounded()) }
    }
    var out: [SeriesPoint] = []
    for i in indices where counts[i] > 0 {
      let n = counts[i]
      let mean = sums[i] / Double(n)
      var h = 0.0
      if n > 1 {
        let variance = squares[i] / Double(n - 1)
        h = studentT975(degreesOfFreedom: n - 1) * (variance / Double(n)).squareRoot()
        if h.isNaN { h = 0 }
      }
      out.append(SeriesPoint(x: xs[i], y: mean, lower: mean - h, upper: mean + h))
    }
    return out
  }
}

extension StudyReport {
  /// Folds trials into per-problem and per-row accumulators in two passes over the same trials
  /// in the same order (problems, settings, seeds): the first finds each problem's common cost
  /// C, best and starting loss and each row's curve sums; the second each run's loss at C and
  /// cost to the target loss, and the curves' squared deviations.
  struct Builder {
    struct Problem {
      var best: Double?
      var firstLosses: [Double] = []
      var equalCost: Double?
      var anyEscape = false
      var target: Double?
    }
    struct Rows {
      var runs: [TrialSummary] = []
      var curves = RowCurves()
      /// Runs seen in the second pass.
      var cursor = 0
    }

    var targetFraction: Double
    var problems: [String: Problem] = [:]
    var rows: [RowKey: Rows] = [:]

    init(targetFraction: Double) { self.targetFraction = targetFraction }

    static func points(_ rows: [[Double]]?, column: Int) -> [(x: Double, y: Double)] {
      (rows ?? []).compactMap { $0.count > column ? (x: $0[0], y: $0[column]) : nil }
    }

    mutating func first(_ r: TrialResult, key: String?) {
      var p = problems[r.problem] ?? Problem()
      for point in r.curve where point.count >= 2 && point[1].isFinite {
        p.best = Swift.min(p.best ?? point[1], point[1])
      }
      if let f = r.curve.first, f.count >= 2, f[1].isFinite { p.firstLosses.append(f[1]) }
      if r.failure == nil, let last = r.curve.last?.first {
        p.equalCost = Swift.min(p.equalCost ?? last, last)
      }
      if r.escapeCost != nil { p.anyEscape = true }
      problems[r.problem] = p
      let curve = Self.points(r.curve, column: 1)
      var row = rows[RowKey(problem: r.problem, setting: r.optimizer)] ?? Rows()
      row.runs.append(
        TrialSummary(
          seed: r.seed, key: key, finalLoss: r.finalLoss, escapeCost: r.escapeCost,
          counts: r.counts, steps: r.steps, failure: r.failure, lastX: r.curve.last?.first,
          action: Figures.actionPoint(curve)))
      row.curves.loss.add(curve)
      row.curves.heldOutLoss.add(Self.points(r.heldOut, column: 1))
      row.curves.heldOutAccuracy.add(Self.points(r.heldOut, column: 2))
      rows[RowKey(problem: r.problem, setting: r.optimizer)] = row
    }

    mutating func beginSecondPass() {
      for (name, var p) in problems {
        if let best = p.best, let start = median(p.firstLosses), start > best {
          p.target = best + targetFraction * (start - best)
        }
        p.firstLosses = []
        problems[name] = p
      }
      for key in Array(rows.keys) {
        rows[key]!.curves.loss.beginSecondPass()
        rows[key]!.curves.heldOutLoss.beginSecondPass()
        rows[key]!.curves.heldOutAccuracy.beginSecondPass()
      }
    }

    mutating func second(_ r: TrialResult) {
      let p = problems[r.problem]!
      let key = RowKey(problem: r.problem, setting: r.optimizer)
      var row = rows[key]!
      rows[key] = nil  // no copy on write below
      let i = row.cursor
      row.cursor += 1
      if let c = p.equalCost {
        row.runs[i].lossAtEqualCost =
          r.failure != nil && (r.curve.last?[0] ?? 0) < c
          ? .infinity : r.curve.last { $0[0] <= c }?[1] ?? .infinity
      }
      if let target = p.target {
        row.runs[i].reachCost = r.curve.first { $0[1] <= target }?[0]
      }
      row.curves.loss.addSquares(Self.points(r.curve, column: 1))
      row.curves.heldOutLoss.addSquares(Self.points(r.heldOut, column: 1))
      row.curves.heldOutAccuracy.addSquares(Self.points(r.heldOut, column: 2))
      rows[key] = row
    }
  }
}

extension StudyReport {
  /// Row and seed index of each trial by its key (trials read from a directory), else by its
  /// id `problem/setting/seed` and that id's ``StudyRunner/fileName(for:)`` without `.json`.
  func trialLookup() -> [String: (row: Int, run: Int)] {
    var out: [String: (row: Int, run: Int)] = [:]
    for (i, runs) in seedRuns.enumerated() {
      for (j, r) in runs.enumerated() {
        if let key = r.key {
          out[key] = (i, j)
        } else {
          let id = "\(rows[i].problem)/\(rows[i].optimizer)/\(r.seed)"
          out[id] = (i, j)
          out[String(StudyRunner.fileName(for: id).dropLast(5))] = (i, j)
        }
      }
    }
    return out
  }
}
