import SaddleKit

enum ListCommand {
  static let options = [
    OptionSpec(
      name: "model", valueName: "NAME",
      help: "Print one problem/model: its parameters (as set) and its segments."),
    OptionSpec(
      name: "param", valueName: "KEY=VALUE", help: "Set a model parameter (repeatable).",
      repeatable: true),
  ]

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
      print("  \(p.name) = \(value)   (\(p.accepted))")
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
    let args = try ParsedArguments(arguments, command: "list", options: options)
    if args.has("help") {
      print(
        helpText(
          usage: "saddle list [--model NAME [--param KEY=VALUE]...]",
          summary:
            "Lists every registered problem, estimator, rule and preset with its parameters, defaults and accepted ranges; with --model, one model's parameters and its segment names (for a stage's \"segments\").",
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
    let titles: [(Registry.Kind, String)] = [
      (.model, "PROBLEMS AND MODELS"), (.estimator, "CURVATURE ESTIMATORS"),
      (.rule, "UPDATE RULES"), (.preset, "PRESETS"),
    ]
    for (kind, title) in titles {
      let entries = registry.allEntries.filter { $0.kind == kind }
      guard !entries.isEmpty else { continue }
      print(title)
      for entry in entries {
        print("  \(entry.name)" + (entry.summary.isEmpty ? "" : " — \(entry.summary)"))
        for p in registry.parameters(of: entry.name) {
          print("      \(p.name) = \(p.defaultValue)   (\(p.accepted))")
        }
      }
      print("")
    }
    print("SCHEDULES (any learningRate may be a number or one of these objects)")
    for line in [
      "{\"schedule\":\"constant\",\"value\":η}",
      "{\"schedule\":\"step\",\"peak\":η,\"every\":k,\"factor\":γ}",
      "{\"schedule\":\"exponential\",\"peak\":η,\"rate\":γ}",
      "{\"schedule\":\"cosine\",\"peak\":η,\"steps\":T,\"final\":α}",
      "{\"schedule\":\"warmup\",\"peak\":η,\"steps\":W}",
      "{\"schedule\":\"warmup-cosine\",\"peak\":η,\"warmup\":W,\"steps\":T,\"final\":α}",
      "{\"schedule\":\"linear\",\"from\":a,\"to\":b,\"steps\":T}",
    ] {
      print("  \(line)")
    }
    print("")
    print("COMMON STAGE FIELDS: every, offset, after, name, segments")
    print("SEGMENT NAMES: saddle list --model NAME [--param KEY=VALUE]...")
  }
}
