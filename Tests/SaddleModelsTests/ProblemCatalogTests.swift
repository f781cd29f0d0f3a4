import SaddleModels
import Testing

@Suite("Problem catalog")
struct ProblemCatalogTests {
  @Test("every name builds its problem with defaults", arguments: ProblemCatalog.names)
  func buildsDefaults(_ name: String) throws {
    let problem = try ProblemCatalog.make(name, dimension: nil, parameters: [:])
    // One type may serve several entries (the spectrum saddle's shapes): `<type name>-<variant>`.
    #expect(name == type(of: problem).name || name.hasPrefix(type(of: problem).name + "-"))
    #expect(problem.defaultStart.count == problem.dimension)
  }

  @Test("the catalog covers every row of the table and describe() lists each name")
  func coversTable() {
    #expect(
      Set(ProblemCatalog.names) == [
        "hyperbolic-saddle", "quartic-double-well", "two-well", "monkey-saddle",
        "scalar-factorization", "matrix-factorization", "symmetric-factorization",
        "deep-linear-network", "rosenbrock", "rastrigin", "ill-conditioned-saddle", "octopus",
        "spectrum-saddle-uniform", "spectrum-saddle-power-law", "spectrum-saddle-clustered",
        "finite-sum-saddle", "box-saddle", "spectrum-saddle-finite-sum", "matrix-completion",
        "phase-retrieval",
      ])
    #expect(ProblemCatalog.describe().map(\.name) == ProblemCatalog.names)
    let octopus = ProblemCatalog.describe().first { $0.name == "octopus" }!
    #expect(octopus.parameters.map(\.name) == ["dimension", "L", "gamma", "tau"])
    #expect(octopus.parameters[1].default == "e")
  }

  @Test("dimension and parameters reach the problem")
  func passesParameters() throws {
    let problem = try ProblemCatalog.make(
      "ill-conditioned-saddle", dimension: 100, parameters: ["epsilon": 1e-3, "mu": 2])
    let saddle = try #require(problem as? IllConditionedSaddle)
    #expect(saddle.dimension == 100)
    #expect(saddle.epsilon == 1e-3)
    #expect(saddle.mu == 2)
    let mf = try ProblemCatalog.make(
      "matrix-factorization", dimension: 8, parameters: ["m": 3, "n": 5, "rank": 1])
    #expect(mf.dimension == 8)
  }

  @Test("a misspelled problem suggests the closest name")
  func suggestsProblem() {
    #expect(throws: ProblemError.self) {
      try ProblemCatalog.make("rosenbrok", dimension: nil, parameters: [:])
    }
    do {
      _ = try ProblemCatalog.make("ill-conditoned-saddle", dimension: nil, parameters: [:])
    } catch let error as ProblemError {
      guard case .unknownProblem(_, let suggestion, _) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(suggestion == "ill-conditioned-saddle")
      #expect(error.description.contains("Did you mean \"ill-conditioned-saddle\"?"))
    } catch { Issue.record("unexpected \(error)") }
  }

  @Test("a misspelled parameter suggests the closest accepted one")
  func suggestsParameter() {
    do {
      _ = try ProblemCatalog.make("octopus", dimension: nil, parameters: ["gama": 1])
      Issue.record("accepted an unknown parameter")
    } catch {
      #expect(
        error as? ProblemError
          == .unknownParameter(
            problem: "octopus", name: "gama", suggestion: "gamma",
            accepted: ["dimension", "L", "gamma", "tau"]))
    }
  }

  @Test("an out-of-range value names the problem, the field, the value and the range")
  func rejectsValues() {
    func message(_ name: String, _ dimension: Int?, _ parameters: [String: Double]) -> String? {
      do {
        _ = try ProblemCatalog.make(name, dimension: dimension, parameters: parameters)
        return nil
      } catch { return (error as? ProblemError)?.description }
    }
    let tau = message("octopus", nil, ["tau": -1])
    #expect(tau?.contains("\"octopus\"") == true)
    #expect(tau?.contains("tau = -1.0") == true)
    #expect(tau?.contains("expected > 0") == true)
    let rank = message("matrix-factorization", nil, ["m": 4, "n": 3, "rank": 4])
    #expect(rank?.contains("rank = 4.0") == true)
    #expect(rank?.contains("integer 1 ≤ x ≤ 3") == true)
    #expect(message("matrix-factorization", nil, ["m": 2.5]) != nil)
    #expect(message("ill-conditioned-saddle", nil, ["epsilon": 0]) != nil)
    #expect(message("ill-conditioned-saddle", 1, [:])?.contains("dimension = 1.0") == true)
    #expect(message("two-well", 3, [:])?.contains("2 (fixed") == true)
    #expect(message("two-well", 2, [:]) == nil)
    #expect(message("rastrigin", nil, ["amplitude": .nan]) != nil)
  }
}
