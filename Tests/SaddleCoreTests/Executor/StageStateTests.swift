import SaddleCore
import Testing

@Suite("A stage's state, read and replaced by name or type whatever wraps it")
struct StageStateTests {
  let model = executorModel()

  var dsl: Optimizer<some UpdateRule> {
    Optimizer {
      WeightDecay(rate: 0.01).on(segments: ["w"])
      if true { Adam(learningRate: 0.01).every(2).named("adam") }
      Scale(factor: 0.5)
    }
  }

  let spec =
    #"[{"stage":"weight-decay","rate":0.01,"segments":["w"]},"#
    + #"{"stage":"adam","learningRate":0.01,"every":2,"name":"adam"},"#
    + #"{"stage":"scale","factor":0.5}]"#

  @Test("read by name and by type, in the DSL and from JSON")
  func read() throws {
    let json = try Registry.core.optimizer(fromJSON: spec)
    var a = dsl.makeState(for: model, seed: 1)
    var b = json.makeState(for: model, seed: 1)
    for _ in 0..<3 {
      try dsl.step(&a, model: model)
      try json.step(&b, model: model)
    }
    let fromDSL = try #require(a.stage(named: "adam", as: Adam.State.self))
    let fromJSON = try #require(b.stage(named: "adam", as: Adam.State.self))
    #expect(fromDSL.count == 2 && fromJSON.count == 2)  // steps 0 and 2
    #expect(fromDSL == fromJSON)
    #expect(a.stage(as: Adam.State.self) == fromDSL)
    #expect(a.stage(named: "missing", as: Adam.State.self) == nil)
    #expect(a.stage(named: "adam", as: Momentum.State.self) == nil)
  }

  @Test("replacing a stage's state injects it: the run continues as the donor's would")
  func set() throws {
    let json = try Registry.core.optimizer(fromJSON: spec)
    var donor = dsl.makeState(for: model, seed: 1)
    for _ in 0..<4 { try dsl.step(&donor, model: model) }
    var target = json.makeState(for: model, seed: 1)
    try json.step(&target, model: model)  // types the erased state
    target.context.parameters = donor.parameters
    target.context.step = donor.step
    let moments = try #require(donor.stage(named: "adam", as: Adam.State.self))
    let injected = target.setStage(named: "adam", to: moments)
    let mistyped = target.setStage(named: "adam", to: EmptyState())
    #expect(injected && !mistyped)
    for _ in 0..<3 {
      try dsl.step(&donor, model: model)
      try json.step(&target, model: model)
    }
    #expect(target.parameters.isBitwiseEqual(to: donor.parameters))
    // Without the injection the run differs (the test can fail).
    var fresh = json.makeState(for: model, seed: 1)
    try json.step(&fresh, model: model)
    fresh.context.parameters = donor.parameters
    #expect(fresh.stage(named: "adam", as: Adam.State.self) != moments)
  }
}
