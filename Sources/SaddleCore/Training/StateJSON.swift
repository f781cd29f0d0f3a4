/// Checkpointed state held as JSON until the stage that owns it decodes it (see
/// ``AnyRuleState``). Unlike ``JSONValue`` it keeps every number exactly: integers above
/// `Int.max` (random generator words) as `UInt64`, and the sign of `-0`.
enum StateJSON: Codable, Sendable {
  case null
  case bool(Bool)
  case int(Int64)
  case unsigned(UInt64)
  case double(Double)
  case string(String)
  case array([StateJSON])
  case object([String: StateJSON])

  init(from decoder: any Decoder) throws {
    if var array = try? decoder.unkeyedContainer() {
      var items: [StateJSON] = []
      while !array.isAtEnd { items.append(try array.decode(StateJSON.self)) }
      self = .array(items)
      return
    }
    if let object = try? decoder.container(keyedBy: AnyKey.self) {
      var items: [String: StateJSON] = [:]
      for key in object.allKeys {
        items[key.stringValue] = try object.decode(StateJSON.self, forKey: key)
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
    } else if let i = try? single.decode(Int64.self) {
      self = .int(i)
    } else if let u = try? single.decode(UInt64.self) {
      self = .unsigned(u)
    } else if let d = try? single.decode(Double.self) {
      self = .double(d)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  func encode(to encoder: any Encoder) throws {
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
}
