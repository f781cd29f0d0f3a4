import SaddleCore
import SaddleModels
import Testing

@Suite("Compressed SGD with noise (Avdiukhin & Yaroslavtsev 2021)")
struct NoisyCompressedSGDTests {
  let problem = QuarticDoubleWell()

  func finalLoss(_ spec: String, steps: Int = 3000) throws -> Double {
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var state = optimizer.makeState(
      parameters: [1, 0], layout: problem.layout, seed: 4)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return problem.value(at: state.parameters.array.map(Double.init))
  }

  @Test(
    "top-k: without noise (and with plain EF-SGD) the iterate stalls at the saddle; noise escapes",
    arguments: ["top-k", "random-k"])
  func noiseIsWhatEscapes(_ compression: String) throws {
    let base =
      #"{"stage": "compressed-sgd-noisy", "learningRate": 0.1, "compression": "\#(compression)""#
    // From (1, 0) the escape coordinate y is exactly 0: no compressor ever selects a nonzero y.
    #expect(try finalLoss("[\(base), \"noise\": 0}]") < 1e-20)
    #expect(try finalLoss("[\(base), \"noise\": 0}]") > -1e-20)
    #expect(try abs(finalLoss("[\(base), \"noise\": 0.01}]") + 0.25) < 1e-4)
    if compression == "top-k" {
      let ef = #"[{"stage": "compressed-sgd", "learningRate": 0.1}]"#
      #expect(try abs(finalLoss(ef)) < 1e-20)
    }
  }

  @Test("the error memory is e = p − C(p) and is cleared every resetPeriod steps")
  func errorMemoryAndReset() {
    let rule = NoisyCompressedSGD(
      learningRate: .constant(1), compressor: .topK(1), noise: 0, resetPeriod: 2)
    var context = StepContext(parameters: [0, 0, 0], layout: ParameterLayout(count: 3), seed: 1)
    var objective = Objective(lossAndGradient: { _, _ in 0 }, loss: { _ in 0 })
    var state = rule.makeState(for: context.layout, seed: 1)
    context.direction = [3, -2, 1]
    rule.apply(to: &context, objective: &objective, state: &state)
    #expect(context.direction.array == [3, 0, 0])
    #expect(state.error!.array == [0, -2, 1])
    context.direction = [0, 1, 0.5]
    rule.apply(to: &context, objective: &objective, state: &state)
    // p = e + g = (0, −1, 1.5): top-1 keeps 1.5; the reset then clears e = (0, −1, 0).
    #expect(context.direction.array == [0, 0, 1.5])
    #expect(state.error!.array == [0, 0, 0])
  }

  @Test("random-k is unbiased: the mean of C(p) over many draws is p")
  func randomKUnbiased() {
    let rule = NoisyCompressedSGD(
      learningRate: .constant(1), compressor: .randomK(2), noise: 0, errorFeedback: false,
      resetPeriod: nil)
    var context = StepContext(
      parameters: [0, 0, 0, 0], layout: ParameterLayout(count: 4), seed: 1)
    var objective = Objective(lossAndGradient: { _, _ in 0 }, loss: { _ in 0 })
    var state = rule.makeState(for: context.layout, seed: 7)
    var mean = [Double](repeating: 0, count: 4)
    let p: [Float] = [1, -2, 3, 0.5]
    let draws = 20_000
    for _ in 0..<draws {
      context.direction = ParameterVector(p)
      rule.apply(to: &context, objective: &objective, state: &state)
      for i in 0..<4 { mean[i] += Double(context.direction[i]) / Double(draws) }
    }
    for i in 0..<4 { #expect(abs(mean[i] - Double(p[i])) < 0.1) }
  }
}
