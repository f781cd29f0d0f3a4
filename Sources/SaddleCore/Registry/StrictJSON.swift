import Foundation

/// Strict JSON: the one place where SaddleKit reads JSON it did not just write in memory.
///
/// A hand-written RFC 8259 parser that refuses what lenient parsers accept silently — trailing
/// commas, duplicate keys (the first or the last would win without a word), invalid UTF-8,
/// lone surrogates, `NaN`/`Infinity`, comments, leading zeros, trailing garbage after the
/// document, nesting deeper than ``maximumDepth`` — and a decoder that builds any `Decodable`
/// from the parsed ``JSONValue`` and refuses keys the type does not read.
///
/// ```swift
/// let config = try StrictJSON.decode(StudyConfig.self, from: data, source: "study.json")
/// let value = try StrictJSON.parse(data, source: "--optimizer")
/// ```
/// Every error is a ``SpecError`` whose one-line description names the source (a file path or
/// an option), the JSON path of the value (`problems[1].escapeDelta`), the value and what is
/// accepted, e.g.
/// `study.json, field 'problems[0].escapeDelat': unknown field; did you mean 'escapeDelta'? …`.
///
/// Numbers keep their exact value as ``JSONValue`` does: integers as `Int` (also when written
/// `1.0` or `1e2`), integers above `Int.max` as `UInt64`, `-0` as the double `-0.0`,
/// everything else as the correctly rounded `Double`; a number beyond the range of a 64-bit
/// float is an error.
public enum StrictJSON {
  /// The deepest nesting of arrays and objects accepted.
  public static let maximumDepth = 512

  /// What to do with object keys the decoded type never asks for.
  public enum UnknownKeys: Sendable {
    /// Refuse them, naming the closest known key (the default: unknown keys are errors).
    case reject
    /// Ignore them (only for formats that deliberately skip fields).
    case ignore
  }

  /// Parses `data` strictly into a ``JSONValue``.
  ///
  /// - Parameters:
  ///   - data: the JSON text, UTF-8.
  ///   - source: names the input in errors: a file path, or an option like `--optimizer`.
  public static func parse(_ data: Data, source: String) throws(SpecError) -> JSONValue {
    var parser = Parser(bytes: [UInt8](data), source: source)
    return try parser.parseDocument()
  }

  /// Parses `text` strictly into a ``JSONValue``.
  public static func parse(_ text: String, source: String) throws(SpecError) -> JSONValue {
    try parse(Data(text.utf8), source: source)
  }

  /// Parses `data` strictly, then decodes a `T` from it; keys that `T` does not read are
  /// refused (unless `unknownKeys` is `.ignore`).
  ///
  /// Use this for every file or option a user can write: specs, configs, checkpoints, trial
  /// files. `Data` is read as a base64 string and `URL` as a string, as `JSONEncoder` writes
  /// them.
  public static func decode<T: Decodable>(
    _ type: T.Type, from data: Data, source: String, unknownKeys: UnknownKeys = .reject
  ) throws(SpecError) -> T {
    try decode(
      type, from: try parse(data, source: source), source: source, unknownKeys: unknownKeys)
  }

  /// Decodes a `T` from an already parsed value (see ``decode(_:from:source:unknownKeys:)-(_,Data,_,_)``).
  public static func decode<T: Decodable>(
    _ type: T.Type, from value: JSONValue, source: String, unknownKeys: UnknownKeys = .reject
  ) throws(SpecError) -> T {
    let tracker = KeyTracker()
    let result: T
    do {
      result = try ValueDecoder.decode(T.self, from: value, path: [], tracker: tracker)
    } catch let error as SpecError {
      throw error
    } catch let error as DecodingError {
      throw describe(error, in: value, tracker: tracker, source: source)
    } catch {
      throw SpecError(location: source, "\(error)")
    }
    if unknownKeys == .reject {
      try checkUnknownKeys(value, path: "", tracker: tracker, source: source)
    }
    return result
  }

  /// `problems[1].escapeDelta` for a coding path.
  public static func pathText(_ path: [any CodingKey]) -> String {
    var out = ""
    for key in path {
      if let i = key.intValue {
        out += "[\(i)]"
      } else {
        out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
      }
    }
    return out
  }

  // MARK: Unknown keys

  static func checkUnknownKeys(
    _ value: JSONValue, path: String, tracker: KeyTracker, source: String
  ) throws(SpecError) {
    switch value {
    case .object(let fields):
      if let known = tracker.queried[path], !tracker.open.contains(path) {
        for key in fields.keys.sorted() where !known.contains(key) {
          throw unknownKeyError(key, path: path, known: known, source: source)
        }
      }
      for key in fields.keys.sorted() {
        let child = fields[key]!
        switch child {
        case .object, .array:
          try checkUnknownKeys(
            child, path: path.isEmpty ? key : "\(path).\(key)", tracker: tracker, source: source)
        default: break
        }
      }
    case .array(let items):
      for (i, item) in items.enumerated() {
        switch item {
        case .object, .array:
          try checkUnknownKeys(item, path: "\(path)[\(i)]", tracker: tracker, source: source)
        default: break
        }
      }
    default:
      break
    }
  }

  static func unknownKeyError(_ key: String, path: String, known: Set<String>, source: String)
    -> SpecError
  {
    let hint = closestName(to: key, in: known).map { "; did you mean '\($0)'?" } ?? ""
    let field = path.isEmpty ? key : "\(path).\(key)"
    return SpecError(
      location: source, field: field,
      "unknown field\(hint) (known fields here: \(known.sorted().joined(separator: ", ")))")
  }

  static func value(at path: [any CodingKey], in root: JSONValue) -> JSONValue? {
    var current = root
    for key in path {
      switch current {
      case .object(let fields):
        guard let next = fields[key.stringValue] else { return nil }
        current = next
      case .array(let items):
        guard let i = key.intValue, items.indices.contains(i) else { return nil }
        current = items[i]
      default:
        return nil
      }
    }
    return current
  }

  static func describe(
    _ error: DecodingError, in root: JSONValue, tracker: KeyTracker, source: String
  ) -> SpecError {
    switch error {
    case .keyNotFound(let key, let context):
      let path = pathText(context.codingPath)
      let field = path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
      // A typo of a required key shows up as "missing": name the typo instead.
      if case .object(let fields)? = value(at: context.codingPath, in: root) {
        let known = tracker.queried[path] ?? []
        let unknown = fields.keys.filter { !known.contains($0) }
        if let typo = unknown.sorted().first(where: {
          closestName(to: $0, in: [key.stringValue]) != nil
        }) {
          return SpecError(
            location: source, field: path.isEmpty ? typo : "\(path).\(typo)",
            "unknown field; did you mean '\(key.stringValue)'? (required field '\(field)' is missing)"
          )
        }
      }
      return SpecError(location: source, field: field, "missing (a required field)")
    case .typeMismatch(_, let context), .valueNotFound(_, let context),
      .dataCorrupted(let context):
      let path = pathText(context.codingPath)
      return SpecError(location: source, field: path.isEmpty ? nil : path, context.debugDescription)
    @unknown default:
      return SpecError(location: source, "\(error)")
    }
  }

  // MARK: Parser

  struct Parser {
    let bytes: [UInt8]
    let source: String
    var index = 0
    var depth = 0
    /// The path to the value being parsed, for messages.
    var path: [PathComponent] = []

    enum PathComponent {
      case key(String)
      case index(Int)
    }

    init(bytes: [UInt8], source: String) {
      self.bytes = bytes
      self.source = source
    }

    var pathText: String {
      var out = ""
      for component in path {
        switch component {
        case .key(let k): out += out.isEmpty ? k : ".\(k)"
        case .index(let i): out += "[\(i)]"
        }
      }
      return out
    }

    func position(_ offset: Int) -> String {
      var line = 1
      var column = 1
      for b in bytes[..<min(offset, bytes.count)] {
        if b == 0x0A {
          line += 1
          column = 1
        } else if b & 0xC0 != 0x80 {
          column += 1
        }
      }
      return "line \(line), column \(column)"
    }

    func error(_ message: String, at offset: Int? = nil, field: String? = nil) -> SpecError {
      let where_ = position(offset ?? index)
      let p = field ?? pathText
      return SpecError(
        location: source, field: p.isEmpty ? nil : p, "malformed JSON at \(where_): \(message)")
    }

    func describeByte(at offset: Int) -> String {
      guard offset < bytes.count else { return "the end of the input" }
      let b = bytes[offset]
      if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
      return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    mutating func skipWhitespace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }

    mutating func parseDocument() throws(SpecError) -> JSONValue {
      if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
        throw error("the input starts with a byte order mark (not allowed in JSON)", at: 0)
      }
      skipWhitespace()
      guard index < bytes.count else { throw error("the input is empty (expected a JSON value)") }
      let value = try parseValue()
      skipWhitespace()
      if index < bytes.count {
        throw error(
          "unexpected \(describeByte(at: index)) after the end of the document (one JSON value per input)",
          field: "")
      }
      return value
    }

    mutating func parseValue() throws(SpecError) -> JSONValue {
      guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try parseObject()
      case UInt8(ascii: "["): return try parseArray()
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
      case UInt8(ascii: "N"), UInt8(ascii: "I"):
        throw error("NaN and Infinity are not JSON numbers (accepted: finite numbers)")
      case UInt8(ascii: "]"), UInt8(ascii: "}"):
        throw error("unexpected \(describeByte(at: index)); a trailing comma or a missing value?")
      case UInt8(ascii: "/"):
        throw error("comments are not JSON")
      default:
        throw error(
          "unexpected \(describeByte(at: index)) (expected a value: object, array, string, number, true, false or null)"
        )
      }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(SpecError) -> JSONValue {
      let w = Array(word.utf8)
      guard bytes.count - index >= w.count, Array(bytes[index..<(index + w.count)]) == w else {
        throw error("unexpected \(describeByte(at: index)) (expected \(word)?)")
      }
      index += w.count
      return value
    }

    mutating func enter() throws(SpecError) {
      depth += 1
      if depth > StrictJSON.maximumDepth {
        throw error("nesting deeper than \(StrictJSON.maximumDepth) levels")
      }
    }

    mutating func parseObject() throws(SpecError) -> JSONValue {
      try enter()
      index += 1
      var fields: [String: JSONValue] = [:]
      skipWhitespace()
      if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
        index += 1
        depth -= 1
        return .object(fields)
      }
      while true {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input inside an object") }
        guard bytes[index] == UInt8(ascii: "\"") else {
          if bytes[index] == UInt8(ascii: "}") {
            throw error("trailing comma before '}' (not allowed in JSON)")
          }
          throw error("expected a key in double quotes, found \(describeByte(at: index))")
        }
        let keyStart = index
        let key = try parseString()
        if fields[key] != nil {
          let p = pathText
          throw error(
            "duplicate key '\(key)' (each key may appear once in an object)", at: keyStart,
            field: p.isEmpty ? key : "\(p).\(key)")
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
          throw error("expected ':' after the key '\(key)', found \(describeByte(at: index))")
        }
        index += 1
        skipWhitespace()
        path.append(.key(key))
        fields[key] = try parseValue()
        path.removeLast()
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input inside an object") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        if bytes[index] == UInt8(ascii: "}") {
          index += 1
          depth -= 1
          return .object(fields)
        }
        throw error("expected ',' or '}' in an object, found \(describeByte(at: index))")
      }
    }

    mutating func parseArray() throws(SpecError) -> JSONValue {
      try enter()
      index += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
        index += 1
        depth -= 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
          throw error("trailing comma before ']' (not allowed in JSON)")
        }
        path.append(.index(items.count))
        items.append(try parseValue())
        path.removeLast()
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input inside an array") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        if bytes[index] == UInt8(ascii: "]") {
          index += 1
          depth -= 1
          return .array(items)
        }
        throw error("expected ',' or ']' in an array, found \(describeByte(at: index))")
      }
    }

    mutating func hex4() throws(SpecError) -> UInt32 {
      guard bytes.count - index >= 4 else { throw error("truncated \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let b = bytes[index]
        let d: UInt32
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
        default: throw error("invalid \\u escape: \(describeByte(at: index)) is not a hex digit")
        }
        v = v * 16 + d
        index += 1
      }
      return v
    }

    mutating func parseString() throws(SpecError) -> String {
      index += 1
      // Validated UTF-8 is collected as bytes: plain runs are copied whole.
      var buffer: [UInt8] = []
      var runStart = index
      while true {
        guard index < bytes.count else { throw error("unterminated string") }
        let b = bytes[index]
        if b == UInt8(ascii: "\"") {
          if buffer.isEmpty {
            let text = String(decoding: bytes[runStart..<index], as: UTF8.self)
            index += 1
            return text
          }
          buffer.append(contentsOf: bytes[runStart..<index])
          index += 1
          return String(decoding: buffer, as: UTF8.self)
        }
        if b < 0x20 {
          throw error(
            "a raw control character (byte 0x\(String(b, radix: 16, uppercase: true))) inside a string (write it escaped, e.g. \\n)"
          )
        }
        if b < 0x80 && b != UInt8(ascii: "\\") {
          index += 1
          continue
        }
        if b >= 0x80 {
          // Validate the sequence; it stays in the current run.
          _ = try utf8Scalar()
          continue
        }
        buffer.append(contentsOf: bytes[runStart..<index])
        index += 1
        guard index < bytes.count else { throw error("unterminated string") }
        let e = bytes[index]
        index += 1
        var scalar: Unicode.Scalar
        switch e {
        case UInt8(ascii: "\""): scalar = "\""
        case UInt8(ascii: "\\"): scalar = "\\"
        case UInt8(ascii: "/"): scalar = "/"
        case UInt8(ascii: "b"): scalar = "\u{08}"
        case UInt8(ascii: "f"): scalar = "\u{0C}"
        case UInt8(ascii: "n"): scalar = "\n"
        case UInt8(ascii: "r"): scalar = "\r"
        case UInt8(ascii: "t"): scalar = "\t"
        case UInt8(ascii: "u"):
          let start = index - 2
          let high = try hex4()
          var code = high
          if (0xD800...0xDBFF).contains(high) {
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
              bytes[index + 1] == UInt8(ascii: "u")
            else {
              throw error("a lone UTF-16 surrogate \\u\(hex(high)) (not a character)", at: start)
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else {
              throw error("a lone UTF-16 surrogate \\u\(hex(high)) (not a character)", at: start)
            }
            code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00...0xDFFF).contains(high) {
            throw error("a lone UTF-16 surrogate \\u\(hex(high)) (not a character)", at: start)
          }
          scalar = Unicode.Scalar(code)!
        default:
          throw error(
            "invalid escape \\\(describeByte(at: index - 1)) (accepted: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
            at: index - 2)
        }
        buffer.append(contentsOf: UTF8.encode(scalar)!)
        runStart = index
      }
    }

    func hex(_ v: UInt32) -> String {
      let s = String(v, radix: 16, uppercase: true)
      return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// One multi-byte UTF-8 sequence at `index`, validated (no overlong forms, surrogates or
    /// values above U+10FFFF).
    mutating func utf8Scalar() throws(SpecError) -> Unicode.Scalar {
      let start = index
      let b0 = bytes[index]
      let count: Int
      var value: UInt32
      switch b0 {
      case 0xC2...0xDF:
        count = 2
        value = UInt32(b0 & 0x1F)
      case 0xE0...0xEF:
        count = 3
        value = UInt32(b0 & 0x0F)
      case 0xF0...0xF4:
        count = 4
        value = UInt32(b0 & 0x07)
      default:
        throw error(
          "invalid UTF-8 (byte 0x\(String(b0, radix: 16, uppercase: true))); JSON text must be UTF-8",
          at: start)
      }
      guard bytes.count - index >= count else {
        throw error("invalid UTF-8 (truncated sequence); JSON text must be UTF-8", at: start)
      }
      for k in 1..<count {
        let b = bytes[index + k]
        guard b & 0xC0 == 0x80 else {
          throw error(
            "invalid UTF-8 (byte 0x\(String(b, radix: 16, uppercase: true))); JSON text must be UTF-8",
            at: start)
        }
        value = value << 6 | UInt32(b & 0x3F)
      }
      let minimum: UInt32 = count == 2 ? 0x80 : count == 3 ? 0x800 : 0x10000
      guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
        let scalar = Unicode.Scalar(value)
      else {
        throw error(
          "invalid UTF-8 (overlong form or surrogate); JSON text must be UTF-8", at: start)
      }
      index += count
      return scalar
    }

    mutating func parseNumber() throws(SpecError) -> JSONValue {
      let start = index
      func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
      var negative = false
      if bytes[index] == UInt8(ascii: "-") {
        negative = true
        index += 1
        if index < bytes.count
          && (bytes[index] == UInt8(ascii: "I") || bytes[index] == UInt8(ascii: "N"))
        {
          throw error("NaN and Infinity are not JSON numbers (accepted: finite numbers)", at: start)
        }
      }
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw error("a number needs digits after '-'", at: start)
      }
      if bytes[index] == UInt8(ascii: "0") {
        index += 1
        if index < bytes.count && isDigit(bytes[index]) {
          throw error("leading zeros are not allowed in JSON numbers", at: start)
        }
      } else {
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
      }
      var isInteger = true
      if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
        isInteger = false
        index += 1
        guard index < bytes.count, isDigit(bytes[index]) else {
          throw error("a number needs digits after '.'", at: start)
        }
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
      }
      if index < bytes.count
        && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"))
      {
        isInteger = false
        index += 1
        if index < bytes.count
          && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
        {
          index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else {
          throw error("a number needs digits in its exponent", at: start)
        }
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      if isInteger {
        if let i = Int(text) {
          if i == 0 && negative { return .double(-0.0) }
          return .int(i)
        }
        if !negative, let u = UInt64(text) { return .unsigned(u) }
      }
      guard let d = Double(text), d.isFinite else {
        throw error(
          "\(text) is outside the range of a 64-bit float (accepted: |x| ≤ 1.7976931348623157e308)",
          at: start)
      }
      if d == 0 && d.sign == .minus { return .double(d) }
      if d.rounded() == d {
        if d >= -9.223_372_036_854_775_808e18 && d < 9.223_372_036_854_775_808e18 {
          return .int(Int(d))
        }
        if d >= 0 && d < 18_446_744_073_709_551_616.0 { return .unsigned(UInt64(d)) }
      }
      return .double(d)
    }
  }
}

// MARK: Decoder over JSONValue

/// The keys each decoded object was asked for, by JSON path (to find keys nobody read).
final class KeyTracker {
  var queried: [String: Set<String>] = [:]
  /// Objects read whole (dictionaries, `allKeys`): every key is known.
  var open: Set<String> = []
}

struct StrictIndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "\(intValue!)" }
  init(_ i: Int) { intValue = i }
  init?(intValue: Int) { self.intValue = intValue }
  init?(stringValue: String) { nil }
}

struct ValueDecoder: Decoder {
  let value: JSONValue
  let codingPath: [any CodingKey]
  let tracker: KeyTracker
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  static func decode<T: Decodable>(
    _ type: T.Type, from value: JSONValue, path: [any CodingKey], tracker: KeyTracker
  ) throws -> T {
    if T.self == JSONValue.self { return value as! T }
    if let scalar = try decodeScalar(type, value, path) { return scalar }
    if T.self == Data.self {
      guard case .string(let s) = value, let data = Data(base64Encoded: s) else {
        throw mismatch(T.self, path, "expected base64 text", value)
      }
      return data as! T
    }
    if T.self == URL.self {
      guard case .string(let s) = value, let url = URL(string: s) else {
        throw mismatch(T.self, path, "expected a URL string", value)
      }
      return url as! T
    }
    return try T(from: ValueDecoder(value: value, codingPath: path, tracker: tracker))
  }

  static func mismatch(
    _ type: Any.Type, _ path: [any CodingKey], _ expected: String, _ value: JSONValue
  )
    -> DecodingError
  {
    let shown = value.description
    let text = shown.count > 80 ? String(shown.prefix(77)) + "…" : shown
    if case .null = value {
      return .valueNotFound(
        type, .init(codingPath: path, debugDescription: "is null (\(expected))"))
    }
    return .typeMismatch(
      type, .init(codingPath: path, debugDescription: "\(expected), got \(value.typeName) \(text)"))
  }

  static func integer<I: FixedWidthInteger>(
    _ type: I.Type, _ value: JSONValue, _ path: [any CodingKey]
  )
    throws -> I
  {
    let range = I.isSigned && I.bitWidth == 64 ? "an integer" : "an integer in \(I.min)…\(I.max)"
    switch value {
    case .int(let i):
      guard let x = I(exactly: i) else { throw mismatch(I.self, path, "expected \(range)", value) }
      return x
    case .unsigned(let u):
      guard let x = I(exactly: u) else { throw mismatch(I.self, path, "expected \(range)", value) }
      return x
    case .double(let d) where d == 0:
      return 0
    default:
      throw mismatch(I.self, path, "expected \(range)", value)
    }
  }

  static func double(_ value: JSONValue, _ path: [any CodingKey]) throws -> Double {
    switch value {
    case .int(let i): return Double(i)
    case .unsigned(let u): return Double(u)
    case .double(let d): return d
    default: throw mismatch(Double.self, path, "expected a number", value)
    }
  }

  static func decodeScalar<T>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws
    -> T?
  {
    switch type {
    case is Bool.Type:
      guard case .bool(let b) = value else {
        throw mismatch(T.self, path, "expected true or false", value)
      }
      return (b as! T)
    case is String.Type:
      guard case .string(let s) = value else {
        throw mismatch(T.self, path, "expected a string", value)
      }
      return (s as! T)
    case is Double.Type:
      return (try double(value, path) as! T)
    case is Float.Type:
      let d = try double(value, path)
      let f = Float(d)
      guard f.isFinite else {
        throw mismatch(T.self, path, "expected a number within the range of a 32-bit float", value)
      }
      return (f as! T)
    case is Int.Type: return (try integer(Int.self, value, path) as! T)
    case is Int8.Type: return (try integer(Int8.self, value, path) as! T)
    case is Int16.Type: return (try integer(Int16.self, value, path) as! T)
    case is Int32.Type: return (try integer(Int32.self, value, path) as! T)
    case is Int64.Type: return (try integer(Int64.self, value, path) as! T)
    case is UInt.Type: return (try integer(UInt.self, value, path) as! T)
    case is UInt8.Type: return (try integer(UInt8.self, value, path) as! T)
    case is UInt16.Type: return (try integer(UInt16.self, value, path) as! T)
    case is UInt32.Type: return (try integer(UInt32.self, value, path) as! T)
    case is UInt64.Type: return (try integer(UInt64.self, value, path) as! T)
    default: return nil
    }
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let fields) = value else {
      throw Self.mismatch([String: JSONValue].self, codingPath, "expected an object", value)
    }
    let path = StrictJSON.pathText(codingPath)
    if tracker.queried[path] == nil { tracker.queried[path] = [] }
    return KeyedDecodingContainer(
      KeyedContainer<Key>(fields: fields, codingPath: codingPath, path: path, tracker: tracker))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    guard case .array(let items) = value else {
      throw Self.mismatch([JSONValue].self, codingPath, "expected an array", value)
    }
    return UnkeyedContainer(items: items, codingPath: codingPath, tracker: tracker)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    SingleContainer(value: value, codingPath: codingPath, tracker: tracker)
  }
}

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let fields: [String: JSONValue]
  let codingPath: [any CodingKey]
  let path: String
  let tracker: KeyTracker

  var allKeys: [Key] {
    tracker.open.insert(path)
    return fields.keys.sorted().compactMap { Key(stringValue: $0) }
  }

  func note(_ key: Key) { tracker.queried[path, default: []].insert(key.stringValue) }

  func contains(_ key: Key) -> Bool {
    note(key)
    return fields[key.stringValue] != nil
  }

  func value(_ key: Key) throws -> JSONValue {
    note(key)
    guard let v = fields[key.stringValue] else {
      throw DecodingError.keyNotFound(
        key, .init(codingPath: codingPath, debugDescription: "missing"))
    }
    return v
  }

  private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
    try ValueDecoder.decode(
      T.self, from: try value(key), path: codingPath + [key], tracker: tracker)
  }
  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type, key) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type, key) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type, key) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type, key) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type, key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type, key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type, key) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type, key) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type, key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type, key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type, key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type, key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type, key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type, key) }

  func decodeNil(forKey key: Key) throws -> Bool {
    if case .null = try value(key) { return true }
    return false
  }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try ValueDecoder.decode(
      T.self, from: try value(key), path: codingPath + [key], tracker: tracker)
  }

  func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
    try decodeIfPresent(type, key)
  }
  func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
    try decodeIfPresent(type, key)
  }

  func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
    try decodeIfPresent(type, key)
  }

  private func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
    note(key)
    guard let v = fields[key.stringValue] else { return nil }
    if case .null = v, T.self != JSONValue.self {
      // `null` for an optional field is ambiguous (unset? a mistake?): omit the field instead.
      throw DecodingError.valueNotFound(
        T.self,
        .init(
          codingPath: codingPath + [key],
          debugDescription: "is null (omit the field to use its default)"))
    }
    return try ValueDecoder.decode(T.self, from: v, path: codingPath + [key], tracker: tracker)
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    try ValueDecoder(value: try value(key), codingPath: codingPath + [key], tracker: tracker)
      .container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try ValueDecoder(value: try value(key), codingPath: codingPath + [key], tracker: tracker)
      .unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder {
    tracker.open.insert(path)
    return ValueDecoder(value: .object(fields), codingPath: codingPath, tracker: tracker)
  }

  func superDecoder(forKey key: Key) throws -> any Decoder {
    ValueDecoder(value: try value(key), codingPath: codingPath + [key], tracker: tracker)
  }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
  let items: [JSONValue]
  let codingPath: [any CodingKey]
  let tracker: KeyTracker
  var currentIndex = 0

  init(items: [JSONValue], codingPath: [any CodingKey], tracker: KeyTracker) {
    self.items = items
    self.codingPath = codingPath
    self.tracker = tracker
  }

  var count: Int? { items.count }
  var isAtEnd: Bool { currentIndex >= items.count }

  mutating func next() throws -> (JSONValue, [any CodingKey]) {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        JSONValue.self,
        .init(
          codingPath: codingPath + [StrictIndexKey(currentIndex)],
          debugDescription: "the array has only \(items.count) elements"))
    }
    defer { currentIndex += 1 }
    return (items[currentIndex], codingPath + [StrictIndexKey(currentIndex)])
  }

  private mutating func decodeAny<T: Decodable>(_ type: T.Type) throws -> T {
    let (v, path) = try next()
    return try ValueDecoder.decode(T.self, from: v, path: path, tracker: tracker)
  }
  mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeAny(type) }
  mutating func decode(_ type: String.Type) throws -> String { try decodeAny(type) }
  mutating func decode(_ type: Double.Type) throws -> Double { try decodeAny(type) }
  mutating func decode(_ type: Float.Type) throws -> Float { try decodeAny(type) }
  mutating func decode(_ type: Int.Type) throws -> Int { try decodeAny(type) }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeAny(type) }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeAny(type) }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeAny(type) }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeAny(type) }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeAny(type) }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeAny(type) }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeAny(type) }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeAny(type) }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeAny(type) }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd else { return false }
    if case .null = items[currentIndex] {
      currentIndex += 1
      return true
    }
    return false
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    let (v, path) = try next()
    return try ValueDecoder.decode(T.self, from: v, path: path, tracker: tracker)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    let (v, path) = try next()
    return try ValueDecoder(value: v, codingPath: path, tracker: tracker).container(keyedBy: type)
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    let (v, path) = try next()
    return try ValueDecoder(value: v, codingPath: path, tracker: tracker).unkeyedContainer()
  }

  mutating func superDecoder() throws -> any Decoder {
    let (v, path) = try next()
    return ValueDecoder(value: v, codingPath: path, tracker: tracker)
  }
}

struct SingleContainer: SingleValueDecodingContainer {
  let value: JSONValue
  let codingPath: [any CodingKey]
  let tracker: KeyTracker

  private func decodeAny<T: Decodable>(_ type: T.Type) throws -> T {
    try ValueDecoder.decode(T.self, from: value, path: codingPath, tracker: tracker)
  }
  func decode(_ type: Bool.Type) throws -> Bool { try decodeAny(type) }
  func decode(_ type: String.Type) throws -> String { try decodeAny(type) }
  func decode(_ type: Double.Type) throws -> Double { try decodeAny(type) }
  func decode(_ type: Float.Type) throws -> Float { try decodeAny(type) }
  func decode(_ type: Int.Type) throws -> Int { try decodeAny(type) }
  func decode(_ type: Int8.Type) throws -> Int8 { try decodeAny(type) }
  func decode(_ type: Int16.Type) throws -> Int16 { try decodeAny(type) }
  func decode(_ type: Int32.Type) throws -> Int32 { try decodeAny(type) }
  func decode(_ type: Int64.Type) throws -> Int64 { try decodeAny(type) }
  func decode(_ type: UInt.Type) throws -> UInt { try decodeAny(type) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeAny(type) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeAny(type) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeAny(type) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeAny(type) }

  func decodeNil() -> Bool {
    if case .null = value { return true }
    return false
  }

  func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try ValueDecoder.decode(T.self, from: value, path: codingPath, tracker: tracker)
  }
}
