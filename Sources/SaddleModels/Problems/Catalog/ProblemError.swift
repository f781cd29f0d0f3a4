/// Why ``ProblemCatalog/make(_:dimension:parameters:)`` refused a request. Each case names the
/// problem, the field, the value and what is accepted, and suggests the closest known name for a
/// misspelling (Levenshtein distance).
public enum ProblemError: Error, CustomStringConvertible, Equatable, Sendable {
  /// No problem has this name; `suggestion` is the closest known name, if any is close.
  case unknownProblem(name: String, suggestion: String?, known: [String])
  /// The problem has no parameter of this name.
  case unknownParameter(problem: String, name: String, suggestion: String?, accepted: [String])
  /// A value is outside the accepted range (or not an integer where one is needed).
  case invalidValue(problem: String, field: String, value: Double, accepted: String)

  /// The message without the problem's name, for callers that already name it (e.g.
  /// `problem 'two-well': dimension = 1 is not accepted; expected integer 2 ≤ x ≤ 10000000`).
  public var reason: String {
    switch self {
    case .unknownProblem: return description
    case .unknownParameter(_, let name, let suggestion, let accepted):
      let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
      let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
      return "no parameter '\(name)'\(hint); accepted parameters: \(list)"
    case .invalidValue(_, let field, let value, let accepted):
      return
        "\(field) = \(ProblemCatalog.Parameter.format(value)) is not accepted; expected \(accepted)"
    }
  }

  /// One sentence for people: what was wrong, what is accepted, what was probably meant.
  public var description: String {
    switch self {
    case .unknownProblem(let name, let suggestion, let known):
      let hint = suggestion.map { " Did you mean \"\($0)\"?" } ?? ""
      return "Unknown problem \"\(name)\".\(hint) Known problems: \(known.joined(separator: ", "))."
    case .unknownParameter(let problem, let name, let suggestion, let accepted):
      let hint = suggestion.map { " Did you mean \"\($0)\"?" } ?? ""
      let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
      return
        "Problem \"\(problem)\" has no parameter \"\(name)\".\(hint) Accepted parameters: \(list)."
    case .invalidValue(let problem, let field, let value, let accepted):
      return "Problem \"\(problem)\": \(field) = \(value) is not accepted; expected \(accepted)."
    }
  }
}

/// The Levenshtein distance between `a` and `b`, ignoring case.
func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.lowercased())
  let y = Array(b.lowercased())
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
      current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}

/// The candidate closest to `name`, if it is within about a third of the name's length (at
/// least 2 edits), so unrelated names get no suggestion.
func closestName(to name: String, in candidates: [String]) -> String? {
  guard
    let best = candidates.min(by: { editDistance(name, $0) < editDistance(name, $1) })
  else { return nil }
  let distance = editDistance(name, best)
  return distance <= max(2, name.count / 3) ? best : nil
}
