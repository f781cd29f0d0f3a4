/// A JSON document as a value: what specs and configs are parsed into before validation, and
/// how type-erased stage state waits in a checkpoint until its stage decodes it.
///
/// Numbers keep their exact value: integers as `Int`, integers above `Int.max` (random
/// generator words) as `UInt64`, everything else as `Double` — including the sign of `-0`.
///
/// Read user input with ``StrictJSON`` (`StrictJSON.parse(data, source:)`), which refuses
/// duplicate keys, trailing commas and invalid UTF-8 that `JSONDecoder` would accept.
public enum JSONValue: Codable, Sendable, Equatable, CustomStringConvertible {
  /// JSON `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number with an integral value that fits in `Int` (`3`, and as ``StrictJSON`` reads
  /// them `3.0` and `1e3` too).
  case int(Int)
  /// An integer above `Int.max`.
  case unsigned(UInt64)
  /// Any other finite number: one with a fractional part, one beyond the 64-bit integer
  /// ranges, and `-0` (kept with its sign).
  case double(Double)
  /// A string.
  case string(String)
  /// An array, in order.
  case array([JSONValue])
  /// An object; its keys are unique (``StrictJSON`` refuses duplicates).
  case object([String: JSONValue])

  public init(from decoder: any Decoder) throws {
    if var array = try? decoder.unkeyedContainer() {
      var items: [JSONValue] = []
      while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
      self = .array(items)
      return
    }
    if let object = try? decoder.container(keyedBy: AnyKey.self) {
      var items: [String: JSONValue] = [:]
      for key in object.allKeys {
        items[key.stringValue] = try object.decode(JSONValue.self, forKey: key)
      }
      self = .object(items)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let b = try? single.decode(Bool.self) {
      self = .bool(b)
    } else if let d = try? single.decode(Double.self), d == 0, d.sign == .minus {
      self = .double(d)
    } else if let i = try? single.decode(Int.self) {
      self = .int(i)
    } else if let u = try? single.decode(UInt64.self) {
      self = .unsigned(u)
    } else if let d = try? single.decode(Double.self) {
      self = .double(d)
    } else if let s = try? single.decode(String.self) {
      self = .string(s)
    } else {
      throw DecodingError.dataCorruptedError(
        in: single, debugDescription: "a number outside the range of a 64-bit float")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var c = encoder.singleValueContainer()
      try c.encodeNil()
    case .bool(let b):
      var c = encoder.singleValueContainer()
      try c.encode(b)
    case .int(let i):
      var c = encoder.singleValueContainer()
      try c.encode(i)
    case .unsigned(let u):
      var c = encoder.singleValueContainer()
      try c.encode(u)
    case .double(let d):
      var c = encoder.singleValueContainer()
      try c.encode(d)
    case .string(let s):
      var c = encoder.singleValueContainer()
      try c.encode(s)
    case .array(let items):
      var c = encoder.unkeyedContainer()
      for item in items { try c.encode(item) }
    case .object(let items):
      var c = encoder.container(keyedBy: AnyKey.self)
      for (k, v) in items.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: AnyKey(k)) }
    }
  }

  /// A short rendering for error messages.
  public var description: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return "\(b)"
    case .int(let i): return "\(i)"
    case .unsigned(let u): return "\(u)"
    case .double(let d): return "\(d)"
    case .string(let s): return "\"\(s)\""
    case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
    case .object(let o):
      return "{"
        + o.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
        .joined(separator: ",") + "}"
    }
  }

  /// The JSON type's name, for error messages.
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int, .unsigned, .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ s: String) { stringValue = s }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
