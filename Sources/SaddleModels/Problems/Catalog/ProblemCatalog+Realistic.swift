import SaddleCore

extension ProblemCatalog {
  /// The realistic saddles of issue 10 (build item 2) that are closed-form problems: the
  /// spectrum saddle as a finite sum, symmetric matrix completion and phase retrieval.
  static let realisticEntries: [Entry] = [
    Entry(
      name: SpectrumFiniteSumSaddle.name,
      parameters: uniformSpectrumParameters + [
        .integer("components", 100, in: 1...100_000), .real("spread", 1e-3, orEqual: true),
        .real("curvatureSpread", 0.1, orEqual: true),
      ],
      build: { arguments in
        try SpectrumFiniteSumSaddle(
          base: uniformSpectrumSaddle(arguments),
          components: arguments.integer("components"), spread: arguments.real("spread"),
          curvatureSpread: arguments.real("curvatureSpread"),
          seed: UInt64(arguments.integer("seed")))
      }),
    Entry(
      name: MatrixCompletion.name,
      parameters: [
        .integer("n", 20, in: 1...64), .integer("rank", 2, default: "2 (at most n)", in: 1...64),
        .real("fraction", 0.5, below: 1, upToAndIncluding: true),
        .real("regularization", 0, orEqual: true),
        .real("threshold", nil, default: "max row norm of U* (minima unchanged)"), seedParameter,
      ],
      build: { arguments in
        let n = try arguments.integer("n")
        let fraction = try arguments.real("fraction")
        let seed = try arguments.integer("seed")
        let problem = try MatrixCompletion(
          n: n, rank: arguments.integer("rank", upperLimit: n), fraction: fraction,
          regularization: arguments.real("regularization"),
          threshold: arguments.optional("threshold"), seed: UInt64(seed))
        guard !problem.observed.isEmpty else {
          throw ProblemError.invalidValue(
            problem: MatrixCompletion.name, field: "fraction", value: fraction,
            accepted:
              "a fraction that observes at least one entry (none observed with n = \(n), seed = \(seed))"
          )
        }
        return problem
      }),
    Entry(
      name: PhaseRetrieval.name,
      parameters: [
        .integer("dimension", 10, in: 2...64),
        .integer(
          "measurements", nil, default: "20·dimension (at least dimension)", in: 2...20_000),
        seedParameter,
      ],
      build: { arguments in
        let d = try arguments.integer("dimension")
        let m = try arguments.optional("measurements").map { Int($0) } ?? 20 * d
        guard m >= d, m <= 20_000 else {
          throw ProblemError.invalidValue(
            problem: PhaseRetrieval.name, field: "measurements", value: Double(m),
            accepted: "integer \(d) ≤ x ≤ 20000 (at least dimension)")
        }
        return try PhaseRetrieval(
          dimension: d, measurements: m, seed: UInt64(arguments.integer("seed")))
      }),
  ]

  /// `saddle list` lines of the realistic saddles (closed-form and stochastic).
  static let realisticSummaries: [String: String] = [
    SpectrumFiniteSumSaddle.name:
      "(1/n)Σ fᵢ, fᵢ = f + (ρ/2)((aᵢᵀx)² − xᵀSx) + bᵢᵀx, mean exactly spectrum-saddle-uniform f; saddle 0, its minima",
    NoisySpectrumSaddle.name:
      "spectrum-saddle-uniform with gradient ∇f + σξₜ, ξₜ ~ N(0, I) per step (seeded), exact loss and HVP; saddle 0",
    MatrixCompletion.name:
      "(1/4p)‖P_Ω(UUᵀ − M)‖²_F (+ λΣ(‖Uᵢ‖ − α)₊⁴), M = U*U*ᵀ rank r, Ω seeded; saddle U = 0 (eigenvalues −eig(P_Ω M)/p), minima U*R, f = 0",
    PhaseRetrieval.name:
      "(1/4m)Σ((aᵢᵀx)² − (aᵢᵀx*)²)²; origin a local max, minima ±x* (f = 0), an index-1 saddle (→ x ⊥ x*, ‖x‖² = 1/3 as m/d → ∞)",
  ]

  /// The parameters of `spectrum-saddle-uniform`.
  static let uniformSpectrumParameters: [Parameter] = [
    .integer("dimension", 500, in: 2...4096),
    .integer("negatives", 1, default: "1 (fewer than dimension)", in: 1...4095),
    .real("lambdaMin", 1e-2), .real("gap", 1e-2), .real("lambdaMax", 1),
    .real("mu", nil, default: "lambdaMin (deepest minima at distance 1)"), seedParameter,
  ]

  /// The uniform ``SpectrumSaddle`` of `arguments` (checked as `spectrum-saddle-uniform` is).
  static func uniformSpectrumSaddle(_ arguments: Arguments) throws -> SpectrumSaddle {
    let dimension = try arguments.integer("dimension")
    let gap = try arguments.real("gap")
    let lambdaMax = try arguments.real("lambdaMax")
    guard lambdaMax >= gap else {
      throw ProblemError.invalidValue(
        problem: arguments.problem, field: "lambdaMax", value: lambdaMax,
        accepted: "a number ≥ gap (\(gap))")
    }
    return try SpectrumSaddle(
      dimension: dimension, shape: .uniform,
      negativeCount: arguments.integer("negatives", upperLimit: dimension - 1),
      lambdaMin: arguments.real("lambdaMin"), gap: gap, lambdaMax: lambdaMax,
      mu: arguments.optional("mu"), seed: UInt64(arguments.integer("seed")))
  }

  // MARK: Stochastic problems (a model with per-step batches, so not `ClosedFormProblem`)

  /// A problem whose evaluations depend on the step's batch (e.g. gradient noise).
  struct StochasticEntry: Sendable {
    var name: String
    var parameters: [Parameter]
    var build: @Sendable (Arguments) throws -> any SaddleDeclaring & Sendable
  }

  /// `spectrum-saddle-noisy`.
  static let stochasticEntries: [StochasticEntry] = [
    StochasticEntry(
      name: NoisySpectrumSaddle.name,
      parameters: uniformSpectrumParameters + [.real("sigma", 1e-3, orEqual: true)],
      build: { arguments in
        try NoisySpectrumSaddle(uniformSpectrumSaddle(arguments), sigma: arguments.real("sigma"))
      })
  ]

  /// The stochastic problems' names (registered as models, not in ``names``).
  public static let stochasticNames: [String] = stochasticEntries.map(\.name)

  /// The stochastic problem `name` (e.g. `spectrum-saddle-noisy`) with `parameters`, checked
  /// as ``make(_:dimension:parameters:)`` checks a closed-form problem's.
  public static func makeStochastic(_ name: String, parameters: [String: Double]) throws
    -> any SaddleDeclaring & Sendable
  {
    guard let entry = stochasticEntries.first(where: { $0.name == name }) else {
      throw ProblemError.unknownProblem(
        name: name, suggestion: closestName(to: name, in: stochasticNames),
        known: stochasticNames)
    }
    let accepted = entry.parameters.map(\.name)
    for key in parameters.keys.sorted() where !accepted.contains(key) {
      throw ProblemError.unknownParameter(
        problem: name, name: key, suggestion: closestName(to: key, in: accepted),
        accepted: accepted)
    }
    return try entry.build(Arguments(problem: name, specs: entry.parameters, values: parameters))
  }
}

/// ``NoisyGradientProblem`` around the uniform ``SpectrumSaddle``.
public typealias NoisySpectrumSaddle = NoisyGradientProblem<SpectrumSaddle>

extension NoisyGradientProblem where Base == SpectrumSaddle {
  /// `"spectrum-saddle-noisy"`.
  public static var name: String { "spectrum-saddle-noisy" }
}

extension Registry {
  /// Registers the stochastic problems of `ProblemCatalog` (`spectrum-saddle-noisy`) as
  /// models, with the catalog's parameter checks.
  public mutating func registerStochasticProblems() {
    for entry in ProblemCatalog.stochasticEntries {
      let name = entry.name
      let known = entry.parameters.map(\.name)
      register(model: name, summary: ProblemCatalog.summary(of: name) ?? "stochastic problem") {
        p in
        if p.isDescribing {
          for parameter in entry.parameters {
            p.declare(parameter.name, default: parameter.defaultText, accepted: parameter.rangeText)
          }
          return try ProblemCatalog.makeStochastic(name, parameters: [:])
        }
        var values: [String: Double] = [:]
        for field in p.givenFields {
          guard known.contains(field) else {
            let hint = closestName(to: field, in: known).map { "; did you mean '\($0)'?" } ?? ""
            throw SpecError(
              location: p.location, field: field,
              "unknown field (known fields: \(known.joined(separator: ", ")))\(hint)")
          }
          values[field] = try p.double(field)
        }
        do {
          return try ProblemCatalog.makeStochastic(name, parameters: values)
        } catch let error as ProblemError {
          throw SpecError(location: "problem '\(name)'", error.reason)
        }
      }
    }
  }
}
