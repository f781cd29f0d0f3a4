import Foundation

/// Builders for the figures of a study: mean curves with confidence bands (loss against cost,
/// steps or wall-clock time; held-out metrics), escape-cost survival curves, performance
/// profiles and sensitivity along one grid axis.
public enum Figures {
  /// The runs of one setting: each a curve of `(x, y)` points in increasing x.
  public struct RunGroup: Sendable {
    /// The legend text.
    public var label: String
    /// One curve per run (seed).
    public var curves: [[(x: Double, y: Double)]]

    /// A group of runs.
    public init(label: String, curves: [[(x: Double, y: Double)]]) {
      self.label = label
      self.curves = curves
    }
  }

  /// Mean curves with 95% bands: for each group, the runs are held piecewise constant on the
  /// union of their x values; the line is at the mean and the band at mean ± the Student t
  /// half-width (each mapped through the axis' scale, so the line is `transform(mean)`).
  /// Used for loss vs cost, loss vs steps, loss vs wall-clock and held-out metric vs cost.
  public static func meanCurves(
    title: String, subtitle: String? = nil, x: Axis, y: Axis, groups: [RunGroup],
    maxPoints: Int = 400
  ) -> Figure {
    var series: [Series] = []
    var action: [Double] = []
    for group in groups {
      let curves = group.curves.filter { !$0.isEmpty }
      var xs = Array(Set(curves.flatMap { $0.map(\.x) })).filter(\.isFinite).sorted()
      if xs.count > maxPoints {
        let stride = Double(xs.count - 1) / Double(maxPoints - 1)
        xs = (0..<maxPoints).map { xs[Int((Double($0) * stride).rounded())] }
      }
      var points: [SeriesPoint] = []
      var cursors = [Int](repeating: 0, count: curves.count)
      for xv in xs {
        var ys: [Double] = []
        for (r, curve) in curves.enumerated() {
          guard curve[0].x <= xv else { continue }
          while cursors[r] + 1 < curve.count && curve[cursors[r] + 1].x <= xv { cursors[r] += 1 }
          ys.append(curve[cursors[r]].y)
        }
        let m = MeanInterval(ys)
        guard m.count > 0 else { continue }
        let h = m.halfWidth.isNaN ? 0 : m.halfWidth
        points.append(SeriesPoint(x: xv, y: m.mean, lower: m.mean - h, upper: m.mean + h))
      }
      series.append(Series(group.label, points: points))
      for curve in curves { if let a = actionPoint(curve) { action.append(a) } }
    }
    return Figure(
      title: title, subtitle: subtitle, x: x, y: y, series: series, xAction: action)
  }

  /// Where a curve has made 90% of its total change (nil for a flat curve).
  static func actionPoint(_ curve: [(x: Double, y: Double)]) -> Double? {
    let finite = curve.filter { $0.y.isFinite }
    guard let first = finite.first, let last = finite.last else { return nil }
    let change = abs(first.y - last.y)
    guard change > 0 else { return nil }
    return finite.first { abs($0.y - last.y) <= 0.1 * change }?.x
  }

  /// One setting's escape outcomes: the cost at which each run escaped, or the cost at which
  /// it stopped without escaping (censored).
  public struct EscapeGroup: Sendable {
    /// The legend text.
    public var label: String
    /// Costs of the runs that escaped.
    public var escapes: [Double]
    /// Costs at which the runs that did not escape stopped.
    public var censored: [Double]

    /// A group of escape outcomes.
    public init(label: String, escapes: [Double], censored: [Double]) {
      self.label = label
      self.escapes = escapes
      self.censored = censored
    }
  }

  /// The Kaplan–Meier estimate of the fraction not yet escaped, `S(c) = Π_{c_i ≤ c} (1 − d_i/n_i)`
  /// (Kaplan & Meier 1958, eq. 2), as step points starting at `(0, 1)` and ending at the last
  /// observation.
  public static func survivalPoints(escapes: [Double], censored: [Double]) -> [SeriesPoint] {
    var points = [SeriesPoint(x: 0, y: 1)]
    var atRisk = Double(escapes.count + censored.count)
    guard atRisk > 0 else { return points }
    var s = 1.0
    let times = Array(Set(escapes + censored)).sorted()
    for t in times {
      let d = Double(escapes.filter { $0 == t }.count)
      let c = Double(censored.filter { $0 == t }.count)
      if d > 0 {
        s *= 1 - d / atRisk
        points.append(SeriesPoint(x: t, y: s))
      }
      atRisk -= d + c
    }
    if let end = (escapes + censored).max(), end > points.last!.x {
      points.append(SeriesPoint(x: end, y: s))
    }
    return points
  }

  /// Escape-cost survival curves: the fraction of runs not yet escaped against cost, censored
  /// at the budget (a vertical tick marks where a curve ends with runs still at the saddle).
  public static func survival(
    title: String, subtitle: String? = nil, x: Axis, groups: [EscapeGroup]
  ) -> Figure {
    let series = groups.map { g in
      Series(
        g.label, points: survivalPoints(escapes: g.escapes, censored: g.censored), style: .step,
        censoredEnd: !g.censored.isEmpty)
    }
    return Figure(
      title: title, subtitle: subtitle, x: x,
      y: Axis("fraction of runs not yet escaped", scale: .fixed(.linear), limits: 0...1),
      series: series, xAction: groups.flatMap(\.escapes))
  }

  /// Performance profiles (Dolan & Moré 2002, "Benchmarking optimization software with
  /// performance profiles", Math. Program. 91, eq. 1): for each method `s`,
  /// `ρ_s(τ) = |{p : r_{p,s} ≤ τ}| / n_p` with `r_{p,s} = t_{p,s} / min_s t_{p,s}`.
  /// `costs[p][s]` is method `s`'s cost on instance `p`, `.infinity` when it failed.
  public static func performanceProfile(
    title: String, subtitle: String? = nil, methods: [String], costs: [[Double]],
    costName: String = "escape cost"
  ) -> Figure {
    var ratios = [[Double]](repeating: [], count: methods.count)
    for row in costs {
      let best = row.filter { $0.isFinite && $0 > 0 }.min()
      for s in methods.indices {
        let t = s < row.count ? row[s] : .infinity
        ratios[s].append(best.map { t.isFinite ? Swift.max(1, t / $0) : .infinity } ?? .infinity)
      }
    }
    let finite = ratios.flatMap { $0 }.filter(\.isFinite)
    let tauMax = Swift.max(2, (finite.max() ?? 1) * 1.2)
    let count = Double(Swift.max(1, costs.count))
    let series = methods.indices.map { s -> Series in
      let sorted = ratios[s].filter(\.isFinite).sorted()
      var points = [SeriesPoint(x: 1, y: Double(sorted.filter { $0 <= 1 }.count) / count)]
      for (i, r) in sorted.enumerated() where r > 1 && (i + 1 == sorted.count || sorted[i + 1] > r)
      {
        points.append(SeriesPoint(x: r, y: Double(i + 1) / count))
      }
      points.append(SeriesPoint(x: tauMax, y: points.last!.y))
      return Series(methods[s], points: points, style: .step)
    }
    return Figure(
      title: title, subtitle: subtitle,
      x: Axis("τ: \(costName) ÷ best method's on the same instance", scale: .fixed(.log)),
      y: Axis("ρ(τ): fraction of instances within τ", scale: .fixed(.linear), limits: 0...1),
      series: series)
  }

  /// One line of a sensitivity plot: values of the metric at each setting of the parameter.
  public struct SensitivityGroup: Sendable {
    /// The legend text.
    public var label: String
    /// `(parameter value, metric over seeds)`.
    public var points: [(x: Double, values: [Double])]

    /// A group of points.
    public init(label: String, points: [(x: Double, values: [Double])]) {
      self.label = label
      self.points = points
    }
  }

  /// Sensitivity along one grid axis: the metric's mean with 95% error bars at each value of
  /// the parameter, one line per group. An automatic x-axis is logarithmic when the values are
  /// positive and span a factor of 20 or more (grids such as 1, 10, 100).
  public static func sensitivity(
    title: String, subtitle: String? = nil, x: Axis, y: Axis, groups: [SensitivityGroup]
  ) -> Figure {
    var x = x
    let xs = groups.flatMap { $0.points.map(\.x) }
    if x.scale == .automatic, let lo = xs.min(), let hi = xs.max(), lo > 0, hi / lo >= 20 {
      x.scale = .fixed(.log)
    }
    let series = groups.map { g in
      Series(
        g.label,
        points: g.points.sorted { $0.x < $1.x }.map { p in
          let m = MeanInterval(p.values)
          let h = m.halfWidth.isNaN ? 0 : m.halfWidth
          return SeriesPoint(x: p.x, y: m.mean, lower: m.mean - h, upper: m.mean + h)
        }, style: .markers)
    }
    return Figure(title: title, subtitle: subtitle, x: x, y: y, series: series)
  }
}
