import SaddleCore
import SaddleModels
import Testing

@Suite("Network models in the registry")
struct NetworkRegistryTests {
  static let names = [
    "transformer-induction", "transformer-charlm", "mlp-parity", "mlp-imbalanced",
    "matrix-sensing",
  ]

  @Test("each network model builds from a small spec and evaluates", arguments: names)
  func builds(_ name: String) throws {
    var fields: [String: JSONValue] = [:]
    if name.hasPrefix("transformer") {
      fields = [
        "layers": .int(1), "width": .int(8), "heads": .int(2), "batch": .int(2),
        "sequenceLength": .int(8), "threads": .int(1),
      ]
      if name == "transformer-induction" {
        fields["minPeriod"] = .int(2)
        fields["maxPeriod"] = .int(4)
      }
    } else if name.hasPrefix("mlp") {
      fields = ["hidden": .int(8), "batch": .int(4)]
    } else {
      fields = ["n": .int(4)]
    }
    let model = try Registry.standard.model(named: name, fields: fields)
    #expect(!Registry.standard.parameters(of: name).isEmpty)
    try exercise(model)
  }

  func exercise<M: Model>(_ model: M) throws {
    let p = model.initialParameters(seed: 0)
    #expect(p.count == model.layout.count)
    var g = ParameterVector(count: p.count)
    let loss = model.lossAndGradient(at: p, on: model.batch(step: 0, seed: 0), into: &g)
    #expect(loss.isFinite && loss > 0)
    #expect(model.evaluate(at: p, seed: 0)["loss"] != nil)
  }

  @Test("bad network specs fail with an error that names the field")
  func rejectsBadSpecs() {
    #expect {
      try Registry.standard.model(
        named: "transformer-induction", fields: ["width": .int(10), "heads": .int(4)])
    } throws: { ($0 as? SpecError)?.description.contains("heads") ?? false }
    #expect {
      try Registry.standard.model(
        named: "transformer-charlm", fields: ["corpus": .string("/nonexistent/corpus.txt")])
    } throws: {
      let text = ($0 as? SpecError)?.description ?? ""
      return text.contains("corpus") && text.contains("/nonexistent/corpus.txt")
    }
    #expect(throws: SpecError.self) {
      try Registry.standard.model(
        named: "mlp-parity", fields: ["bits": .int(3), "relevant": .int(5)])
    }
    #expect(throws: SpecError.self) {
      try Registry.standard.model(named: "matrix-sensing", fields: ["rnak": .int(2)])
    }
  }
}
