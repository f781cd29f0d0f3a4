import SaddleCore
import Testing

@Suite("Registry and JSON specs")
struct RegistryTests {
  let registry = Registry.core

  @Test("a JSON spec builds the same optimizer as the DSL, bit for bit")
  func jsonMatchesDSL() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 4, 9], start: [1, -2, 0.5])
    let fromJSON = try registry.optimizer(
      fromJSON: #"[{"stage": "adam", "learningRate": 0.05, "beta1": 0.8}]"#)
    let fromDSL = Optimizer { Adam(learningRate: 0.05, beta1: 0.8) }
    var a = fromJSON.makeState(for: model)
    var b = fromDSL.makeState(for: model)
    for _ in 0..<10 {
      try fromJSON.step(&a, model: model)
      try fromDSL.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }

  @Test(
    "bad specs fail with a message naming the stage, the field, the value and what is accepted",
    arguments: [
      (#"[{"stage": "adma"}]"#, "did you mean 'adam'"),
      (#"[{"stage": "adam", "learningRate": -1}]"#, "field 'learningRate': -1 is out of range"),
      (#"[{"stage": "adam", "learningRate": "fast"}]"#, "expected a number, got a string"),
      (#"[{"stage": "adam", "lerningRate": 0.1}]"#, "did you mean 'learningRate'"),
      (#"[{"stage": "sgd", "learningRate": 0.1, "every": 0}]"#, "field 'every': 0 is out of range"),
      (#"[{"stage": "adam""#, "malformed JSON"),
      (#"[]"#, "no stages"),
      (#"{"stage": "adam"}"#, "field 'stages'"),
      (#"[{"learningRate": 0.1}]"#, "field 'stage': missing"),
      (#"[3]"#, "expected an object"),
      (#"[{"stage": "adam", "beta1": 1.5}]"#, "0 ≤ x < 1"),
      (
        #"[{"stage": "sgd", "learningRate": {"schedule": "cosin", "peak": 1, "steps": 3}}]"#,
        "did you mean 'cosine'"
      ),
    ])
  func rejectsBadSpecs(spec: String, expected: String) {
    #expect {
      _ = try registry.optimizer(fromJSON: spec)
    } throws: { error in
      let message = "\(error)"
      return message.contains(expected) && !message.contains("\n")
    }
  }

  @Test("the stage location names its index and name")
  func locationInMessage() {
    #expect {
      _ = try registry.optimizer(
        fromJSON: #"[{"stage": "sgd", "learningRate": 0.1}, {"stage": "adam", "epsilon": 0}]"#)
    } throws: { error in
      "\(error)".hasPrefix("stage 2 ('adam'), field 'epsilon'")
    }
  }

  @Test("a schedule object becomes a LearningRate")
  func scheduleObject() throws {
    let optimizer = try registry.optimizer(
      fromJSON:
        #"[{"stage": "sgd", "learningRate": {"schedule": "cosine", "peak": 0.5, "steps": 4}}]"#)
    let sgd = try #require(optimizer.rule.stages.first?.base as? SGD)
    #expect(sgd.learningRate == .cosine(0.5, steps: 4, final: 0))
  }

  @Test("describing a stage lists its parameters with defaults and ranges")
  func describesParameters() {
    let names = registry.parameters(of: "adam").map(\.name)
    #expect(names == ["learningRate", "beta1", "beta2", "epsilon"])
  }

  @Test("a user registers a rule by name and uses it from JSON")
  func userRegistration() throws {
    var mine = registry
    mine.register(rule: "halve", summary: "d ← d/2") { p in
      SGD(learningRate: try p.learningRate(default: 0.5))
    }
    let optimizer = try mine.optimizer(fromJSON: #"[{"stage": "halve"}]"#)
    let model = DiagonalQuadratic(eigenvalues: [2], start: [1])
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters[0] == 0)  // 1 − 0.5·2·1
  }
}

@Suite("Erased chains")
struct ErasedChainTests {
  @Test(
    "a JSON chain of elementwise stages, run block by block, equals the fused static chain",
    arguments: [5, 2047, 5003])
  func blockedEqualsFused(count: Int) throws {
    let model = DiagonalQuadratic(
      eigenvalues: (0..<count).map { 0.1 + Double($0 % 97) / 10 },
      start: (0..<count).map { Float(($0 % 13) - 6) / 7 })
    let erased = try Registry.core.optimizer(
      fromJSON: """
        [{"stage":"weight-decay","rate":1e-3},{"stage":"adam","learningRate":0.01},
         {"stage":"scale","factor":0.5},{"stage":"clip-value","limit":0.004},
         {"stage":"scale","factor":2}]
        """)
    let fused = Optimizer {
      WeightDecay(rate: 1e-3)
      Adam(learningRate: 0.01)
      Scale(factor: 0.5)
      ClipByValue(limit: 0.004)
      Scale(factor: 2)
    }
    var a = erased.makeState(for: model)
    var b = fused.makeState(for: model)
    for _ in 0..<6 {
      try erased.step(&a, model: model)
      try fused.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }

  @Test("a non-elementwise stage between elementwise ones splits the blocked runs correctly")
  func mixedStages() throws {
    let model = DiagonalQuadratic(
      eigenvalues: (0..<300).map { 1 + Double($0) / 100 }, start: Array(repeating: 1, count: 300))
    let erased = try Registry.core.optimizer(
      fromJSON: """
        [{"stage":"scale","factor":3},{"stage":"clip-norm","maxNorm":1},
         {"stage":"adam","learningRate":0.01},{"stage":"scale","factor":0.5}]
        """)
    let fused = Optimizer {
      Scale(factor: 3)
      ClipByGlobalNorm(maxNorm: 1)
      Adam(learningRate: 0.01)
      Scale(factor: 0.5)
    }
    var a = erased.makeState(for: model)
    var b = fused.makeState(for: model)
    for _ in 0..<4 {
      try erased.step(&a, model: model)
      try fused.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }
}

@Suite("Registry erasure")
struct RegistryErasureTests {
  @Test("elementwise rules from JSON keep their elementwise kernels (blocked fusion)")
  func elementwiseFromJSON() throws {
    for name in [
      "sgd", "adam", "adamw", "momentum", "nesterov", "rmsprop", "adagrad", "lion",
      "clip-value", "weight-decay", "scale",
    ] {
      let optimizer = try Registry.core.optimizer(
        fromJSON: #"[{"stage": "\#(name)"}, {"stage": "sgd"}]"#)
      #expect(optimizer.rule.stages[0].isElementwise, "\(name)")
    }
    let whole = try Registry.core.optimizer(
      fromJSON: #"[{"stage": "clip-norm"}, {"stage": "sgd"}]"#)
    #expect(!whole.rule.stages[0].isElementwise)
  }
}
