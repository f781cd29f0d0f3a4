import SaddleCore
import Testing

/// One schema per stage (issue 14): every stage declares its parameters once, and the JSON
/// decoder, `saddle list`, the initializers' and presets' defaults all read that declaration.
@Suite("Parameter schemas")
struct ParameterSchemaTests {
  let registry = Registry.core

  @Test("every stage of Registry.core declares a schema with a doc line per parameter")
  func everyStageDeclaresASchema() {
    for entry in registry.allEntries {
      let schema = entry.schema
      #expect(schema != nil, "\(entry.name) has no declared schema")
      #expect(schema?.name == entry.name)
      #expect(schema?.summary == entry.summary)
      for parameter in schema?.parameters ?? [] {
        #expect(!parameter.doc.isEmpty, "\(entry.name).\(parameter.name) has no doc")
      }
    }
  }

  @Test(
    "a schema declares every field its factory reads, with the same default and range",
    arguments: Registry.core.allEntries.map(\.name))
  func schemaMatchesFactory(name: String) throws {
    let schema = try #require(registry.entry(named: name)?.schema)
    let read = registry.describedParameters(of: name)
    for described in read {
      let declared = try #require(
        schema.parameter(named: described.name),
        "\(name) reads \(described.name) but does not declare it")
      #expect(declared.defaultText == described.defaultValue, "\(name).\(described.name)")
      #expect(declared.range == described.range, "\(name).\(described.name)")
      #expect(declared.doc == described.doc, "\(name).\(described.name)")
    }
    // Unknown-field messages list what the factory reads; every declared field is accepted.
    let names = schema.parameters.map(\.name)
    #expect(Set(names).count == names.count, "\(name) declares a field twice")
  }

  /// Runs `steps` steps and returns the parameters.
  func run<R: UpdateRule>(_ optimizer: Optimizer<R>, steps: Int = 8) throws -> ParameterVector {
    let model = DiagonalQuadratic(eigenvalues: [1, -0.5, 3], start: [0.7, 0.2, -1.1])
    var state = optimizer.makeState(for: model, seed: 5)
    for _ in 0..<steps { try optimizer.step(&state, model: model) }
    return state.parameters
  }

  @Test("a stage with no fields in JSON is the initializer with its default arguments")
  func jsonDefaultsAreInitializerDefaults() throws {
    func json(_ stage: String, sgd: Bool = false) throws -> ParameterVector {
      let tail = sgd ? #", {"stage": "sgd"}"# : ""
      return try run(registry.optimizer(fromJSON: "[{\"stage\": \"\(stage)\"}\(tail)]"))
    }
    #expect(try json("adam").isBitwiseEqual(to: run(Optimizer { Adam() })))
    #expect(try json("adamw").isBitwiseEqual(to: run(Optimizer { AdamW() })))
    #expect(try json("rmsprop").isBitwiseEqual(to: run(Optimizer { RMSProp() })))
    #expect(try json("adagrad").isBitwiseEqual(to: run(Optimizer { Adagrad() })))
    #expect(try json("lion").isBitwiseEqual(to: run(Optimizer { Lion() })))
    #expect(
      try json("momentum").isBitwiseEqual(
        to: run(Optimizer { Momentum(learningRate: SGD.Parameters.learningRate.default) })))
    #expect(
      try json("normalized-gd").isBitwiseEqual(to: run(Optimizer { NormalizedGradient() })))
    #expect(
      try json("perturbation", sgd: true).isBitwiseEqual(
        to: run(
          Optimizer {
            PerturbedGradient()
            SGD(learningRate: SGD.Parameters.learningRate.default)
          })))
    // A preset from JSON is the planned optimizer erased as one stage; erase the Swift one the
    // same way so both draw the same seeds.
    func erased<R: UpdateRule>(_ preset: Optimizer<R>) -> DynamicOptimizer {
      Optimizer(rule: DynamicChain([AnyUpdateRule(planned: preset)]))
    }
    #expect(try json("perturbed-gd").isBitwiseEqual(to: run(erased(Presets.perturbedGD()))))
    #expect(try json("sam-sgd").isBitwiseEqual(to: run(erased(Presets.samSGD()))))
    #expect(try json("deo-sgd").isBitwiseEqual(to: run(erased(Presets.deoSGD()))))
    #expect(try json("deo-adam").isBitwiseEqual(to: run(erased(Presets.deoAdam()))))
    #expect(try json("neon-gd").isBitwiseEqual(to: run(erased(Presets.neonGD()))))
    #expect(try json("compressed-sgd").isBitwiseEqual(to: run(erased(Presets.compressedSGD()))))
    #expect(
      try json("perturbed-recursive-gd").isBitwiseEqual(
        to: run(erased(Presets.perturbedRecursiveGD()))))
    #expect(
      try json("saddle-free-newton").isBitwiseEqual(to: run(erased(Presets.saddleFreeNewton()))))
  }

  @Test("a preset's default differs from its stage's only where the preset declares it")
  func presetDefaults() throws {
    let deo = try #require(registry.entry(named: "deo-sgd")?.schema)
    #expect(deo.parameter(named: "stepSize")?.defaultText == "\(Presets.defaultStepSize)")
    #expect(deo.parameter(named: "differences")?.defaultText == "forward")
    #expect(deo.parameter(named: "period")?.defaultText == "\(Presets.defaultPeriod)")
    let dimer = try #require(registry.entry(named: "dimer")?.schema)
    #expect(dimer.parameter(named: "differences")?.defaultText == "central")
    #expect(Presets.defaultDimer.differences == .forward && Presets.defaultDimer.conjugate)
    #expect(Presets.defaultDimer.separation == Dimer.Parameters.separation.default)
  }

  @Test("an entry registered by name alone gets a schema from its factory (the adapter)")
  func oldStyleRegistration() throws {
    var mine = registry
    mine.register(rule: "my-scale", summary: "d ← s·d") { p in
      Scale(factor: try p.double("factor", default: 2, in: .greaterThan(0)))
    }
    #expect(mine.entry(named: "my-scale")?.schema == nil)
    let schema = try #require(mine.schema(of: "my-scale"))
    #expect(schema.summary == "d ← s·d")
    #expect(schema.parameters.map(\.name) == ["factor"])
    #expect(schema.parameters.first?.defaultText == "2.0")
    #expect(schema.parameters.first?.accepted == "> 0")
    #expect(mine.parameters(of: "my-scale").first?.range == .greaterThan(0))
    #expect {
      _ = try mine.optimizer(fromJSON: #"[{"stage": "my-scale", "factor": 0}, {"stage": "sgd"}]"#)
    } throws: { "\($0)".contains("field 'factor': 0 is out of range (accepted: > 0)") }
  }

  @Test("a rule declared with a schema registers in one line and reads only declared fields")
  func schemaRegistration() throws {
    var mine = Registry()
    mine.register(NormalizedGradient.self)
    let optimizer = try mine.optimizer(
      fromJSON: #"[{"stage": "normalized-gd", "learningRate": 0.25}]"#)
    #expect(
      try run(optimizer).isBitwiseEqual(
        to: run(
          Optimizer {
            NormalizedGradient(learningRate: 0.25)
          })))
    #expect {
      _ = try mine.optimizer(fromJSON: #"[{"stage": "normalized-gd", "epsilonn": 1}]"#)
    } throws: { "\($0)".contains("did you mean 'epsilon'") }
  }

  @Test("a registered schedule is accepted by every learningRate and named in errors")
  func registeredSchedule() throws {
    var mine = registry
    mine.register(
      schedule: ScheduleDefinition(
        "halved", summary: "η/2", parameters: [LearningRate.Parameters.peak], symbols: ["η"]
      ) { p throws(SpecError) in .constant(try p.read(LearningRate.Parameters.peak) / 2) })
    #expect(mine.schedules.last?.form == #"{"schedule":"halved","peak":η}"#)
    let halved = try mine.optimizer(
      fromJSON: #"[{"stage": "sgd", "learningRate": {"schedule": "halved", "peak": 0.2}}]"#)
    #expect(try run(halved).isBitwiseEqual(to: run(Optimizer { SGD(learningRate: 0.1) })))
    #expect {
      _ = try mine.optimizer(
        fromJSON: #"[{"stage": "sgd", "learningRate": {"schedule": "halve", "peak": 0.2}}]"#)
    } throws: { "\($0)".contains("linear, halved)") && "\($0)".contains("did you mean 'halved'") }
    // The core registry does not know it.
    #expect(throws: SpecError.self) {
      _ = try registry.optimizer(
        fromJSON: #"[{"stage": "sgd", "learningRate": {"schedule": "halved", "peak": 0.2}}]"#)
    }
  }

  @Test("the built-in schedules' forms are generated from their declarations")
  func scheduleForms() {
    #expect(
      registry.schedules.map(\.form) == [
        #"{"schedule":"constant","value":η}"#,
        #"{"schedule":"step","peak":η,"every":k,"factor":γ}"#,
        #"{"schedule":"exponential","peak":η,"rate":γ}"#,
        #"{"schedule":"cosine","peak":η,"steps":T,"final":α}"#,
        #"{"schedule":"warmup","peak":η,"steps":W}"#,
        #"{"schedule":"warmup-cosine","peak":η,"warmup":W,"steps":T,"final":α}"#,
        #"{"schedule":"linear","from":a,"to":b,"steps":T}"#,
      ])
    for schedule in registry.schedules {
      #expect(schedule.schema.parameters.allSatisfy { !$0.doc.isEmpty }, "\(schedule.name)")
    }
  }

  @Test("numeric ranges render and test every bound form")
  func numericRanges() {
    #expect(NumericRange.openClosed(0, 1).text == "0 < x ≤ 1")
    #expect(NumericRange.openClosed(0, 1).contains(1) && !NumericRange.openClosed(0, 1).contains(0))
    #expect(NumericRange.atMost(2).text == "≤ 2" && NumericRange.atMost(2).contains(2))
    #expect(NumericRange.lessThan(2).text == "< 2" && !NumericRange.lessThan(2).contains(2))
  }
}
