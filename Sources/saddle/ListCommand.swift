import Foundation
import SaddleKit

enum ListCommand {
  static let options = [
    OptionSpec(name: "json", valueName: nil, help: "Print JSON (one object, a key per section)."),
    OptionSpec(
      name: "model", valueName: "NAME",
      help: "Print one problem/model: its parameters (as set) and its segments."),
    OptionSpec(
      name: "param", valueName: "KEY=VALUE", help: "Set a model parameter (repeatable).",
      repeatable: true),
  ]

  /// The sections, in order: name on the command line, registry kind, title.
  static let sections: [(name: String, kind: Registry.Kind?, title: String)] = [
    ("problems", .model, "PROBLEMS AND MODELS"), ("rules", .rule, "UPDATE RULES"),
    ("estimators", .estimator, "CURVATURE ESTIMATORS"), ("presets", .preset, "PRESETS"),
    ("schedules", nil, "SCHEDULES (any learningRate may be a number or one of these objects)"),
  ]

  static let conventions =
    "Parameters, optimizer state and update kernels are float32; closed-form problems "
    + "compute in float64 and round. Ranges: > 0, ≥ 0, a ≤ x < b; integer where marked."

  /// `saddle list --model NAME`: the parameters (defaults, given values, ranges) and the
  /// segments (name, offset, count) of the model built with `--param` fields.
  static func describeModel(_ name: String, args: ParsedArguments, registry: Registry) throws {
    let model = try RunCommand.makeModel(name, args: args, registry: registry)
    let given = try args.parameterFields()
    let entry = registry.entry(named: name)
    print("\(name)" + ((entry?.summary).map { $0.isEmpty ? "" : " — \($0)" } ?? ""))
    print("PARAMETERS")
    let parameters = registry.parameters(of: name)
    if parameters.isEmpty { print("  (none)") }
    for p in parameters {
      let value = given[p.name].map { "\($0) (given)" } ?? p.defaultValue
      print("  \(p.name) = \(value)   (\(p.accepted))" + (p.doc.isEmpty ? "" : " — \(p.doc)"))
    }
    print("SEGMENTS (name, offset, count) — the names a stage's \"segments\" accepts")
    let width = max(4, model.layout.segments.map(\.name.count).max() ?? 0)
    for segment in model.layout.segments {
      print(
        "  " + segment.name.padding(toLength: width, withPad: " ", startingAt: 0)
          + "  \(segment.offset)  \(segment.count)")
    }
    print("total: \(model.layout.count) parameters in \(model.layout.segments.count) segments")
  }

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "list", options: options, positionals: 1)
    if args.has("help") {
      print(
        helpText(
          usage:
            "saddle list [problems|rules|estimators|presets|schedules] [--json] | --model NAME [--param KEY=VALUE]...",
          summary: """
            Lists every registered problem, update rule, estimator, preset and schedule with its
            parameters, defaults and accepted ranges (or one section); with --model, one model's
            parameters and its segment names (for a stage's "segments"). \(conventions)
            """,
          options: options))
      return
    }
    if let name = args.string("model") {
      try describeModel(name, args: args, registry: registry)
      return
    }
    if !args.all("param").isEmpty {
      throw UsageError("saddle list: --param needs --model NAME")
    }
    var chosen = sections
    if let name = args.positionals.first {
      guard let section = sections.first(where: { $0.name == name }) else {
        let names = sections.map(\.name)
        let hint = closestName(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(
          "saddle list: unknown section '\(name)'\(hint) (accepted: \(names.joined(separator: ", ")))"
        )
      }
      chosen = [section]
    }
    if args.has("json") {
      print(try json(chosen, registry: registry))
      return
    }
    print(conventions + "\n")
    for section in chosen {
      print(section.title)
      if let kind = section.kind {
        for entry in registry.allEntries where entry.kind == kind {
          print("  \(entry.name)" + (entry.summary.isEmpty ? "" : " — \(entry.summary)"))
          for p in registry.parameters(of: entry.name) {
            print(
              "      \(p.name) = \(p.defaultValue)   (\(p.accepted))"
                + (p.doc.isEmpty ? "" : " — \(p.doc)"))
          }
        }
      } else {
        for schedule in registry.schedules {
          print("  \(schedule.form) — \(schedule.schema.summary)")
          for p in schedule.schema.descriptions {
            print(
              "      \(p.name) = \(p.defaultValue)   (\(p.accepted))"
                + (p.doc.isEmpty ? "" : " — \(p.doc)"))
          }
        }
      }
      print("")
    }
    if chosen.count == sections.count {
      print("COMMON STAGE FIELDS: every, offset, after, name, segments")
      print("SEGMENT NAMES: saddle list --model NAME [--param KEY=VALUE]...")
    }
  }

  static func parameterObjects(_ parameters: [StageParameters.Description]) -> [[String: String]] {
    parameters.map {
      ["name": $0.name, "default": $0.defaultValue, "accepted": $0.accepted, "doc": $0.doc]
    }
  }

  /// The chosen sections as one JSON object: `{"conventions": …, "problems": [{"name",
  /// "summary", "parameters": [{"name", "default", "accepted", "doc"}]}], …}`.
  static func json(
    _ chosen: [(name: String, kind: Registry.Kind?, title: String)], registry: Registry
  ) throws -> String {
    var object: [String: Any] = ["conventions": conventions]
    for section in chosen {
      if let kind = section.kind {
        object[section.name] = registry.allEntries.filter { $0.kind == kind }.map { entry in
          [
            "name": entry.name, "summary": entry.summary,
            "parameters": parameterObjects(registry.parameters(of: entry.name)),
          ] as [String: Any]
        }
      } else {
        object[section.name] = registry.schedules.map { schedule in
          [
            "name": schedule.name, "form": schedule.form, "summary": schedule.schema.summary,
            "parameters": parameterObjects(schedule.schema.descriptions),
          ] as [String: Any]
        }
      }
    }
    let data = try JSONSerialization.data(
      withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }
}
