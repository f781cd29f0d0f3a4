import Foundation
import SaddleCore
import Testing

/// A JSON document under construction; `raw` holds a token as written (numbers such as `-0`,
/// `1e308` or `99999999999999999999`, or deliberately broken text).
indirect enum FuzzDocument {
  case raw(String)
  case array([FuzzDocument])
  case object([(String, FuzzDocument)])

  static func string(_ s: String) -> FuzzDocument {
    let data = try! JSONEncoder().encode(s)
    return .raw(String(decoding: data, as: UTF8.self))
  }

  var text: String {
    switch self {
    case .raw(let token): return token
    case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
    case .object(let fields):
      return "{"
        + fields.map { FuzzDocument.string($0.0).text + ":" + $0.1.text }
        .joined(separator: ",") + "}"
    }
  }
}

/// Generates valid optimizer specs for every stage of a registry and mutates them.
struct SpecFuzzer {
  var generator: SeededGenerator
  let seeds: [FuzzDocument]

  static let extremeNumbers = [
    "0", "-0", "1", "-1", "0.5", "2", "1e308", "-1e308", "1.7976931348623157e308", "5e-324",
    "-5e-324", "1e-320", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    "18446744073709551616", "99999999999999999999", "1e15", "1e16", "9007199254740993", "1e999",
    "-1e999", "0.9999999999999999", "1.0000000000000002", "3.4028235e38", "1e39", "-1e-400",
  ]
  static let oddValues = [
    "null", "true", "false", "\"\"", "\"fast\"", "\"a\\nb\"", "\"\\u0000\"", "[]", "{}", "[1,2]",
    "{\"schedule\": \"cosine\"}",
    "{\"schedule\": \"warmup-cosine\", \"peak\": 1, \"warmup\": 5, \"steps\": 2}",
    "{\"schedule\": \"step\", \"peak\": 1e308, \"every\": 1, \"factor\": 1}",
    "{\"schedule\": \"linear\", \"from\": 0, \"to\": 1e308, \"steps\": 9223372036854775807}",
    "\"\(String(repeating: "x", count: 300))\"",
  ]
  static let brokenTokens = ["NaN", "Infinity", "-", "1e", "0x10", "01", ".5", "+1", "'a'", "tru"]

  init(registry: Registry, seed: UInt64) {
    generator = SeededGenerator(seed: seed)
    var seeds: [FuzzDocument] = []
    for entry in registry.allEntries where entry.kind != .model {
      var fields: [(String, FuzzDocument)] = [("stage", .string(entry.name))]
      for parameter in registry.describedParameters(of: entry.name) {
        if let x = Double(parameter.defaultValue) {
          fields.append(
            (
              parameter.name,
              .raw(parameter.defaultValue == "\(x)" ? "\(x)" : parameter.defaultValue)
            ))
        } else if parameter.defaultValue == "true" || parameter.defaultValue == "false" {
          fields.append((parameter.name, .raw(parameter.defaultValue)))
        }
      }
      // A chain needs a stage that scales the step; follow the others with SGD.
      let scales =
        entry.scalesStep
        ?? registry.parameters(of: entry.name).contains { $0.name == "learningRate" }
      let sgd: [FuzzDocument] =
        scales ? [] : [.object([("stage", .string("sgd")), ("learningRate", .raw("0.1"))])]
      seeds.append(.array([.object(fields)] + sgd))
      seeds.append(
        .array([
          .object(
            fields + [
              ("every", .raw("3")), ("offset", .raw("1")), ("after", .raw("2")),
              ("name", .string("s")),
            ]),
          .object([("stage", .string("sgd")), ("learningRate", .raw("0.1"))]),
        ]))
      seeds.append(
        .object([
          ("stages", .array([.object(fields + [("segments", .array([.string("x")]))])] + sgd))
        ]))
    }
    self.seeds = seeds
  }

  mutating func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
  mutating func chance(_ p: Double) -> Bool { generator.nextUniformDouble() < p }

  /// One structural mutation somewhere in `document`.
  mutating func mutate(_ document: FuzzDocument) -> FuzzDocument {
    switch document {
    case .raw:
      if chance(0.6) { return .raw(pick(Self.extremeNumbers)) }
      if chance(0.7) { return .raw(pick(Self.oddValues)) }
      return chance(0.5) ? .raw(pick(Self.brokenTokens)) : .array([document])
    case .array(var items):
      if items.isEmpty || chance(0.15) {
        switch generator.next() % 4 {
        case 0: return .array([])
        case 1: return .array(items + items)
        case 2: return .raw(pick(Self.oddValues))
        default: return .array([document])
        }
      }
      let i = Int(generator.next() % UInt64(items.count))
      items[i] = mutate(items[i])
      return .array(items)
    case .object(var fields):
      if fields.isEmpty { return chance(0.5) ? .raw("{}") : .object([("stage", .raw("1"))]) }
      let i = Int(generator.next() % UInt64(fields.count))
      switch generator.next() % 6 {
      case 0:
        fields.remove(at: i)
      case 1:
        fields[i].0 = pick([
          fields[i].0 + "s", fields[i].0.uppercased(), "", "stage", "every",
          "x\ny", String(fields[i].0.dropLast()),
        ])
      case 2:
        fields.append(
          (
            pick(["every", "offset", "after", "name", "segments", "stages", "zzz"]),
            .raw(pick(Self.extremeNumbers + Self.oddValues))
          ))
      default:
        fields[i].1 = mutate(fields[i].1)
      }
      return .object(fields)
    }
  }

  /// A mutated spec as bytes: structural mutations, and sometimes textual damage.
  mutating func next() -> Data {
    var document = pick(seeds)
    for _ in 0..<(1 + Int(generator.next() % 3)) { document = mutate(document) }
    var bytes = Array(document.text.utf8)
    switch generator.next() % 10 {
    case 0 where !bytes.isEmpty:
      bytes.removeLast(Int(generator.next() % UInt64(bytes.count)) + 1)
    case 1 where !bytes.isEmpty:
      for _ in 0..<(1 + Int(generator.next() % 4)) {
        bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(
          truncatingIfNeeded: generator.next())
      }
    case 2:
      let depth = pick([10, 100, 600, 5000])
      let open = String(repeating: "[", count: depth)
      let close = chance(0.8) ? String(repeating: "]", count: depth) : ""
      bytes = Array((open + document.text + close).utf8)
    case 3:
      bytes = (0..<Int(generator.next() % 64)).map { _ in
        UInt8(truncatingIfNeeded: generator.next())
      }
    default:
      break
    }
    return Data(bytes)
  }
}

@Suite("Optimizer specs survive fuzzing")
struct SpecFuzzTests {
  @Test("10,000 mutated specs: no trap, one-line rejections, accepted ones take a step")
  func fuzzSpecs() throws {
    let registry = Registry.core
    var fuzzer = SpecFuzzer(registry: registry, seed: 0x5EED)
    #expect(fuzzer.seeds.count >= 3 * 2)
    let model = DiagonalQuadratic(eigenvalues: [1, 2, 3], start: [1, -1, 0.5])
    var accepted = 0
    var rejected = 0
    let start = ContinuousClock.now
    for _ in 0..<10_000 {
      let data = fuzzer.next()
      do {
        let optimizer = try registry.optimizer(fromJSON: data)
        accepted += 1
        var state = optimizer.makeState(for: model, seed: 1)
        for _ in 0..<2 {
          do { try optimizer.step(&state, model: model) } catch { break }
        }
        #expect(
          state.parameters.isFinite, "\(String(decoding: data, as: UTF8.self).prefix(300))")
      } catch {
        rejected += 1
        let message = error.description
        if message.isEmpty || message.contains("\n") || message.contains("\r") {
          Issue.record(
            "bad message \(message.debugDescription) for \(String(decoding: data, as: UTF8.self).prefix(200))"
          )
        }
      }
    }
    #expect(ContinuousClock.now - start < .seconds(60))
    // Both outcomes occur often enough for the run to test something.
    #expect(accepted > 300)
    #expect(rejected > 3000)
  }

  @Test("valid specs for every registered stage are accepted")
  func seedsAreValid() throws {
    let registry = Registry.core
    let fuzzer = SpecFuzzer(registry: registry, seed: 1)
    for seed in fuzzer.seeds {
      _ = try registry.optimizer(fromJSON: seed.text)
    }
  }
}

@Suite("Spec errors found by fuzzing")
struct SpecFuzzRegressionTests {
  @Test(
    "messages quoting user text stay on one line, and odd numbers are named",
    arguments: [
      (#"[{"stage": "a\nb"}]"#, #"unknown stage 'a\nb'"#),
      (#"[{"stage": "sgd", "x\u2028y": 1}]"#, #"field 'x\u{2028}y'"#),
      (#"[{"stage": "adam", "beta1": "a\rb"}]"#, #"got a string "a\rb""#),
      (#"[{"stage": "sgd", "learningRate": 1e999}]"#, "outside the range of a 64-bit float"),
      (#"{"stages": [{"stage": "sgd", "learningRate": -1e999}]}"#, "outside the range"),
    ])
  func oneLineMessages(spec: String, expected: String) {
    #expect {
      _ = try Registry.core.optimizer(fromJSON: spec)
    } throws: { error in
      let message = "\(error)"
      return message.contains(expected) && !message.contains("\n") && !message.contains("\r")
    }
  }
}
