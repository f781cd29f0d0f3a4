import SaddleCore

/// The closed-form problems by registry name, for configs and the command line.
///
/// ```swift
/// let problem = try ProblemCatalog.make(
///   "ill-conditioned-saddle", dimension: 100, parameters: ["epsilon": 1e-3])
/// ```
///
/// Every parameter has a default; `make` checks each value against its range and throws a
/// ``ProblemError`` naming the problem, the field, the value and the accepted range (or the
/// closest known name for a misspelled problem or parameter).
public enum ProblemCatalog {
  /// All registry names, in table order (`reference/test-problems.md`).
  public static let names: [String] = entries.map(\.name)

  /// The problem `name` with `dimension` (for the n-dimensional problems; others accept only
  /// their own dimension, or `nil`) and `parameters` (see ``describe()``; missing ones take
  /// their defaults).
  public static func make(
    _ name: String, dimension: Int?, parameters: [String: Double]
  ) throws -> any ClosedFormProblem {
    guard let entry = entries.first(where: { $0.name == name }) else {
      throw ProblemError.unknownProblem(
        name: name, suggestion: closestName(to: name, in: names), known: names)
    }
    let accepted = entry.parameters.map(\.name)
    for key in parameters.keys.sorted() where !accepted.contains(key) {
      throw ProblemError.unknownParameter(
        problem: name, name: key, suggestion: closestName(to: key, in: accepted),
        accepted: accepted)
    }
    var values = parameters
    if let dimension {
      if entry.parameters.contains(where: { $0.name == "dimension" }) {
        if let given = parameters["dimension"], given != Double(dimension) {
          throw ProblemError.invalidValue(
            problem: name, field: "dimension", value: given,
            accepted: "the same value as the dimension argument (\(dimension))")
        }
        values["dimension"] = Double(dimension)
      }
    }
    let problem = try entry.build(Arguments(problem: name, specs: entry.parameters, values: values))
    if let dimension, problem.dimension != dimension {
      throw ProblemError.invalidValue(
        problem: name, field: "dimension", value: Double(dimension),
        accepted: "\(problem.dimension) (fixed by the problem and its other parameters)")
    }
    return problem
  }

  /// One line per problem for `saddle list`: the formula and its critical points.
  public static func summary(of name: String) -> String? {
    summaries[name] ?? realisticSummaries[name]
  }

  static let summaries: [String: String] = [
    "hyperbolic-saddle": "f = a·x² − b·y²; saddle at 0 (eigenvalues 2a, −2b), unbounded below",
    "quartic-double-well":
      "f = x²/2 + y⁴/4 − y²/2; saddle at 0 (eigenvalues 1, −1, f = 0), minima (0, ±1), f = −1/4",
    "two-well": "f = x⁴ − 2x² + y²; saddle at 0 (eigenvalues −4, 2), minima (±1, 0), f = −1",
    "monkey-saddle": "f = x³ − 3xy²; degenerate critical point at 0 (zero Hessian), no minima",
    "scalar-factorization":
      "f = ½(ab − c)²; saddle at 0 (eigenvalues ±c, f = c²/2), minima on the hyperbola ab = c",
    "matrix-factorization":
      "f = ½‖UVᵀ − M‖²_F; saddle at U = V = 0 (eigenvalues ±σₖ), minima at the best rank-r fit",
    "symmetric-factorization":
      "f = ¼‖UUᵀ − M‖²_F; saddle at U = 0 (eigenvalues −λₖ), minima at the top-r eigenspace",
    "deep-linear-network":
      "f = ½‖W_L⋯W₁X − Y‖²_F; saddle at W = 0 (depth ≥ 2), every local minimum global",
    "rosenbrock": "f = (a − x)² + b(y − x²)²; no saddle, minimum (a, a²) with f = 0",
    "rastrigin":
      "f = A·n + Σ(xᵢ² − A·cos 2πxᵢ); minimum 0 (f = 0), a listed index-1 saddle near (0.5, 0, …)",
    "ill-conditioned-saddle":
      "f = ½Σλᵢxᵢ² + (μ/4)Σxᵢ⁴, λ = (1, …, 1, −ε); saddle at 0, minima xₙ = ±√(ε/μ)",
    "octopus":
      "Du et al. 2017: d chained strict saddles; GD from [−1, 1]^d needs time exponential in d",
    "finite-sum-saddle":
      "(1/n)Σ fᵢ, fᵢ = ½xᵀ(D + Eᵢ)x + bᵢᵀx + (λ/4)‖x‖⁴, D = diag(−1, 1, …); saddle at 0, minima ±e₁/√λ",
    "box-saddle":
      "−s²/2 + s⁴/4 + Σ_{i≥2} xᵢ²/2, s = x₁ + 1, in [−1, 1]ᵈ; saddle (−1, 0, …) on the boundary, minimum 0",
    "spectrum-saddle-uniform":
      "½Σλᵢyᵢ² + (μ/4)Σyᵢ⁴, y = Qᵀx, Q random; k eigenvalues down to −λ_min, the rest evenly in [gap, λ_max]",
    "spectrum-saddle-power-law":
      "as spectrum-saddle-uniform, positive eigenvalues λ_max·r^(−α) from λ_max down to gap",
    "spectrum-saddle-clustered":
      "as spectrum-saddle-uniform, positive eigenvalues in three clusters at gap, √(gap·λ_max), λ_max",
  ]

  /// The schema of problem `name` (its summary and parameters, each with its default, range
  /// and doc): what `saddle list` prints and the registry (`Registry.standard`) lists.
  public static func schema(of name: String) -> StageSchema? {
    guard let entry = entries.first(where: { $0.name == name }) else { return nil }
    return StageSchema(
      name, summary: summary(of: name) ?? "closed-form test problem",
      parameters: entry.parameters)
  }

  /// Every problem's schema, in table order.
  public static var schemas: [StageSchema] { names.compactMap(schema(of:)) }

  /// Each problem's parameters with their defaults and accepted ranges, for `saddle list` and
  /// documentation.
  public static func describe() -> [(
    name: String, parameters: [(name: String, default: String, range: String)]
  )] {
    entries.map { entry in
      (
        name: entry.name,
        parameters: entry.parameters.map {
          (name: $0.name, default: $0.defaultText, range: $0.rangeText)
        }
      )
    }
  }
}

// MARK: - Specification

extension ProblemCatalog {
  /// One accepted parameter: a default and a range (bounds open or closed, integer or real),
  /// and a one-line doc. A ``ParameterDeclaration`` like a stage's parameters: `saddle list`
  /// and ``ProblemCatalog/schema(of:)`` read its ``spec``, and values are checked against its
  /// ``range`` (the stages' ``NumericRange``).
  struct Parameter: ParameterDeclaration {
    var name: String
    var defaultValue: Double?
    var defaultText: String
    var lower: Double
    var lowerInclusive: Bool
    var upper: Double
    var upperInclusive: Bool
    var integral: Bool
    var doc: String = ""

    /// The bounds as a ``NumericRange``.
    var range: NumericRange {
      switch (lower == -.infinity, upper == .infinity) {
      case (true, true): return .any
      case (false, true): return lowerInclusive ? .atLeast(lower) : .greaterThan(lower)
      case (true, false): return upperInclusive ? .atMost(upper) : .lessThan(upper)
      case (false, false):
        switch (lowerInclusive, upperInclusive) {
        case (true, true): return .closed(lower, upper)
        case (true, false): return .halfOpen(lower, upper)
        case (false, false): return .open(lower, upper)
        case (false, true): return .openClosed(lower, upper)
        }
      }
    }

    /// The declaration `saddle list` prints: the range in the catalog's notation
    /// (``rangeText``), the default and the doc.
    var spec: ParameterSpec {
      var spec = ParameterSpec(
        name, kind: integral ? .integer(range) : .number(range), defaultText: defaultText,
        doc: doc)
      spec.acceptedText = rangeText
      return spec
    }

    /// The accepted range in the notation of stage parameters (`saddle list` uses one):
    /// `> 0`, `≥ 0`, `0 < x ≤ 1`, `integer 1 ≤ x ≤ 64`, `any finite number`.
    var rangeText: String {
      let prefix = integral ? "integer " : ""
      let low = lower == -.infinity ? nil : Self.format(lower) + (lowerInclusive ? " ≤ " : " < ")
      let high = upper == .infinity ? nil : (upperInclusive ? " ≤ " : " < ") + Self.format(upper)
      switch (low, high) {
      case (nil, nil): return integral ? "any integer" : "any finite number"
      case (_?, nil): return prefix + (lowerInclusive ? "≥ " : "> ") + Self.format(lower)
      case (nil, let high?): return prefix + "x" + high
      case (let low?, let high?): return prefix + low + "x" + high
      }
    }

    func accepts(_ v: Double) -> Bool {
      guard v.isFinite else { return false }
      if integral && v.rounded() != v { return false }
      return range.contains(v)
    }

    /// Integers as integers (`2^53` by name), other values in 6 significant digits.
    static func format(_ v: Double) -> String {
      if v == 9_007_199_254_740_992 { return "2^53" }
      return v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v)
    }

    static func real(
      _ name: String, _ value: Double?, default text: String? = nil, above lower: Double = 0,
      orEqual: Bool = false, below upper: Double = .infinity, upToAndIncluding: Bool = false,
      doc: String = ""
    ) -> Parameter {
      Parameter(
        name: name, defaultValue: value, defaultText: text ?? value.map(format) ?? "none",
        lower: lower, lowerInclusive: orEqual, upper: upper, upperInclusive: upToAndIncluding,
        integral: false, doc: doc)
    }

    static func integer(
      _ name: String, _ value: Int?, default text: String? = nil, in range: ClosedRange<Int>,
      doc: String = ""
    ) -> Parameter {
      Parameter(
        name: name, defaultValue: value.map(Double.init),
        defaultText: text ?? value.map(String.init) ?? "none", lower: Double(range.lowerBound),
        lowerInclusive: true, upper: Double(range.upperBound), upperInclusive: true,
        integral: true, doc: doc)
    }
  }

  /// The values of one `make` call, checked against the specs on access.
  struct Arguments {
    var problem: String
    var specs: [Parameter]
    var values: [String: Double]

    func spec(_ name: String) -> Parameter {
      guard let spec = specs.first(where: { $0.name == name }) else {
        preconditionFailure("ProblemCatalog: \(problem) reads undeclared parameter \(name)")
      }
      return spec
    }

    /// The value of `name`, or its default (`nil` if it has none and none was given), checked
    /// against its range, optionally narrowed by `upperLimit` (e.g. `rank ≤ min(m, n)`).
    func optional(_ name: String, upperLimit: Double? = nil) throws -> Double? {
      var spec = spec(name)
      if let upperLimit, upperLimit < spec.upper {
        spec.upper = upperLimit
        spec.upperInclusive = true
      }
      guard let value = values[name] ?? spec.defaultValue else { return nil }
      guard spec.accepts(value) else {
        throw ProblemError.invalidValue(
          problem: problem, field: name, value: value, accepted: spec.rangeText)
      }
      return value
    }

    func real(_ name: String) throws -> Double { try optional(name)! }

    func integer(_ name: String, upperLimit: Int? = nil) throws -> Int {
      Int(try optional(name, upperLimit: upperLimit.map(Double.init))!)
    }
  }

  /// A catalog entry: a name, its parameters and a factory.
  struct Entry: Sendable {
    var name: String
    var parameters: [Parameter]
    var build: @Sendable (Arguments) throws -> any ClosedFormProblem
  }

  static let seedParameter = Parameter.integer(
    "seed", 0, in: 0...(1 << 53), doc: "seed of the random instance")

  static let entries: [Entry] =
    tableEntries + SpectrumSaddle.Shape.allCases.map(spectrumEntry) + seedMethodEntries
    + realisticEntries

  /// `spectrum-saddle-<shape>`: ``SpectrumSaddle`` with one shape of positive spectrum.
  static func spectrumEntry(_ shape: SpectrumSaddle.Shape) -> Entry {
    Entry(
      name: "\(SpectrumSaddle.name)-\(shape.rawValue)",
      parameters: [
        .integer("dimension", 500, in: 2...4096, doc: "dimension n"),
        .integer(
          "negatives", 1, default: "1 (fewer than dimension)", in: 1...4095,
          doc: "negative eigenvalues k"),
        .real("lambdaMin", 1e-2, doc: "most negative eigenvalue −λ_min"),
        .real("gap", 1e-2, doc: "smallest positive eigenvalue"),
        .real("lambdaMax", 1, doc: "largest eigenvalue λ_max (≥ gap)"),
        .real(
          "mu", nil, default: "lambdaMin (deepest minima at distance 1)",
          doc: "quartic coefficient μ"), seedParameter,
      ],
      build: { arguments in
        let dimension = try arguments.integer("dimension")
        let gap = try arguments.real("gap")
        let lambdaMax = try arguments.real("lambdaMax")
        guard lambdaMax >= gap else {
          throw ProblemError.invalidValue(
            problem: "\(SpectrumSaddle.name)-\(shape.rawValue)", field: "lambdaMax",
            value: lambdaMax, accepted: "a number ≥ gap (\(gap))")
        }
        return try SpectrumSaddle(
          dimension: dimension, shape: shape,
          negativeCount: arguments.integer("negatives", upperLimit: dimension - 1),
          lambdaMin: arguments.real("lambdaMin"), gap: gap, lambdaMax: lambdaMax,
          mu: arguments.optional("mu"), seed: UInt64(arguments.integer("seed")))
      })
  }

  static let tableEntries: [Entry] = [
    Entry(
      name: HyperbolicSaddle.name,
      parameters: [
        .real("a", 1, doc: "curvature 2a along x"), .real("b", 1, doc: "curvature −2b along y"),
      ],
      build: { try HyperbolicSaddle(a: $0.real("a"), b: $0.real("b")) }),
    Entry(name: QuarticDoubleWell.name, parameters: [], build: { _ in QuarticDoubleWell() }),
    Entry(name: TwoWell.name, parameters: [], build: { _ in TwoWell() }),
    Entry(name: MonkeySaddle.name, parameters: [], build: { _ in MonkeySaddle() }),
    Entry(
      name: ScalarFactorization.name,
      parameters: [.real("target", 1, doc: "the product c that ab should reach")],
      build: { try ScalarFactorization(target: $0.real("target")) }),
    Entry(
      name: MatrixFactorization.name,
      parameters: [
        .integer("m", 4, in: 1...64, doc: "rows of M"),
        .integer("n", 3, in: 1...64, doc: "columns of M"),
        .integer(
          "rank", 2, default: "2 (at most min(m, n))", in: 1...64, doc: "rank r of the factors"),
        seedParameter,
      ],
      build: { arguments in
        let m = try arguments.integer("m")
        let n = try arguments.integer("n")
        return try MatrixFactorization(
          m: m, n: n, rank: arguments.integer("rank", upperLimit: min(m, n)),
          seed: UInt64(arguments.integer("seed")))
      }),
    Entry(
      name: SymmetricFactorization.name,
      parameters: [
        .integer("n", 4, in: 1...64, doc: "size of M"),
        .integer("rank", 2, default: "2 (at most n)", in: 1...64, doc: "rank r of U"),
        seedParameter,
      ],
      build: { arguments in
        let n = try arguments.integer("n")
        return try SymmetricFactorization(
          n: n, rank: arguments.integer("rank", upperLimit: n),
          seed: UInt64(arguments.integer("seed")))
      }),
    Entry(
      name: DeepLinearNetwork.name,
      parameters: [
        .integer("depth", 3, in: 1...6, doc: "layers L"),
        .integer("width", 2, in: 1...6, doc: "width of every layer"),
        .integer(
          "samples", nil, default: "none (X = identity)", in: 1...4096,
          doc: "columns of a random X"), seedParameter,
      ],
      build: { arguments in
        try DeepLinearNetwork(
          depth: arguments.integer("depth"), width: arguments.integer("width"),
          samples: arguments.optional("samples").map { Int($0) },
          seed: UInt64(arguments.integer("seed")))
      }),
    Entry(
      name: Rosenbrock.name,
      parameters: [
        .real("a", 1, above: -.infinity, doc: "minimum at (a, a²)"),
        .real("b", 100, doc: "valley steepness b"),
      ],
      build: { try Rosenbrock(a: $0.real("a"), b: $0.real("b")) }),
    Entry(
      name: Rastrigin.name,
      parameters: [
        .integer("dimension", 10, in: 1...10_000_000, doc: "dimension n"),
        .real(
          "amplitude", 10, above: 1 / (2 * Double.pi * Double.pi), doc: "cosine amplitude A"),
      ],
      build: {
        try Rastrigin(dimension: $0.integer("dimension"), amplitude: $0.real("amplitude"))
      }),
    Entry(
      name: IllConditionedSaddle.name,
      parameters: [
        .integer("dimension", 10, in: 2...10_000_000, doc: "dimension n"),
        .real(
          "epsilon", 1e-2, below: 1, upToAndIncluding: true,
          doc: "the negative eigenvalue −ε (the conditioning 1/ε)"),
        .real("mu", nil, default: "epsilon (minima at x_n = ±1)", doc: "quartic coefficient μ"),
      ],
      build: {
        try IllConditionedSaddle(
          dimension: $0.integer("dimension"), epsilon: $0.real("epsilon"),
          mu: $0.optional("mu"))
      }),
    Entry(
      name: Octopus.name,
      parameters: [
        .integer("dimension", 5, in: 1...1000, doc: "chained saddles d"),
        .real(
          "L", Double.exp1, default: "e",
          doc: "positive curvature 2L of the directions not yet escaped"),
        .real("gamma", 1, doc: "negative curvature −2γ at each saddle"),
        .real(
          "tau", Double.exp1, default: "e",
          doc: "width τ of each saddle region (minimum at |xᵢ| = 4τ)"),
      ],
      build: {
        try Octopus(
          dimension: $0.integer("dimension"), L: $0.real("L"), gamma: $0.real("gamma"),
          tau: $0.real("tau"))
      }),
  ]
}

extension Double {
  /// Euler's number `e`.
  static let exp1 = 2.718_281_828_459_045
}
