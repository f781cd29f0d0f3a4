import Foundation
import SaddleCore
import Testing

/// The strict parser refuses what lenient parsers accept silently, and keeps numbers exact.
@Suite("Strict JSON")
struct StrictJSONTests {
  static func refusal(_ bytes: [UInt8], source: String = "in.json") -> String? {
    do {
      _ = try StrictJSON.parse(Data(bytes), source: source)
      return nil
    } catch {
      return error.description
    }
  }

  static func refusal(_ text: String) -> String? { refusal(Array(text.utf8)) }

  @Test(
    "malformed documents are refused in one line naming the source, the path and the problem",
    arguments: [
      (#"[{"stage":"sgd",}]"#, "in.json, field '[0]'", "trailing comma before '}'"),
      (#"[1, 2,]"#, "in.json", "trailing comma before ']'"),
      (#"{"stage":"adam","stage":"sgd"}"#, "field 'stage'", "duplicate key 'stage'"),
      (
        #"{"problems":[{"a":1},{"escapeDelta":1,"escapeDelta":2}]}"#,
        "field 'problems[1].escapeDelta'", "duplicate key 'escapeDelta'"
      ),
      (#"{"x": NaN}"#, "field 'x'", "NaN and Infinity are not JSON numbers"),
      (#"[Infinity]"#, "field '[0]'", "NaN and Infinity"),
      (#"[-Infinity]"#, "field '[0]'", "NaN and Infinity"),
      (#"[1] [2]"#, "in.json", "after the end of the document"),
      (#"{"a":1}x"#, "in.json", "unexpected 'x' after the end"),
      (#"[01]"#, "field '[0]'", "leading zeros"),
      (#"[1.]"#, "field '[0]'", "digits after '.'"),
      (#"[.5]"#, "field '[0]'", "unexpected '.'"),
      (#"[+1]"#, "field '[0]'", "unexpected '+'"),
      (#"[1e]"#, "field '[0]'", "exponent"),
      ("[\"a\u{7}b\"]", "field '[0]'", "raw control character"),
      ("{\"a\nb\": 1}", "in.json", "raw control character"),
      (#"["\ud800"]"#, "field '[0]'", "lone UTF-16 surrogate"),
      (#"["\udc00\ud800"]"#, "field '[0]'", "lone UTF-16 surrogate"),
      (#"["\x"]"#, "field '[0]'", "invalid escape"),
      (#"{'a': 1}"#, "in.json", "expected a key in double quotes"),
      (#"[1 // c"#, "in.json", "expected ',' or ']'"),
      (#"// c"#, "in.json", "comments are not JSON"),
      (#"[tru]"#, "field '[0]'", "expected true"),
      ("", "in.json", "the input is empty"),
      ("[1e999]", "field '[0]'", "outside the range of a 64-bit float"),
      ("[-1e400]", "field '[0]'", "outside the range of a 64-bit float"),
      (#"{"a" 1}"#, "in.json", "expected ':'"),
    ])
  func refusals(text: String, location: String, problem: String) throws {
    let message = try #require(Self.refusal(text), "accepted: \(text)")
    #expect(message.hasPrefix("in.json"), "\(message)")
    #expect(message.contains(location), "\(message)")
    #expect(message.contains(problem), "\(message)")
    #expect(message.contains("line "), "\(message)")
    #expect(!message.contains("\n"))
  }

  @Test("invalid UTF-8 is refused: stray, truncated, overlong, surrogate and too-large sequences")
  func invalidUTF8() throws {
    let prefix = Array(#"{"name":""#.utf8)
    let suffix = Array(#""}"#.utf8)
    for bad: [UInt8] in [
      [0xFF], [0x80], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
      [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82],
    ] {
      let message = try #require(Self.refusal(prefix + bad + suffix), "accepted \(bad)")
      #expect(message.contains("invalid UTF-8"), "\(message)")
      #expect(message.hasPrefix("in.json, field 'name'"), "\(message)")
    }
    // Outside strings too, and a byte order mark.
    #expect(Self.refusal([0x5B, 0xFF, 0x5D])?.contains("byte 0xFF") == true)
    #expect(
      Self.refusal([0xEF, 0xBB, 0xBF] + Array("[]".utf8))?.contains("byte order mark") == true)
    // Valid multi-byte text (2, 3 and 4 bytes) and escapes decode to the same scalars.
    let value = try StrictJSON.parse(
      #"["κ=100 — 𝔼", "\u03ba=100 \u2014 \ud835\udd3c", "\"\\\/\b\f\n\r\t"]"#, source: "x")
    #expect(
      value
        == .array([.string("κ=100 — 𝔼"), .string("κ=100 — 𝔼"), .string("\"\\/\u{8}\u{c}\n\r\t")])
    )
  }

  @Test("nesting up to 512 levels is accepted, 513 is refused")
  func depthLimit() throws {
    let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    _ = try StrictJSON.parse(ok, source: "deep.json")
    let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
    #expect(Self.refusal(tooDeep)?.contains("nesting deeper than 512 levels") == true)
    // Far deeper input fails the same way, without exhausting the stack.
    let huge = String(repeating: "{\"a\":", count: 100_000)
    #expect(Self.refusal(huge)?.contains("nesting deeper than 512") == true)
  }

  @Test("numbers keep their exact value: Int, UInt64 above Int.max, -0, correctly rounded doubles")
  func exactNumbers() throws {
    let value = try StrictJSON.parse(
      "[0, -0, -0.0, 1.0, 1e2, 2.5, 9223372036854775807, -9223372036854775808, "
        + "9223372036854775808, 18446744073709551615, 18446744073709551616, 9007199254740993, "
        + "0.1, 5e-324, 1.7976931348623157e308, -1E-2]",
      source: "n")
    guard case .array(let items) = value else {
      Issue.record("not an array")
      return
    }
    #expect(items[0] == .int(0))
    guard case .double(let negativeZero) = items[1], case .double(let negativeZero2) = items[2]
    else {
      Issue.record("-0 is not a double: \(items[1])")
      return
    }
    #expect(negativeZero == 0 && negativeZero.sign == .minus)
    #expect(negativeZero2 == 0 && negativeZero2.sign == .minus)
    #expect(items[3] == .int(1))
    #expect(items[4] == .int(100))
    #expect(items[5] == .double(2.5))
    #expect(items[6] == .int(.max))
    #expect(items[7] == .int(.min))
    #expect(items[8] == .unsigned(9_223_372_036_854_775_808))
    #expect(items[9] == .unsigned(.max))
    #expect(items[10] == .double(18_446_744_073_709_551_616))
    #expect(items[11] == .int(9_007_199_254_740_993))
    #expect(items[12] == .double(0.1))
    #expect(items[13] == .double(.leastNonzeroMagnitude))
    #expect(items[14] == .double(.greatestFiniteMagnitude))
    #expect(items[15] == .double(-0.01))
  }

  @Test("the strict parser agrees with Foundation's JSONDecoder on every valid document tried")
  func agreesWithFoundation() throws {
    for text in [
      #"{"a": [1, 2.5, -0, "x\u00e9", true, false, null], "b": {"c": {}}, "d": []}"#,
      #"[{"stage": "adam", "learningRate": 0.001, "beta1": 0.9}]"#,
      "  \n\t[ 1 , 2 ]\r\n ",
      #""just a string""#, "42", "null",
    ] {
      let strict = try StrictJSON.parse(text, source: "t")
      let lenient = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
      #expect(strict == lenient, "\(text)")
    }
  }

  struct Inner: Codable, Equatable {
    var rate: Double
    var count: Int?
    var tags: [String]
  }

  struct Outer: Codable, Equatable {
    var name: String
    var items: [Inner]
    var extra: [String: JSONValue]?
    var seed: UInt64
    var blob: Data?
    var ratio: Float?
  }

  @Test("decode: unknown keys at any depth are refused with the path and the closest known key")
  func decodeUnknownKeys() throws {
    let good = #"{"name":"n","seed":1,"items":[{"rate":1,"tags":[]},{"rate":2,"tags":["a"]}]}"#
    let value = try StrictJSON.decode(Outer.self, from: Data(good.utf8), source: "o.json")
    #expect(value.items[1] == Inner(rate: 2, count: nil, tags: ["a"]))
    let typo =
      #"{"name":"n","seed":1,"items":[{"rate":1,"tags":[]},{"rate":2,"tags":[],"cuont":3}]}"#
    #expect {
      _ = try StrictJSON.decode(Outer.self, from: Data(typo.utf8), source: "o.json")
    } throws: { error in
      let message = "\(error)"
      return message.hasPrefix(
        "o.json, field 'items[1].cuont': unknown field; did you mean 'count'?")
        && message.contains("known fields here: count, rate, tags")
    }
    // A dictionary field is open: any key is data.
    let open = #"{"name":"n","seed":1,"items":[],"extra":{"anything":1}}"#
    _ = try StrictJSON.decode(Outer.self, from: Data(open.utf8), source: "o.json")
    // .ignore skips unknown keys.
    _ = try StrictJSON.decode(
      Outer.self, from: Data(typo.utf8), source: "o.json", unknownKeys: .ignore)
  }

  @Test(
    "decode: type errors and missing fields name the path, the value and what is accepted",
    arguments: [
      (
        #"{"name":"n","seed":1,"items":[{"rate":"x","tags":[]}]}"#, "field 'items[0].rate'",
        "expected a number, got a string \"x\""
      ),
      (
        #"{"name":"n","seed":-1,"items":[]}"#, "field 'seed'",
        "expected an integer in 0…18446744073709551615, got a number -1"
      ),
      (#"{"name":"n","seed":1.5,"items":[]}"#, "field 'seed'", "got a number 1.5"),
      (
        #"{"name":"n","seed":1,"items":[{"rate":1,"count":2.5,"tags":[]}]}"#,
        "field 'items[0].count'", "expected an integer"
      ),
      (#"{"name":"n","seed":1,"items":{}}"#, "field 'items'", "expected an array, got an object"),
      (#"{"name":null,"seed":1,"items":[]}"#, "field 'name'", "is null (expected a string)"),
      (#"{"seed":1,"items":[]}"#, "field 'name'", "missing"),
      (#"{"nmae":"n","seed":1,"items":[]}"#, "field 'nmae'", "did you mean 'name'?"),
      (#"{"name":"n","seed":1,"items":[],"ratio":1e300}"#, "field 'ratio'", "32-bit float"),
      (#"{"name":"n","seed":1,"items":[],"blob":"%%"}"#, "field 'blob'", "base64"),
      (#"[1]"#, "o.json", "expected an object, got an array"),
    ])
  func decodeErrors(text: String, field: String, problem: String) {
    #expect {
      _ = try StrictJSON.decode(Outer.self, from: Data(text.utf8), source: "o.json")
    } throws: { error in
      let message = "\(error)"
      return message.hasPrefix("o.json") && message.contains(field) && message.contains(problem)
        && !message.contains("\n")
    }
  }

  @Test("decode reads back what JSONEncoder wrote, bit for bit (Data as base64, UInt64, -0, Float)")
  func roundTrip() throws {
    let original = Outer(
      name: "κ", items: [Inner(rate: -0.0, count: .max, tags: ["x\ny"])],
      extra: ["u": .unsigned(.max), "o": .object(["z": .null])], seed: .max,
      blob: Data([0, 255, 7]), ratio: 0.1)
    let data = try JSONEncoder().encode(original)
    let decoded = try StrictJSON.decode(Outer.self, from: data, source: "rt")
    #expect(decoded == original)
    #expect(decoded.items[0].rate.sign == .minus)
    #expect(decoded.ratio!.bitPattern == Float(0.1).bitPattern)
  }
}
