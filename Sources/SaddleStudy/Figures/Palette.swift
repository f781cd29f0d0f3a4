/// Line styles that stay distinguishable for readers with colour-vision deficiencies and in
/// greyscale print: the Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"; yellow
/// left out, it is unreadable on white) combined with dash patterns, so 7 × 4 = 28 series are
/// distinct before a style repeats.
public struct LineStyle: Sendable, Equatable {
  /// The stroke colour, `#RRGGBB`.
  public var color: String
  /// The SVG `stroke-dasharray`, or nil for a solid line.
  public var dash: String?

  /// A style with the given colour and dash pattern.
  public init(color: String, dash: String? = nil) {
    self.color = color
    self.dash = dash
  }
}

/// The palette used by ``Figure``.
public enum Palette {
  /// Okabe–Ito colours without yellow, in an order that keeps neighbours far apart.
  public static let colors = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
  ]
  /// Dash patterns: solid, dashed, dotted, dash-dot.
  public static let dashes: [String?] = [nil, "8 3", "2 2.5", "9 3 2 3"]

  /// The style of series `index`: colours first, then the next dash pattern.
  public static func style(_ index: Int) -> LineStyle {
    let i = Swift.max(0, index)
    return LineStyle(
      color: colors[i % colors.count], dash: dashes[(i / colors.count) % dashes.count])
  }

  /// How many series get distinct styles.
  public static var distinctStyles: Int { colors.count * dashes.count }
}
