import Foundation

/// The Kaplan–Meier estimate of a survival curve from right-censored times (Kaplan & Meier
/// 1958), with Greenwood's variance and pointwise 95% bands on the log scale — R's
/// `survfit(conf.type = "log")`, its default.
///
/// At each distinct event time tⱼ with nⱼ at risk (times ≥ tⱼ, so a run censored at tⱼ is still
/// at risk there) and dⱼ events: `Ŝ(tⱼ) = Π_{i≤j} (1 − dᵢ/nᵢ)`,
/// `σ²(tⱼ) = Σ_{i≤j} dᵢ/(nᵢ(nᵢ − dᵢ))` (Greenwood's variance of log Ŝ), and the band
/// `Ŝ·exp(∓z·σ)` (upper end clipped at 1; undefined where Ŝ = 0, R's `NA`).
///
/// In a study the "time" is the escape cost and a run that never escaped (or escaped and then
/// diverged) is censored at the budget.
public struct KaplanMeier: Sendable, Equatable {
  /// The curve just after one event time.
  public struct Step: Sendable, Equatable {
    /// The event time tⱼ.
    public var time: Double
    /// nⱼ, the number at risk at tⱼ.
    public var atRisk: Int
    /// dⱼ, the number of events at tⱼ.
    public var events: Int
    /// Ŝ(tⱼ).
    public var survival: Double
    /// Greenwood's Σ dᵢ/(nᵢ(nᵢ − dᵢ)) (∞ once Ŝ = 0).
    public var greenwood: Double
    /// Lower end of the pointwise 95% band (nil where Ŝ = 0).
    public var lower: Double?
    /// Upper end of the pointwise 95% band, at most 1 (nil where Ŝ = 0).
    public var upper: Double?
  }

  /// One step per distinct event time, in increasing time.
  public var steps: [Step]
  /// The largest observed time (event or censoring).
  public var lastTime: Double
  /// Number of observations.
  public var count: Int

  /// The estimate for observations `times[i]`, an event when `observed[i]` (else censored).
  public init(times: [Double], observed: [Bool], z: Double = normalQuantile975) {
    precondition(times.count == observed.count, "KaplanMeier: times and flags differ in count")
    count = times.count
    lastTime = times.max() ?? 0
    let order = times.indices.sorted { times[$0] < times[$1] }
    var steps: [Step] = []
    var survival = 1.0
    var greenwood = 0.0
    var position = 0
    while position < order.count {
      let t = times[order[position]]
      let atRisk = order.count - position
      var events = 0
      while position < order.count && times[order[position]] == t {
        if observed[order[position]] { events += 1 }
        position += 1
      }
      guard events > 0 else { continue }
      survival *= 1 - Double(events) / Double(atRisk)
      greenwood =
        atRisk > events
        ? greenwood + Double(events) / (Double(atRisk) * Double(atRisk - events)) : .infinity
      var lower: Double?
      var upper: Double?
      if survival > 0 {
        let se = greenwood.squareRoot()
        lower = exp(log(survival) - z * se)
        upper = Swift.min(exp(log(survival) + z * se), 1)
      }
      steps.append(
        Step(
          time: t, atRisk: atRisk, events: events, survival: survival, greenwood: greenwood,
          lower: lower, upper: upper))
    }
    self.steps = steps
  }

  /// The median and its Brookmeyer–Crowley 95% interval (Brookmeyer & Crowley 1982): where
  /// Ŝ, its lower band and its upper band first fall to 0.5. R's rules (`quantile.survfit`):
  /// a curve flat at exactly 0.5 (within √ε) gives the midpoint of the flat (to the last
  /// observed time when the flat is the curve's end); nil when the curve never reaches 0.5.
  /// With nothing censored the median is the sample median.
  public var median: Median {
    let x =
      [0] + steps.map(\.time) + (lastTime > (steps.last?.time ?? -.infinity) ? [lastTime] : [])
    func curve(_ value: (Step) -> Double?) -> [Double?] {
      var y: [Double?] = [0] + steps.map { value($0).map { 1 - $0 } }
      if x.count > y.count { y.append(y.last!) }
      return y
    }
    return Median(
      estimate: Self.firstCrossing(x, curve(\.survival), 0.5),
      low: Self.firstCrossing(x, curve(\.lower), 0.5),
      high: Self.firstCrossing(x, curve(\.upper), 0.5),
      events: steps.reduce(0) { $0 + $1.events }, count: count)
  }

  /// R survival's `findq`: where the nondecreasing curve `y` (1 − survival, nil = NA) first
  /// reaches `p`, with the midpoint rule on a flat at `p`.
  static func firstCrossing(_ x: [Double], _ y: [Double?], _ p: Double) -> Double? {
    let tolerance = Double.ulpOfOne.squareRoot()
    guard let top = y.compactMap({ $0 }).max(), top >= p else { return nil }
    let xmax = x[x.count - 1]
    // Keep the first occurrence of each value (the censoring rows repeat the curve).
    var xs: [Double] = []
    var ys: [Double?] = []
    for (a, b) in zip(x, y) where !ys.contains(where: { $0 == b }) {
      xs.append(a)
      ys.append(b)
    }
    // R's approx(u, 1:n, p, method = "constant", f = 1): the knot with the smallest u ≥ p,
    // nil outside [min u, max u].
    func rightKnot(_ shift: Double) -> Int? {
      var best: (u: Double, index: Int)?
      var (low, high) = (Double.infinity, -Double.infinity)
      for (k, value) in ys.enumerated() {
        guard let value else { continue }
        let u = value + shift
        (low, high) = (Swift.min(low, u), Swift.max(high, u))
        if u >= p, best == nil || u < best!.u { best = (u, k) }
      }
      return p >= low && p <= high ? best?.index : nil
    }
    let first = rightKnot(tolerance)
    let second = rightKnot(-tolerance)
    var result: Double?
    if let first, let second { result = (xs[first] + xs[second]) / 2 }
    if let last = ys[ys.count - 1], abs(p - last) < tolerance, let first {
      result = (xs[first] + xmax) / 2
    }
    return result
  }

  /// A Kaplan–Meier median with its 95% interval; nil ends were not reached within the data.
  public struct Median: Sendable, Equatable, Codable {
    /// The median (nil: Ŝ never fell to 0.5 — e.g. fewer than half the runs escaped).
    public var estimate: Double?
    /// Lower end of the Brookmeyer–Crowley 95% interval (nil: not reached / undefined).
    public var low: Double?
    /// Upper end (nil: not reached within the data, or undefined where Ŝ = 0).
    public var high: Double?
    /// Number of events (escapes).
    public var events: Int
    /// Number of observations.
    public var count: Int
  }
}
