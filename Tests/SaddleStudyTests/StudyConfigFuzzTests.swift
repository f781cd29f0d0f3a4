import Foundation
import SaddleCore
import SaddleStudy
import Testing

/// A JSON document with ordered keys, so mutations can rename, duplicate and retype any key.
indirect enum ConfigDocument: Equatable {
  case scalar(String)
  case array([ConfigDocument])
  case object([(String, ConfigDocument)])

  static func == (a: ConfigDocument, b: ConfigDocument) -> Bool { a.text == b.text }

  static func quoted(_ s: String) -> String {
    String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
  }

  var text: String {
    switch self {
    case .scalar(let token): return token
    case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .object(let fields):
      return "{" + fields.map { Self.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ")
        + "}"
    }
  }

  /// The kind of JSON value, to pick a replacement of a different kind.
  var kind: String {
    switch self {
    case .scalar(let t):
      if t.hasPrefix("\"") { return "string" }
      if t == "true" || t == "false" { return "bool" }
      if t == "null" { return "null" }
      return "number"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// Every node's path (child indices from the root).
  func paths(_ prefix: [Int] = []) -> [[Int]] {
    var out = [prefix]
    switch self {
    case .scalar: break
    case .array(let items):
      for (i, item) in items.enumerated() { out += item.paths(prefix + [i]) }
    case .object(let fields):
      for (i, field) in fields.enumerated() { out += field.1.paths(prefix + [i]) }
    }
    return out
  }

  /// This document with the node at `path` replaced by `transform(node)`.
  func replacing(_ path: ArraySlice<Int>, _ transform: (ConfigDocument) -> ConfigDocument)
    -> ConfigDocument
  {
    guard let first = path.first else { return transform(self) }
    switch self {
    case .scalar: return self
    case .array(var items):
      items[first] = items[first].replacing(path.dropFirst(), transform)
      return .array(items)
    case .object(var fields):
      fields[first].1 = fields[first].1.replacing(path.dropFirst(), transform)
      return .object(fields)
    }
  }

  func node(_ path: ArraySlice<Int>) -> ConfigDocument {
    guard let first = path.first else { return self }
    switch self {
    case .scalar: return self
    case .array(let items): return items[first].node(path.dropFirst())
    case .object(let fields): return fields[first].1.node(path.dropFirst())
    }
  }
}

/// Mutates a valid study config: key typos at every level, duplicate keys, values of another
/// JSON type, trailing commas.
struct ConfigFuzzer {
  var generator: SeededGenerator
  let seed: ConfigDocument

  mutating func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }

  static let otherValues: [ConfigDocument] = [
    .scalar("null"), .scalar("true"), .scalar("0"), .scalar("-1"), .scalar("0.5"),
    .scalar("1e308"), .scalar("\"\""), .scalar("\"x\""), .scalar("\"a/b\""), .array([]),
    .array([.scalar("1")]), .object([]), .object([("x", .scalar("1"))]),
  ]

  mutating func typo(_ key: String) -> String {
    let chars = Array(key)
    switch generator.next() % 7 {
    case 0: return key + "s"
    case 1: return String(chars.dropLast())
    case 2: return key.uppercased()
    case 3:
      guard chars.count >= 2 else { return key + "_" }
      var c = chars
      let i = Int(generator.next() % UInt64(c.count - 1))
      c.swapAt(i, i + 1)
      return String(c)
    case 4: return "_" + key
    case 5:
      // camelCase → snake_case, as in `rotation_seed`.
      return key.reduce(into: "") { out, ch in
        if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
      }
    default: return key + " "
    }
  }

  /// One mutated document, as text.
  mutating func next() -> String {
    let paths = seed.paths()
    switch generator.next() % 4 {
    case 0:
      // Rename a key of some object.
      let objects = paths.filter {
        if case .object(let f) = seed.node($0[...]) { return !f.isEmpty }
        return false
      }
      let path = pick(objects)
      let choice = generator.next()
      var fields: [(String, ConfigDocument)] = []
      if case .object(let f) = seed.node(path[...]) { fields = f }
      let i = Int(choice % UInt64(fields.count))
      fields[i].0 = typo(fields[i].0)
      return seed.replacing(path[...]) { _ in .object(fields) }.text
    case 1:
      // Duplicate a key (same or other value).
      let objects = paths.filter {
        if case .object(let f) = seed.node($0[...]) { return !f.isEmpty }
        return false
      }
      let path = pick(objects)
      let choice = generator.next()
      let same = generator.next() % 2 == 0
      let other = pick(Self.otherValues)
      return seed.replacing(path[...]) { node in
        guard case .object(var fields) = node else { return node }
        let i = Int(choice % UInt64(fields.count))
        fields.append((fields[i].0, same ? fields[i].1 : other))
        return .object(fields)
      }.text
    case 2:
      // A value of another JSON type.
      let path = pick(Array(paths.dropFirst()))
      let original = seed.node(path[...])
      let candidates = Self.otherValues.filter { $0.kind != original.kind }
      let replacement = pick(candidates)
      return seed.replacing(path[...]) { _ in replacement }.text
    default:
      // A trailing comma before some closing bracket or brace.
      var text = Array(seed.text)
      let closers = text.indices.filter { text[$0] == "]" || text[$0] == "}" }
      let i = pick(closers)
      text.insert(",", at: i)
      return String(text)
    }
  }
}

@Suite("Study configs survive fuzzing")
struct StudyConfigFuzzTests {
  static let seed: ConfigDocument = .object([
    ("name", .scalar("\"fz\"")), ("seeds", .scalar("2")),
    ("budget", .object([("cost", .scalar("100")), ("steps", .scalar("40"))])),
    ("curvePoints", .scalar("20")),
    (
      "problems",
      .array([
        .object([
          ("label", .scalar("\"qdw\"")), ("problem", .scalar("\"quartic-double-well\"")),
          ("start", .scalar("\"saddle\"")), ("perturbation", .scalar("0.001")),
          ("rotationSeed", .scalar("3")), ("escapeDelta", .scalar("0.03")),
        ]),
        .object([
          ("label", .scalar("\"ics\"")), ("problem", .scalar("\"ill-conditioned-saddle\"")),
          ("parameters", .object([("epsilon", .scalar("0.01")), ("dimension", .scalar("4"))])),
        ]),
      ])
    ),
    (
      "optimizers",
      .array([
        .object([
          ("label", .scalar("\"gd\"")),
          (
            "spec",
            .array([.object([("stage", .scalar("\"sgd\"")), ("learningRate", .scalar("0.5"))])])
          ),
        ]),
        .object([
          ("label", .scalar("\"deo\"")),
          (
            "spec",
            .array([
              .object([
                ("stage", .scalar("\"deo-sgd\"")), ("learningRate", .scalar("0.5")),
                ("stepSize", .scalar("0.1")),
              ])
            ])
          ),
          ("grid", .object([("0.period", .array([.scalar("1"), .scalar("5")]))])),
        ]),
      ])
    ),
  ])

  @Test("2,000 mutated configs: each is refused in one line naming the file, or means the same")
  func fuzzConfigs() throws {
    let original = try StudyConfig.load(Data(Self.seed.text.utf8), source: "fz.json")
    let originalSettings = try original.settings()
    var fuzzer = ConfigFuzzer(generator: SeededGenerator(seed: 0x57D7), seed: Self.seed)
    var refused = 0
    var same = 0
    for _ in 0..<2_000 {
      let text = fuzzer.next()
      do {
        let config = try StudyConfig.load(Data(text.utf8), source: "fz.json")
        // Accepted: it must be the same study (a typo that changed nothing, e.g. a swap of
        // two equal letters).
        let settings = try config.settings()
        if config != original || settings != originalSettings {
          Issue.record("accepted a different study: \(text)")
        }
        same += 1
      } catch {
        refused += 1
        let message = error.description
        if !message.hasPrefix("fz.json") || message.contains("\n") || message.count > 600 {
          Issue.record("bad message \(message.debugDescription) for \(text)")
        }
      }
    }
    #expect(refused > 1_800)
    #expect(refused + same == 2_000)
  }
}
