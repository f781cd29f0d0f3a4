import SaddleCore

extension Registry {
  /// Every built-in: the stages of ``Registry/core`` plus the problems and models of
  /// SaddleModels. Copy it and register more to extend it.
  public static let standard: Registry = {
    var registry = Registry.core
    registry.registerStandardModels()
    return registry
  }()

  /// Registers the closed-form problems of `ProblemCatalog` under their schemas (one
  /// declaration per parameter: `saddle list` and the unknown-field check read it, the catalog
  /// checks each value against its range), and the network models.
  public mutating func registerStandardModels() {
    for schema in ProblemCatalog.schemas {
      let name = schema.name
      register(model: schema) { p in
        if p.isDescribing {
          return try ProblemCatalog.make(name, dimension: nil, parameters: [:])
        }
        var values: [String: Double] = [:]
        let known = schema.parameters.map(\.name)
        for field in p.givenFields {
          guard known.contains(field) else {
            let hint = closestName(to: field, in: known).map { "; did you mean '\($0)'?" } ?? ""
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            throw SpecError(
              location: p.location, field: field, "unknown field (known fields: \(list))\(hint)")
          }
          values[field] = try p.double(field)
        }
        do {
          return try ProblemCatalog.make(name, dimension: nil, parameters: values)
        } catch let error as ProblemError {
          throw SpecError(location: "problem '\(name)'", error.reason)
        }
      }
    }
    registerStochasticProblems()
    registerNetworkModels()
  }
}
