import Foundation
import SaddleCore

/// A user mistake on the command line: printed as one line on stderr, exit code 2.
struct UsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A failure while running (a file that cannot be written, a non-finite run): exit code 1.
struct RunError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// One option a command accepts.
struct OptionSpec {
  var name: String
  var valueName: String?
  var help: String
  /// Whether the option may be given more than once (e.g. `--param`); any other option given
  /// twice is a usage error rather than "the last one wins".
  var repeatable = false
  var isFlag: Bool { valueName == nil }
}

/// Hand-written parsing (the package has no dependencies): `--name value`, `--name=value` and
/// flags. Unknown options and missing values are usage errors naming the option.
struct ParsedArguments {
  let command: String
  private(set) var values: [String: String] = [:]
  private(set) var repeated: [String: [String]] = [:]
  private(set) var flags: Set<String> = []
  private(set) var positionals: [String] = []

  init(_ arguments: [String], command: String, options: [OptionSpec], positionals allowed: Int = 0)
    throws(UsageError)
  {
    self.command = command
    var i = 0
    while i < arguments.count {
      let argument = arguments[i]
      if argument == "--help" || argument == "-h" {
        flags.insert("help")
        i += 1
        continue
      }
      if argument.hasPrefix("--") {
        var name = String(argument.dropFirst(2))
        var inlineValue: String?
        if let eq = name.firstIndex(of: "=") {
          inlineValue = String(name[name.index(after: eq)...])
          name = String(name[..<eq])
        }
        guard let spec = options.first(where: { $0.name == name }) else {
          let hint =
            closestName(to: name, in: options.map(\.name)).map { "; did you mean --\($0)?" } ?? ""
          throw UsageError("saddle \(command): unknown option --\(name)\(hint) (see --help)")
        }
        if !spec.repeatable && (flags.contains(name) || values[name] != nil) {
          throw UsageError("saddle \(command): --\(name) is given twice (give it once)")
        }
        if spec.isFlag {
          if inlineValue != nil {
            throw UsageError("saddle \(command): --\(name) takes no value")
          }
          flags.insert(name)
        } else {
          let value: String
          if let inlineValue {
            value = inlineValue
          } else {
            guard i + 1 < arguments.count else {
              throw UsageError(
                "saddle \(command): --\(name) needs a value (\(spec.valueName!))")
            }
            value = arguments[i + 1]
            i += 1
          }
          values[name] = value
          repeated[name, default: []].append(value)
        }
      } else {
        guard positionals.count < allowed else {
          throw UsageError("saddle \(command): unexpected argument '\(argument)' (see --help)")
        }
        positionals.append(argument)
      }
      i += 1
    }
  }

  func has(_ flag: String) -> Bool { flags.contains(flag) }
  /// Every value of a repeatable option, in order.
  func all(_ name: String) -> [String] { repeated[name] ?? [] }

  /// `--param key=value` options as problem/model fields: each value is read as JSON
  /// (`3`, `0.5`, `true`, `"text"`), or as a plain string when it is not JSON (`corpus=a.txt`).
  /// A key given twice, or a value without `=`, is a usage error.
  func parameterFields(_ name: String = "param") throws -> [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    for item in all(name) {
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
        throw UsageError(
          "saddle \(command): --\(name) expects key=value (e.g. dimension=10), got '\(item)'")
      }
      let key = String(item[..<eq])
      let text = String(item[item.index(after: eq)...])
      guard fields[key] == nil else {
        throw UsageError("saddle \(command): --\(name) \(key) is given twice (give it once)")
      }
      if let value = try? StrictJSON.parse(text, source: "--\(name) \(key)") {
        fields[key] = value
      } else {
        fields[key] = .string(text)
      }
    }
    return fields
  }
  func string(_ name: String) -> String? { values[name] }

  func int(_ name: String, default d: Int? = nil, min: Int = Int.min) throws(UsageError) -> Int? {
    guard let text = values[name] else { return d }
    guard let v = Int(text), v >= min else {
      throw UsageError(
        "saddle \(command): --\(name) expects an integer ≥ \(min), got '\(text)'")
    }
    return v
  }

  func uint64(_ name: String, default d: UInt64) throws(UsageError) -> UInt64 {
    guard let text = values[name] else { return d }
    guard let v = UInt64(text) else {
      throw UsageError("saddle \(command): --\(name) expects a non-negative integer, got '\(text)'")
    }
    return v
  }

  func double(_ name: String) throws(UsageError) -> Double? {
    guard let text = values[name] else { return nil }
    guard let v = Double(text), v.isFinite else {
      throw UsageError("saddle \(command): --\(name) expects a finite number, got '\(text)'")
    }
    return v
  }

  func doubles(_ name: String) throws(UsageError) -> [Double]? {
    guard let text = values[name] else { return nil }
    var out: [Double] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v.isFinite else {
        throw UsageError(
          "saddle \(command): --\(name) expects comma-separated finite numbers, got '\(text)'")
      }
      out.append(v)
    }
    return out
  }
}

func helpText(usage: String, summary: String, options: [OptionSpec]) -> String {
  var lines = ["USAGE: \(usage)", "", summary, "", "OPTIONS:"]
  for o in options {
    let left = "  --\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
    lines.append(
      left.padding(toLength: max(30, left.count + 2), withPad: " ", startingAt: 0) + o.help)
  }
  lines.append(
    "  -h, --help".padding(toLength: 30, withPad: " ", startingAt: 0) + "Show this help.")
  return lines.joined(separator: "\n")
}
