import SaddleCore

extension Registry {
  /// Every built-in: the stages of ``Registry/core`` plus the problems and models of
  /// SaddleModels. Copy it and register more to extend it.
  public static let standard: Registry = {
    var registry = Registry.core
    registry.registerStandardModels()
    return registry
  }()

  /// Registers the closed-form problems of `ProblemCatalog` (and the network models).
  public mutating func registerStandardModels() {
    for problem in ProblemCatalog.describe() {
      let name = problem.name
      register(model: name, summary: ProblemCatalog.summary(of: name) ?? "closed-form test problem")
      { p in
        if p.isDescribing {
          for parameter in problem.parameters {
            p.declare(parameter.name, default: parameter.default, accepted: parameter.range)
          }
          return try ProblemCatalog.make(name, dimension: nil, parameters: [:])
        }
        var values: [String: Double] = [:]
        let known = problem.parameters.map(\.name)
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
