import Foundation
import SaddleCore

/// Canonical JSON text and content hashes: what identifies a trial independently of labels,
/// key order, or where it appears in a config.
public enum CanonicalJSON {
  /// `value` as canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace,
  /// integers in decimal, doubles that hold an integer below 2⁵³ in magnitude written as that
  /// integer (so `1` and `1.0` are one value), other doubles in Swift's shortest round-trip
  /// form, strings with only `"`, `\` and control characters escaped.
  public static func text(_ value: JSONValue) -> String {
    var out = ""
    write(value, to: &out)
    return out
  }

  static func write(_ value: JSONValue, to out: inout String) {
    switch value {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .unsigned(let u): out += String(u)
    case .double(let d):
      if d == 0 && d.sign == .minus {
        out += "-0.0"
      } else if d.isFinite && d == d.rounded() && abs(d) < 9_007_199_254_740_992 {
        out += String(Int64(d))
      } else if d.isFinite {
        out += "\(d)"
      } else {
        out += d.isNaN ? "\"nan\"" : (d > 0 ? "\"inf\"" : "\"-inf\"")
      }
    case .string(let s): writeString(s, to: &out)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        write(item, to: &out)
      }
      out += "]"
    case .object(let fields):
      out += "{"
      let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
      for (i, key) in keys.enumerated() {
        if i > 0 { out += "," }
        writeString(key, to: &out)
        out += ":"
        write(fields[key]!, to: &out)
      }
      out += "}"
    }
  }

  static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out +=
          "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
          + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }

  /// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3), of `bytes`.
  public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    return hash
  }

  /// The FNV-1a 64 hash of `value`'s canonical text as 16 lowercase hex digits.
  public static func hash(_ value: JSONValue) -> String { hex(fnv1a64(text(value).utf8)) }

  /// `value` as 16 lowercase hex digits.
  public static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}

/// What a trial computes, as data: everything that changes its result and nothing that does
/// not (labels, the trial's position in the config, shards, thread counts).
///
/// Two trials with the same definition give the same bits, so a study directory stores each
/// under `trials/<key>.json` with `key` the FNV-1a 64 hash of the definition's canonical JSON;
/// adding seeds or settings to a config reuses every finished trial, and changing a problem
/// or a setting recomputes exactly the trials that changed.
public enum TrialDefinition {
  /// Bumped when a trial's computation changes meaning (new keys for every trial).
  public static let version = 1

  /// The definition of seed `seed` of `setting` on `problem` under `config`'s budget, with
  /// defaults made explicit (`start: "saddle"`, `perturbation: 1e-8`, `curvePoints: 100`) so
  /// that an omitted default and the same value written out are one trial.
  public static func make(
    problem: StudyConfig.ProblemSpec, setting: StudyConfig.Setting, seed: Int,
    config: StudyConfig
  ) -> JSONValue {
    var p: [String: JSONValue] = [
      "problem": .string(problem.problem),
      "parameters": .object(problem.parameters ?? [:]),
      "start": .string(problem.start ?? "saddle"),
      "perturbation": .double(problem.perturbation ?? 1e-8),
    ]
    if let r = problem.rotationSeed {
      p["rotationSeed"] = r <= UInt64(Int.max) ? .int(Int(r)) : .unsigned(r)
    }
    if let d = problem.escapeDelta { p["escapeDelta"] = .double(d) }
    var budget: [String: JSONValue] = [:]
    if let s = config.budget.steps { budget["steps"] = .int(s) }
    if let c = config.budget.cost { budget["cost"] = .int(c) }
    return .object([
      "version": .int(version),
      "problem": .object(p),
      "optimizer": setting.spec,
      "seed": .int(seed),
      "budget": .object(budget),
      "curvePoints": .int(config.curvePoints ?? 100),
    ])
  }

  /// The key of `definition`: 16 hex digits.
  public static func key(_ definition: JSONValue) -> String { CanonicalJSON.hash(definition) }
}
