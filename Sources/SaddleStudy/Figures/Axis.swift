import Foundation

/// How an axis maps data values to positions.
public enum AxisScale: Sendable, Equatable {
  /// Positions proportional to the value.
  case linear
  /// Positions proportional to `log10(v)`; values ≤ 0 are drawn at the axis' lower end.
  case log
  /// Symmetric log, `sign(v)·log10(1 + |v|/c)`: linear within about `±c`, logarithmic beyond,
  /// so negative, zero and positive values spanning decades all show (Webber 2013,
  /// "A bi-symmetric log transformation for wide-range data", Meas. Sci. Technol. 24, eq. 1).
  case symlog(threshold: Double)

  /// The transformed value (positions are linear in it).
  public func forward(_ v: Double) -> Double {
    switch self {
    case .linear: return v
    case .log: return log10(v)
    case .symlog(let c): return v >= 0 ? log10(1 + v / c) : -log10(1 - v / c)
    }
  }

  /// The inverse of ``forward(_:)``.
  public func inverse(_ t: Double) -> Double {
    switch self {
    case .linear: return t
    case .log: return pow(10, t)
    case .symlog(let c): return t >= 0 ? c * (pow(10, t) - 1) : -c * (pow(10, -t) - 1)
    }
  }

  /// A word for axis labels: `""`, `"log"` or `"symlog"`.
  public var name: String {
    switch self {
    case .linear: return "linear"
    case .log: return "log"
    case .symlog: return "symlog"
    }
  }
}

/// One axis of a ``Figure``: its label, unit and scale.
public struct Axis: Sendable {
  /// How the scale is chosen.
  public enum Scale: Sendable, Equatable {
    /// Chosen from the data: log when positive values span more than two decades or the
    /// action sits in the first few percent of the range, symlog when values of both signs
    /// span decades, linear otherwise.
    case automatic
    /// The given scale.
    case fixed(AxisScale)
  }

  /// What the axis shows, e.g. `"cost"`.
  public var label: String
  /// The unit, shown in parentheses after the label, e.g. `"gradient evaluations"`.
  public var unit: String?
  /// How the scale is chosen.
  public var scale: Scale
  /// Fixed data limits (e.g. `0...1` for fractions); nil: from the data.
  public var limits: ClosedRange<Double>?

  /// An axis with a label, an optional unit, a scale and optional fixed limits.
  public init(
    _ label: String, unit: String? = nil, scale: Scale = .automatic,
    limits: ClosedRange<Double>? = nil
  ) {
    self.label = label
    self.unit = unit
    self.scale = scale
    self.limits = limits
  }

  /// The label with its unit and, for non-linear scales, the scale's name.
  public func title(scale resolved: AxisScale) -> String {
    var text = label
    if let unit, !unit.isEmpty { text += " (\(unit))" }
    if resolved != .linear { text += ", \(resolved.name) scale" }
    return text
  }
}

/// One tick of a resolved axis.
public struct Tick: Sendable, Equatable {
  /// The data value.
  public var value: Double
  /// The label (empty for minor ticks).
  public var label: String
}

/// An axis after looking at the data: scale, limits (data values) and ticks.
public struct ResolvedAxis: Sendable {
  /// The scale.
  public var scale: AxisScale
  /// The lower limit, as a data value.
  public var lower: Double
  /// The upper limit, as a data value.
  public var upper: Double
  /// The ticks, lower to upper.
  public var ticks: [Tick]

  /// Position of `v` in `0...1` along the axis (clamped).
  public func fraction(_ v: Double) -> Double {
    let lo = scale.forward(lower)
    let hi = scale.forward(upper)
    var t: Double
    if case .log = scale, !(v > 0) {
      t = lo
    } else {
      t = scale.forward(v)
    }
    if !t.isFinite { t = t > 0 ? hi : lo }
    let f = (t - lo) / Swift.max(hi - lo, 1e-300)
    return Swift.min(1, Swift.max(0, f))
  }

  /// Resolves `axis` for `values` (finite data values along the axis) and `action` (the
  /// values where the interesting changes happen; used to choose a log scale automatically).
  /// `padding` widens the data range by that fraction on each side (markers at the ends
  /// stay whole).
  public static func resolve(
    _ axis: Axis, values: [Double], action: [Double] = [], padding: Double = 0
  ) -> ResolvedAxis {
    let finite = values.filter(\.isFinite)
    var lo = axis.limits?.lowerBound ?? finite.min() ?? 0
    var hi = axis.limits?.upperBound ?? finite.max() ?? 1
    let scale: AxisScale
    switch axis.scale {
    case .fixed(let s): scale = s
    case .automatic: scale = choose(values: finite, action: action.filter(\.isFinite))
    }
    switch scale {
    case .linear:
      if hi - lo < 1e-12 * Swift.max(1, abs(hi)) {
        let pad = abs(hi) > 0 ? abs(hi) * 0.05 : 1
        lo -= pad
        hi += pad
      }
      if padding > 0, axis.limits == nil {
        let d = (hi - lo) * padding
        lo = lo >= 0 && lo - d < 0 ? 0 : lo - d
        hi += d
      }
      let step = niceStep((hi - lo) / 6)
      if axis.limits == nil {
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
      }
      var ticks: [Tick] = []
      var v = (lo / step).rounded(.up) * step
      while v <= hi + step * 1e-9 {
        let value = abs(v) < step * 1e-9 ? 0 : v
        ticks.append(Tick(value: value, label: formatTick(value, step: step)))
        v += step
      }
      return ResolvedAxis(scale: scale, lower: lo, upper: hi, ticks: ticks)
    case .log:
      let positive = finite.filter { $0 > 0 }
      if axis.limits == nil || lo <= 0 { lo = positive.min() ?? 1 }
      if axis.limits == nil || hi <= lo { hi = Swift.max(positive.max() ?? 10, lo * 10) }
      if axis.limits == nil {
        // Snap to a decade when it is close; otherwise the data's own ends (no empty decades).
        let floorDecade = pow(10, log10(lo).rounded(.down))
        if lo / floorDecade < 2.5 { lo = floorDecade }
        let ceilDecade = pow(10, log10(hi).rounded(.up))
        if ceilDecade / hi < 1.25 { hi = ceilDecade }
        if padding > 0 {
          let d = (log10(hi) - log10(lo)) * padding
          lo = pow(10, log10(lo) - d)
          hi = pow(10, log10(hi) + d)
        }
      }
      let a = log10(lo)
      let b = log10(hi)
      let decades = b - a
      let every = Swift.max(1, Int((decades / 7).rounded(.up)))
      var ticks: [Tick] = []
      let inside = { (v: Double) in v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) }
      for k in Int(a.rounded(.down))...Int(b.rounded(.up)) {
        let decade = pow(10, Double(k))
        if inside(decade) {
          ticks.append(Tick(value: decade, label: k % every == 0 ? formatPower(k) : ""))
        }
        if decades <= 6 {
          for m in 2...9 {
            let v = Double(m) * decade
            guard inside(v) else { continue }
            let labelled = decades <= 2.5 && (m == 2 || m == 5)
            ticks.append(Tick(value: v, label: labelled ? formatPlain(v) : ""))
          }
        }
      }
      if ticks.filter({ !$0.label.isEmpty }).count < 2 {
        ticks = ticks.map { Tick(value: $0.value, label: formatPlain($0.value)) }
      }
      return ResolvedAxis(
        scale: scale, lower: lo, upper: hi, ticks: ticks.sorted { $0.value < $1.value })
    case .symlog(let c):
      if hi <= lo { hi = lo + c }
      // Limits at the next ±c·10^k beyond the data (or 0), ticks at 0 and ±c·10^k.
      func outward(_ v: Double, up: Bool) -> Double {
        if v == 0 { return 0 }
        if abs(v) <= c { return v > 0 ? c : -c }
        let k = log10(abs(v) / c)
        let rounded = (v > 0) == up ? k.rounded(.up) : k.rounded(.down)
        return (v > 0 ? 1 : -1) * c * pow(10, rounded)
      }
      if axis.limits == nil {
        lo = lo >= 0 ? 0 : outward(lo, up: false)
        hi = hi <= 0 ? 0 : outward(hi, up: true)
      }
      let span = Swift.max(abs(lo), abs(hi))
      let maxK = Int(log10(Swift.max(span / c, 1)).rounded(.up))
      let every = Swift.max(1, Int((Double(2 * maxK + 1) / 8).rounded(.up)))
      var values: [Double] = [0]
      for k in stride(from: 0, through: maxK, by: every) {
        values.append(c * pow(10, Double(k)))
        values.append(-c * pow(10, Double(k)))
      }
      let ticks = values.filter { $0 >= lo - 1e-12 * span && $0 <= hi + 1e-12 * span }.sorted()
        .map { Tick(value: $0, label: $0 == 0 ? "0" : formatPlain($0)) }
      return ResolvedAxis(scale: scale, lower: lo, upper: hi, ticks: ticks)
    }
  }

  /// The automatic choice of scale (see ``Axis/Scale/automatic``).
  static func choose(values: [Double], action: [Double]) -> AxisScale {
    guard let lo = values.min(), let hi = values.max(), hi > lo else { return .linear }
    if lo >= 0, hi > 0, !action.isEmpty {
      // The action sits in a small part of the range: 90% of it happens in the first 5%.
      let sorted = action.sorted()
      let p90 = sorted[Swift.min(sorted.count - 1, Int(0.9 * Double(sorted.count)))]
      if p90 < 0.05 * hi, (values.filter { $0 > 0 }.min() ?? hi) < 0.05 * hi { return .log }
    }
    if lo > 0 {
      return hi / lo > 300 ? .log : .linear
    }
    let magnitudes = values.map(abs).filter { $0 > 0 }.sorted()
    guard let largest = magnitudes.last else { return .linear }
    // Symlog when most values are far below the largest (a linear axis would flatten them);
    // the linear part ends a decade below the typical small magnitude.
    let median = magnitudes[magnitudes.count / 2]
    if largest / median > 1000 {
      let small = magnitudes[Int(0.1 * Double(magnitudes.count - 1))]
      let threshold = pow(10, log10(Swift.max(small, largest * 1e-8)).rounded(.down))
      return .symlog(threshold: threshold)
    }
    return .linear
  }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw` (Heckbert, "Nice numbers for graph
/// labels", Graphics Gems, 1990).
public func niceStep(_ raw: Double) -> Double {
  guard raw > 0, raw.isFinite else { return 1 }
  let power = pow(10, log10(raw).rounded(.down))
  let f = raw / power
  let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10
  return nice * power
}

/// A tick label with as many decimals as the step needs.
func formatTick(_ v: Double, step: Double) -> String {
  if v == 0 { return "0" }
  let magnitude = Swift.max(abs(v), step)
  if magnitude >= 1e6 || magnitude < 1e-3 { return formatPlain(v) }
  var decimals = 0
  while decimals < 6 {
    let scaled = step * pow(10, Double(decimals))
    if abs(scaled - scaled.rounded()) < 1e-6 * Swift.max(1, scaled) { break }
    decimals += 1
  }
  return String(format: "%.\(decimals)f", v)
}

/// `10^k` as a short label: plain digits from 0.001 to 10000, `10⁵` beyond.
func formatPower(_ k: Int) -> String {
  if (-3...4).contains(k) { return formatPlain(pow(10, Double(k))) }
  let superscripts: [Character: Character] = [
    "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
    "9": "⁹", "-": "⁻",
  ]
  return "10" + String(String(k).map { superscripts[$0]! })
}

/// A value in at most 3 significant digits, without trailing zeros.
func formatPlain(_ v: Double) -> String {
  if v == 0 { return "0" }
  if abs(v) < 1e5, v == v.rounded() { return String(Int(v)) }
  if abs(v) >= 1e5 || abs(v) < 1e-3 {
    let exponent = Int(log10(abs(v)).rounded(.down))
    let mantissa = v / pow(10, Double(exponent))
    let m = String(format: "%.2g", mantissa)
    return (m == "1" ? "" : m == "-1" ? "−" : m + "×") + formatPower(exponent)
  }
  return String(format: "%.3g", v)
}
