import SaddleKit

enum ListCommand {
  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "list", options: [])
    if args.has("help") {
      print(
        helpText(
          usage: "saddle list",
          summary:
            "Lists every registered problem, estimator, rule and preset with its parameters, defaults and accepted ranges.",
          options: []))
      return
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
  }
}
