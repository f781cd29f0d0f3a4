import SaddleCore
import SaddleModels
import Testing

@Suite("SSRGD with super-epochs (Li 2019)")
struct SSRGDTests {
  let problem = FiniteSumSaddle(dimension: 6, components: 40, spread: 0.5, seed: 2)

  func run(_ rule: SSRGD, from start: [Float], steps: Int) throws -> OptimizerState<SSRGD.State> {
    let optimizer = Optimizer(rule: rule)
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 5)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return state
  }

  @Test("the components average to f exactly; minibatch gradients are unbiased but noisy")
  func finiteSumModel() {
    let x: ParameterVector = [0.3, -0.2, 0.1, 0.4, 0, -0.1]
    var full = ParameterVector(count: 6)
    var all = ParameterVector(count: 6)
    var one = ParameterVector(count: 6)
    let f = problem.lossAndGradient(at: x, on: (), into: &full)
    let average = problem.minibatchLossAndGradient(
      at: x, components: Array(0..<40), into: &all)
    _ = problem.minibatchLossAndGradient(at: x, components: [3], into: &one)
    #expect(abs(f - average) < 1e-12)
    for i in 0..<6 { #expect(abs(full[i] - all[i]) < 1e-5) }
    #expect((0..<6).contains { abs(full[$0] - one[$0]) > 1e-2 })
  }

  @Test("from the strict saddle a super-epoch escapes (f(x̃) − f(x_t) ≥ f_thres) to a minimum")
  func escapesSaddle() throws {
    let rule = SSRGD(
      learningRate: .constant(0.1), epochLength: 20, minibatchSize: 4, escapeSteps: 200)
    let state = try run(rule, from: [Float](repeating: 0, count: 6), steps: 2000)
    #expect(state.rule.escapes >= 1)
    let f = problem.value(at: state.parameters.array.map(Double.init))
    #expect(abs(f - -0.25) < 1e-4)
    // Component gradients are billed at 1/n: 2000 iterations cost far fewer than 2000 g.
    #expect(state.evaluations.gradients < 400)
  }

  @Test("at a local minimum the super-epoch returns x̃ after t_thres and stops moving")
  func returnsAnchorAtMinimum() throws {
    let rule = SSRGD(
      learningRate: .constant(0.1), epochLength: 20, minibatchSize: 4, radius: 1e-2,
      escapeThreshold: 1e-4, escapeSteps: 50)
    let start: [Float] = [1, 0, 0, 0, 0, 0]
    let optimizer = Optimizer(rule: rule)
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 5)
    for _ in 0..<60 { try optimizer.step(&state, model: problem) }
    #expect(state.rule.returned)
    #expect(state.rule.superEpochs == 1)
    #expect(state.rule.escapes == 0)
    #expect(state.parameters.array == start)
    let spent = state.evaluations
    for _ in 0..<100 { try optimizer.step(&state, model: problem) }
    #expect(state.parameters.array == start)
    #expect(state.evaluations == spent)
  }

  @Test("the online form (large-batch anchors) escapes too, billing batches at B/n")
  func onlineForm() throws {
    let rule = SSRGD(
      learningRate: .constant(0.1), epochLength: 20, minibatchSize: 4,
      form: .online(batchSize: 20), gradientThreshold: 0.5, escapeSteps: 200)
    let state = try run(rule, from: [Float](repeating: 0, count: 6), steps: 2000)
    // Batch gradients carry noise of order σ/√B, so g_thres is set above it (as the online
    // analysis takes B ~ σ²/g_thres²).
    #expect(state.rule.superEpochs >= 1)
    #expect(state.rule.escapes >= 1)
    // Anchors cost B/n = 1/2 g, in-epoch steps 2b/n = 1/5 g: well under 1 g per iteration.
    #expect(state.evaluations.gradients < 1000)
    let f = problem.value(at: state.parameters.array.map(Double.init))
    #expect(f < -0.2)
  }

  @Test("the JSON preset builds and runs deterministically")
  func preset() throws {
    let spec = #"[{"stage": "ssrgd", "learningRate": 0.1, "minibatchSize": 4}]"#
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var a = optimizer.makeState(for: problem, seed: 1)
    var b = optimizer.makeState(for: problem, seed: 1)
    for _ in 0..<300 {
      try optimizer.step(&a, model: problem)
      try optimizer.step(&b, model: problem)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }
}
