import Foundation

/// One point of a ``Series``: a value and optionally a band or error bar around it.
public struct SeriesPoint: Sendable, Equatable {
  /// The x value.
  public var x: Double
  /// The y value (the line passes through the transformed `y`, e.g. the mean).
  public var y: Double
  /// The lower end of the band or error bar (e.g. mean − half-width), if any.
  public var lower: Double?
  /// The upper end of the band or error bar, if any.
  public var upper: Double?

  /// A point with an optional band.
  public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil) {
    self.x = x
    self.y = y
    self.lower = lower
    self.upper = upper
  }
}

/// One named line of a ``Figure``.
public struct Series: Sendable {
  /// How the points are drawn.
  public enum Style: Sendable, Equatable {
    /// Straight segments, with a shaded band where points have `lower`/`upper`.
    case line
    /// A right-continuous step function (survival curves, performance profiles).
    case step
    /// Markers with error bars, joined by thin segments (sensitivity plots).
    case markers
  }

  /// The legend text.
  public var label: String
  /// The points, in increasing x.
  public var points: [SeriesPoint]
  /// How the points are drawn.
  public var style: Style
  /// Draws a short vertical tick at the last point (a curve censored at the budget).
  public var censoredEnd: Bool

  /// A series with a label, points and a style.
  public init(
    _ label: String, points: [SeriesPoint], style: Style = .line, censoredEnd: Bool = false
  ) {
    self.label = label
    self.points = points
    self.style = style
    self.censoredEnd = censoredEnd
  }
}

/// A line plot rendered as a standalone SVG: nice-number ticks with light gridlines on both
/// axes, axis titles with units, automatic or chosen log/symlog scales, one line per series
/// in the ``Palette``'s colour-and-dash styles with optional confidence bands, and a legend
/// with line samples beside the plot (long labels wrapped; the canvas grows to fit it).
public struct Figure: Sendable {
  /// The title (wrapped when long).
  public var title: String
  /// A second line under the title, e.g. what the bands mean.
  public var subtitle: String?
  /// The horizontal axis.
  public var x: Axis
  /// The vertical axis.
  public var y: Axis
  /// The lines.
  public var series: [Series]
  /// The x values where the action happens (e.g. escape costs), used by the automatic scale
  /// choice: when 90% of them sit in the first 5% of the range, the x-axis is logarithmic.
  public var xAction: [Double]
  /// Canvas width in pixels.
  public var width: Double
  /// Minimum canvas height in pixels (grows when the legend needs more).
  public var height: Double

  /// A figure; `width` × `height` pixels (the height grows for a long legend).
  public init(
    title: String, subtitle: String? = nil, x: Axis, y: Axis, series: [Series],
    xAction: [Double] = [], width: Double = 960, height: Double = 540
  ) {
    self.title = title
    self.subtitle = subtitle
    self.x = x
    self.y = y
    self.series = series
    self.xAction = xAction
    self.width = width
    self.height = height
  }

  /// `ticks` with the labels removed that would overlap the previous kept label (zero is kept
  /// first when present).
  static func thinLabels(
    _ ticks: [Tick], position: (Double) -> Double, extent: (String) -> Double
  ) -> [Tick] {
    var out = ticks
    var kept: [(Double, Double)] = []  // (centre, half extent)
    let order = ticks.indices.sorted {
      (ticks[$0].value == 0 ? 0 : 1, $0) < (ticks[$1].value == 0 ? 0 : 1, $1)
    }
    for i in order where !ticks[i].label.isEmpty {
      let c = position(ticks[i].value)
      let half = extent(ticks[i].label) / 2
      if kept.contains(where: { abs($0.0 - c) < $0.1 + half }) {
        out[i].label = ""
      } else {
        kept.append((c, half))
      }
    }
    return out
  }

  static let fontSize = 12.0
  static let tickFontSize = 11.0
  static let titleFontSize = 15.0
  static let margin = 14.0

  /// The axes after looking at the data.
  public func resolvedAxes() -> (x: ResolvedAxis, y: ResolvedAxis) {
    let points = series.flatMap(\.points)
    let xs = points.map(\.x)
    let ys = points.flatMap { p in [p.y] + [p.lower, p.upper].compactMap { $0 } }
    let padding = series.contains { $0.style == .markers } ? 0.05 : 0
    return (
      ResolvedAxis.resolve(x, values: xs, action: xAction, padding: padding),
      ResolvedAxis.resolve(y, values: ys, padding: padding)
    )
  }

  /// The SVG document.
  public func svg() -> String {
    var (xAxis, yAxis) = resolvedAxes()
    let m = Self.margin
    var w = width
    // Title and subtitle.
    let titleLines = TextMetrics.wrap(title, width: w - 2 * m, size: Self.titleFontSize)
    let subtitleLines =
      subtitle.map { TextMetrics.wrap($0, width: w - 2 * m, size: Self.fontSize) } ?? []
    let top =
      m + Double(titleLines.count) * 19 + Double(subtitleLines.count) * 16 + 14
    // Legend: wrapped labels beside the plot.
    let legendTextWidth = Swift.min(250, w * 0.27)
    let legendLines = series.map {
      TextMetrics.wrap($0.label, width: legendTextWidth, size: Self.fontSize)
    }
    let legendLineHeight = 15.0
    let sampleWidth = 30.0
    let legendWidth =
      10 + sampleWidth + 8
      + (legendLines.flatMap { $0 }.map { TextMetrics.width($0, size: Self.fontSize) }.max() ?? 0)
      + m
    let legendHeight = legendLines.reduce(0) { $0 + Double($1.count) * legendLineHeight + 7 }
    // Axis labels.
    let yTickWidth =
      yAxis.ticks.map { TextMetrics.width($0.label, size: Self.tickFontSize) }.max() ?? 0
    let left = m + Self.fontSize + 10 + yTickWidth + 8
    let bottomBand = 8 + Self.tickFontSize + 10 + Self.fontSize + m
    let legendLeft = w - legendWidth
    let xTitle = x.title(scale: xAxis.scale)
    let plotRight0 = legendLeft - 28
    let xTitleLines = TextMetrics.wrap(xTitle, width: plotRight0 - left, size: Self.fontSize)
    let bottom = bottomBand + Double(xTitleLines.count - 1) * 15
    let h = Swift.max(height, top + legendHeight + m, top + 160 + bottom)
    if legendLeft - left < 240 { w = left + 240 + 28 + legendWidth }
    let plot = (x0: left, x1: w - legendWidth - 28, y0: top, y1: h - bottom)
    // Tick labels that would overlap their neighbour are dropped (the gridline stays).
    xAxis.ticks = Self.thinLabels(
      xAxis.ticks, position: { xAxis.fraction($0) * (plot.x1 - plot.x0) },
      extent: { TextMetrics.width($0, size: Self.tickFontSize) + 6 })
    yAxis.ticks = Self.thinLabels(
      yAxis.ticks, position: { yAxis.fraction($0) * (plot.y1 - plot.y0) },
      extent: { _ in Self.tickFontSize + 3 })
    let (xr, yr) = (xAxis, yAxis)
    func px(_ v: Double) -> Double { plot.x0 + xr.fraction(v) * (plot.x1 - plot.x0) }
    func py(_ v: Double) -> Double { plot.y1 - yr.fraction(v) * (plot.y1 - plot.y0) }

    var out: [String] = []
    out.append(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(w))\" height=\"\(n(h))\" "
        + "viewBox=\"0 0 \(n(w)) \(n(h))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
        + "font-size=\"\(n(Self.fontSize))\">")
    out.append("<title>\(xml(title))</title>")
    out.append("<rect width=\"\(n(w))\" height=\"\(n(h))\" fill=\"white\"/>")
    var ty = m + Self.titleFontSize
    for line in titleLines {
      out.append(
        "<text x=\"\(n(m))\" y=\"\(n(ty))\" font-size=\"\(n(Self.titleFontSize))\" "
          + "font-weight=\"bold\">\(xml(line))</text>")
      ty += 19
    }
    ty -= 2
    for line in subtitleLines {
      out.append("<text x=\"\(n(m))\" y=\"\(n(ty))\" fill=\"#444\">\(xml(line))</text>")
      ty += 16
    }
    // Gridlines and ticks.
    out.append("<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">")
    for t in xAxis.ticks {
      let xx = px(t.value)
      out.append(
        "<line x1=\"\(n(xx))\" y1=\"\(n(plot.y0))\" x2=\"\(n(xx))\" y2=\"\(n(plot.y1))\""
          + (t.label.isEmpty ? " stroke=\"#f3f3f3\"" : "") + "/>")
    }
    for t in yAxis.ticks {
      let yy = py(t.value)
      out.append(
        "<line x1=\"\(n(plot.x0))\" y1=\"\(n(yy))\" x2=\"\(n(plot.x1))\" y2=\"\(n(yy))\""
          + (t.label.isEmpty ? " stroke=\"#f3f3f3\"" : "") + "/>")
    }
    out.append("</g>")
    out.append(
      "<rect x=\"\(n(plot.x0))\" y=\"\(n(plot.y0))\" width=\"\(n(plot.x1 - plot.x0))\" "
        + "height=\"\(n(plot.y1 - plot.y0))\" fill=\"none\" stroke=\"#333\"/>")
    for t in xAxis.ticks {
      let xx = px(t.value)
      let length = t.label.isEmpty ? 3.0 : 5.0
      out.append("<g class=\"tick x\">")
      out.append(
        "<line x1=\"\(n(xx))\" y1=\"\(n(plot.y1))\" x2=\"\(n(xx))\" y2=\"\(n(plot.y1 + length))\" "
          + "stroke=\"#333\"/>")
      if !t.label.isEmpty {
        out.append(
          "<text x=\"\(n(xx))\" y=\"\(n(plot.y1 + 8 + Self.tickFontSize))\" "
            + "font-size=\"\(n(Self.tickFontSize))\" text-anchor=\"middle\">\(xml(t.label))</text>")
      }
      out.append("</g>")
    }
    for t in yAxis.ticks {
      let yy = py(t.value)
      let length = t.label.isEmpty ? 3.0 : 5.0
      out.append("<g class=\"tick y\">")
      out.append(
        "<line x1=\"\(n(plot.x0 - length))\" y1=\"\(n(yy))\" x2=\"\(n(plot.x0))\" y2=\"\(n(yy))\" "
          + "stroke=\"#333\"/>")
      if !t.label.isEmpty {
        out.append(
          "<text x=\"\(n(plot.x0 - 8))\" y=\"\(n(yy + Self.tickFontSize * 0.35))\" "
            + "font-size=\"\(n(Self.tickFontSize))\" text-anchor=\"end\">\(xml(t.label))</text>")
      }
      out.append("</g>")
    }
    // Axis titles.
    var xty = plot.y1 + 8 + Self.tickFontSize + 10 + Self.fontSize
    for line in xTitleLines {
      out.append(
        "<text class=\"axis-title x\" x=\"\(n((plot.x0 + plot.x1) / 2))\" y=\"\(n(xty))\" "
          + "text-anchor=\"middle\">\(xml(line))</text>")
      xty += 15
    }
    let yTitle = TextMetrics.fit(
      y.title(scale: yAxis.scale), width: plot.y1 - plot.y0, size: Self.fontSize)
    let yx = m + Self.fontSize
    let yy = (plot.y0 + plot.y1) / 2
    out.append(
      "<text class=\"axis-title y\" x=\"\(n(yx))\" y=\"\(n(yy))\" text-anchor=\"middle\" "
        + "transform=\"rotate(-90 \(n(yx)) \(n(yy)))\">\(xml(yTitle))</text>")
    // Series, clipped to the plot.
    let clipID = "plot-" + slug(title, maxLength: 40)
    out.append(
      "<clipPath id=\"\(clipID)\"><rect x=\"\(n(plot.x0))\" y=\"\(n(plot.y0 - 2))\" "
        + "width=\"\(n(plot.x1 - plot.x0))\" height=\"\(n(plot.y1 - plot.y0 + 4))\"/></clipPath>")
    out.append("<g clip-path=\"url(#\(clipID))\">")
    for (i, s) in series.enumerated() where s.style == .line {
      let banded = s.points.filter { $0.lower != nil && $0.upper != nil }
      guard banded.count >= 2 else { continue }
      let upper = banded.map { "\(n(px($0.x))),\(n(py($0.upper!)))" }
      let lower = banded.reversed().map { "\(n(px($0.x))),\(n(py($0.lower!)))" }
      out.append(
        "<polygon points=\"\((upper + lower).joined(separator: " "))\" "
          + "fill=\"\(Palette.style(i).color)\" fill-opacity=\"0.14\" stroke=\"none\"/>")
    }
    for (i, s) in series.enumerated() {
      let style = Palette.style(i)
      let stroke =
        "stroke=\"\(style.color)\"" + (style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
      let valid = s.points.filter { $0.x.isFinite && $0.y.isFinite }
      guard !valid.isEmpty else { continue }
      var d = ""
      var previous: SeriesPoint?
      for p in s.points {
        guard p.x.isFinite, p.y.isFinite else {
          previous = nil
          continue
        }
        if let previous {
          if s.style == .step {
            d += " H\(n(px(p.x))) V\(n(py(p.y)))"
            _ = previous
          } else {
            d += " L\(n(px(p.x))),\(n(py(p.y)))"
          }
        } else {
          d += " M\(n(px(p.x))),\(n(py(p.y)))"
        }
        previous = p
      }
      let width = s.style == .markers ? 1.2 : 2.0
      out.append(
        "<path class=\"series\" d=\"\(d.dropFirst())\" fill=\"none\" \(stroke) "
          + "stroke-width=\"\(width)\" stroke-linejoin=\"round\"/>")
      if s.style == .markers {
        for p in valid {
          if let lo = p.lower, let hi = p.upper, lo.isFinite, hi.isFinite {
            out.append(
              "<line x1=\"\(n(px(p.x)))\" y1=\"\(n(py(lo)))\" x2=\"\(n(px(p.x)))\" "
                + "y2=\"\(n(py(hi)))\" stroke=\"\(style.color)\" stroke-width=\"1.2\"/>")
          }
          out.append(
            "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"3.5\" fill=\"\(style.color)\"/>")
        }
      }
    }
    out.append("</g>")
    // Censoring ticks, outside the clip so a curve ending at the budget shows its tick.
    for (i, s) in series.enumerated() where s.censoredEnd {
      guard let last = s.points.last(where: { $0.x.isFinite && $0.y.isFinite }) else { continue }
      let color = Palette.style(i).color
      out.append(
        "<line class=\"censored\" x1=\"\(n(px(last.x)))\" y1=\"\(n(py(last.y) - 6))\" "
          + "x2=\"\(n(px(last.x)))\" y2=\"\(n(py(last.y) + 6))\" stroke=\"\(color)\" "
          + "stroke-width=\"2.5\"/>")
    }
    // Legend.
    out.append("<g class=\"legend\">")
    var ly = top + 2
    let lx = w - legendWidth + 10
    for (i, s) in series.enumerated() {
      let style = Palette.style(i)
      let lines = legendLines[i]
      let sampleY = ly + 6
      out.append("<g class=\"legend-entry\">")
      if s.style == .line, s.points.contains(where: { ($0.upper ?? 0) > ($0.lower ?? 0) }) {
        out.append(
          "<rect x=\"\(n(lx))\" y=\"\(n(sampleY - 5))\" width=\"\(n(sampleWidth))\" height=\"10\" "
            + "fill=\"\(style.color)\" fill-opacity=\"0.14\"/>")
      }
      out.append(
        "<line x1=\"\(n(lx))\" y1=\"\(n(sampleY))\" x2=\"\(n(lx + sampleWidth))\" y2=\"\(n(sampleY))\" "
          + "stroke=\"\(style.color)\" stroke-width=\"2\""
          + (style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
      if s.style == .markers {
        out.append(
          "<circle cx=\"\(n(lx + sampleWidth / 2))\" cy=\"\(n(sampleY))\" r=\"3.5\" "
            + "fill=\"\(style.color)\"/>")
      }
      for (j, line) in lines.enumerated() {
        out.append(
          "<text x=\"\(n(lx + sampleWidth + 8))\" y=\"\(n(ly + 10 + Double(j) * legendLineHeight))\">"
            + "\(xml(line))</text>")
      }
      out.append("</g>")
      ly += Double(lines.count) * legendLineHeight + 7
    }
    out.append("</g>")
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }
}

/// Conservative text widths for layout (no font metrics at hand): per-character estimates of
/// DejaVu Sans / Helvetica advance widths, rounded up.
public enum TextMetrics {
  /// The width of `text` in pixels at `size` pixels.
  public static func width(_ text: String, size: Double) -> Double {
    var em = 0.0
    for c in text {
      switch c {
      case "i", "l", "j", "'", "|", ".", ",", ":", ";", "!", "I": em += 0.36
      case " ", "(", ")", "[", "]", "f", "t", "r": em += 0.45
      case "m", "w", "M", "W", "@", "%": em += 1.0
      default:
        em += c.isASCII ? (c.isUppercase ? 0.8 : 0.66) : 1.0
      }
    }
    // 8% margin over the per-character estimates (DejaVu Sans advances, the widest common
    // sans-serif; Helvetica and Arial are narrower).
    return em * size * 1.08
  }

  /// `text` broken at spaces (and, for a word longer than a line, inside the word) into lines
  /// no wider than `width`.
  public static func wrap(_ text: String, width: Double, size: Double) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
      let candidate = current.isEmpty ? word : current + " " + word
      if Self.width(candidate, size: size) <= width {
        current = candidate
        continue
      }
      if !current.isEmpty { lines.append(current) }
      current = ""
      var piece = ""
      for c in word {
        if Self.width(piece + String(c), size: size) > width, !piece.isEmpty {
          lines.append(piece)
          piece = ""
        }
        piece.append(c)
      }
      current = piece
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
  }

  /// `text`, shortened with an ellipsis if wider than `width`.
  public static func fit(_ text: String, width: Double, size: Double) -> String {
    guard Self.width(text, size: size) > width else { return text }
    var s = text
    while !s.isEmpty, Self.width(s + "…", size: size) > width { s.removeLast() }
    return s + "…"
  }
}

/// A file-name-safe, readable form of `text`: lowercase ASCII letters, digits and single
/// hyphens (`"rotated ill-conditioned saddle (κ=100)"` → `"rotated-ill-conditioned-saddle-kappa-100"`).
public func slug(_ text: String, maxLength: Int = 60) -> String {
  let greek: [Character: String] = [
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta",
    "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "ρ": "rho", "σ": "sigma", "τ": "tau",
    "ω": "omega", "π": "pi",
  ]
  var out = ""
  var pendingHyphen = false
  for c in text.lowercased() {
    let piece: String
    if let g = greek[c] {
      piece = g
    } else if c.isASCII, c.isLetter || c.isNumber {
      piece = String(c)
    } else if c == "." && out.last?.isNumber == true {
      piece = "."
    } else {
      pendingHyphen = !out.isEmpty
      continue
    }
    if pendingHyphen { out += "-" }
    pendingHyphen = false
    out += piece
  }
  while out.hasSuffix(".") { out.removeLast() }
  if out.count > maxLength {
    out = String(out.prefix(maxLength))
    while out.hasSuffix("-") || out.hasSuffix(".") { out.removeLast() }
  }
  return out.isEmpty ? "figure" : out
}

/// A coordinate with one decimal.
func n(_ v: Double) -> String {
  let r = (v * 10).rounded() / 10
  return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
}

/// `text` escaped for XML character data and attribute values.
func xml(_ text: String) -> String {
  var out = ""
  for c in text {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&apos;"
    default: out.append(c)
    }
  }
  return out
}
