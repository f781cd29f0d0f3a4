extension ProblemCatalog {
  /// The problems added for the seed papers' methods (issue 11).
  static let seedMethodEntries: [Entry] = [
    Entry(
      name: FiniteSumSaddle.name,
      parameters: [
        .integer("dimension", 10, in: 2...1000, doc: "dimension d"),
        .integer("components", 50, in: 1...100_000, doc: "components n of the sum"),
        .real("spread", 0.5, orEqual: true, doc: "size of the perturbations Eᵢ, bᵢ"),
        .real("lambda", 1, doc: "quartic coefficient λ"), seedParameter,
      ],
      build: {
        try FiniteSumSaddle(
          dimension: $0.integer("dimension"), components: $0.integer("components"),
          spread: $0.real("spread"), lambda: $0.real("lambda"),
          seed: UInt64($0.integer("seed")))
      }),
    Entry(
      name: BoxSaddle.name,
      parameters: [.integer("dimension", 2, in: 1...1000, doc: "dimension d")],
      build: { try BoxSaddle(dimension: $0.integer("dimension")) }),
  ]
}
