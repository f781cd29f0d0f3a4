import SaddleCore
import SaddleModels
import Testing

@Suite("NEON2's Oja search (Allen-Zhu & Li 2018) in the neon stage")
struct NEON2Tests {
  func run(_ spec: String, _ problem: some ClosedFormProblem, from start: [Float], steps: Int)
    throws -> OptimizerState<[AnyRuleState]>
  {
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 3)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return state
  }

  @Test("at a strict saddle the unnormalized Oja iterate grows past r and the step escapes")
  func escapesStrictSaddle() throws {
    let spec = #"""
      [{"stage": "neon-gd", "learningRate": 0.1, "search": "oja", "iterations": 50,
        "rate": 0.5, "radius": 0.01, "stepSize": 0.1}]
      """#
    let state = try run(spec, QuarticDoubleWell(), from: [0, 0], steps: 200)
    #expect(
      abs(QuarticDoubleWell().value(at: state.parameters.array.map(Double.init)) + 0.25) < 1e-4)
  }

  @Test("at a minimum the Oja search returns ⊥ (no growth) and no move is made")
  func certifiesMinimum() throws {
    let spec = #"""
      [{"stage": "neon", "search": "oja", "iterations": 50, "rate": 0.5, "radius": 0.01,
        "stepSize": 0.1}, {"stage": "raw-gradient"}]
      """#
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var state = optimizer.makeState(
      parameters: [0, 1], layout: QuarticDoubleWell().layout, seed: 3)
    var objective = Objective(model: QuarticDoubleWell(), batch: ())
    try optimizer.step(&state, objective: &objective)
    #expect(state.context.metrics["neon2.found"] == 0)
    // NEON (the search) spent its 50 gradient differences; the move was not taken.
    #expect(state.evaluations.gradients == 51)
    #expect(state.context.metrics["negativeCurvatureStep.taken"] == nil)
  }

  @Test("startRadius must be below radius")
  func rejectsBadStartRadius() {
    #expect(throws: SpecError.self) {
      try Registry.standard.optimizer(
        fromJSON: #"[{"stage": "neon", "search": "oja", "radius": 0.01, "startRadius": 0.1}]"#)
    }
  }
}
