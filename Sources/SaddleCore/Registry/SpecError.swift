/// A spec or config that cannot be used, with where and why: which stage, which field, which
/// value, what is accepted — and the closest known name when a name was mistyped.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Where the problem is, e.g. `stage 2 ('adam')`.
  public var location: String?
  /// The field at fault, e.g. `learningRate`.
  public var field: String?
  /// What is wrong and what is accepted.
  public var message: String

  /// An error at `location`/`field`.
  public init(location: String? = nil, field: String? = nil, _ message: String) {
    self.location = location
    self.field = field
    self.message = message
  }

  /// One line: `stage 2 ('adam'), field 'learningRate': -1 is out of range (accepted: ≥ 0)`.
  public var description: String {
    var parts: [String] = []
    if let location { parts.append(location) }
    if let field { parts.append("field '\(field)'") }
    let text = parts.isEmpty ? message : parts.joined(separator: ", ") + ": " + message
    return escapingLineBreaks(text)
  }

  /// The same error, located inside `location` (e.g. a study setting).
  public func at(_ location: String) -> SpecError {
    var copy = self
    copy.location = self.location.map { "\(location), \($0)" } ?? location
    return copy
  }
}

/// The known name closest to `name` by edit distance (a swap of two neighbouring letters
/// counts as one edit), if it is close enough to be a typo. Ties go to the alphabetically first.
public func closestName(to name: String, in candidates: some Sequence<String>) -> String? {
  let lower = name.lowercased()
  var best: (String, Int)?
  for candidate in candidates.sorted() {
    let d = editDistance(lower, candidate.lowercased())
    if best == nil || d < best!.1 { best = (candidate, d) }
  }
  guard let (candidate, distance) = best else { return nil }
  return distance <= Swift.max(2, candidate.count / 3) ? candidate : nil
}

/// Optimal-string-alignment distance between `a` and `b`: insertions, deletions,
/// substitutions and transpositions of adjacent characters each cost 1.
func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a)
  let y = Array(b)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
  for i in 0...x.count { table[i][0] = i }
  for j in 0...y.count { table[0][j] = j }
  for i in 1...x.count {
    for j in 1...y.count {
      let cost = x[i - 1] == y[j - 1] ? 0 : 1
      var d = Swift.min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
      if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
        d = Swift.min(d, table[i - 2][j - 2] + 1)
      }
      table[i][j] = d
    }
  }
  return table[x.count][y.count]
}

/// `text` with control characters and line separators escaped (`\n`, `\u{2028}`), so a
/// message quoting a user's field name or value stays on one line.
func escapingLineBreaks(_ text: String) -> String {
  guard
    text.unicodeScalars.contains(where: {
      $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}"
    })
  else { return text }
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case _
    where scalar.properties.generalCategory == .control || scalar == "\u{2028}"
      || scalar == "\u{2029}":
      out += "\\u{\(String(scalar.value, radix: 16))}"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}
