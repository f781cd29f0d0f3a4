/// Which parameters a trace line lists.
public enum TraceParameters: Sendable, Equatable {
  /// No parameters.
  case none
  /// Every parameter.
  case all
  /// The first `n` parameters.
  case first(Int)

  /// Parses `none`, `all` or `first:N` (N ≥ 1); `nil` otherwise.
  public init?(parsing text: String) {
    switch text {
    case "none": self = .none
    case "all": self = .all
    default:
      guard text.hasPrefix("first:"), let n = Int(text.dropFirst(6)), n >= 1 else { return nil }
      self = .first(n)
    }
  }

  /// The default: every parameter for models with at most 16, else the first 16.
  public static func defaultFor(count: Int) -> TraceParameters {
    count <= 16 ? .all : .first(16)
  }

  func count(of total: Int) -> Int {
    switch self {
    case .none: return 0
    case .all: return total
    case .first(let n): return Swift.min(n, total)
    }
  }
}
