import SaddleCore
import SaddleModels
import Testing

@Suite("Zeroth-order NCF (Zhang, Xiong & Gu 2022): function values only")
struct ZerothOrderTests {
  /// Runs `optimizer` for `steps` from `start`; returns the final state.
  func run<R: UpdateRule>(
    _ optimizer: Optimizer<R>, on problem: some ClosedFormProblem, from start: [Float],
    steps: Int
  ) throws -> OptimizerState<R.State> {
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 3)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return state
  }

  @Test("coordinate and Gaussian estimators match the gradient of a quadratic")
  func gradientEstimators() {
    // f(x) = ½xᵀAx + bᵀx, A = diag(1, −2, 3), b = (1, 0, −1).
    let a = [1.0, -2, 3]
    let b = [1.0, 0, -1]
    func f(_ x: ParameterVector) -> Double {
      var total = 0.0
      for i in 0..<3 {
        let xi = Double(x[i])
        total += 0.5 * a[i] * xi * xi + b[i] * xi
      }
      return total
    }
    var objective = Objective(lossAndGradient: { x, _ in f(x) }, loss: f)
    let x: ParameterVector = [0.5, -0.25, 1]
    let exact = (0..<3).map { a[$0] * Double(x[$0]) + b[$0] }
    var g = ParameterVector(count: 3)
    var point = ParameterVector(count: 3)
    var probe = ParameterVector(count: 3)
    var generator = SeededGenerator(seed: 1)
    ZerothOrderGradient(.coordinate, smoothing: 1e-2).estimate(
      at: x, loss: f(x), objective: &objective, into: &g, point: &point, probe: &probe,
      generator: &generator)
    for i in 0..<3 { #expect(abs(Double(g[i]) - exact[i]) < 1e-4) }
    #expect(objective.counts == EvaluationCounts(losses: 6))
    // Gaussian smoothing is unbiased for a quadratic: the mean over many samples converges.
    ZerothOrderGradient(.gaussian(samples: 20_000), smoothing: 1e-3).estimate(
      at: x, loss: f(x), objective: &objective, into: &g, point: &point, probe: &probe,
      generator: &generator)
    for i in 0..<3 { #expect(abs(Double(g[i]) - exact[i]) < 0.1) }
  }

  @Test("the zeroth-order HVP is exact on a quadratic; the search finds its negative eigenvector")
  func hvpAndSearch() {
    let h = [2.0, -1, 0.5, 3]
    func f(_ x: ParameterVector) -> Double {
      var total = 0.0
      for i in 0..<4 { total += 0.5 * h[i] * Double(x[i]) * Double(x[i]) }
      return total
    }
    var objective = Objective(lossAndGradient: { x, _ in f(x) }, loss: f)
    let x: ParameterVector = [0.1, 0.2, -0.1, 0.05]
    let search = ZerothOrderNCFSearch(iterations: 60, rate: 0.2)
    var state = search.makeState(for: ParameterLayout(count: 4), seed: 9)
    let (u, c) = search.search(at: x, gradientAtX: nil, objective: &objective, state: &state)
    #expect(abs(c - -1) < 1e-2)
    #expect(abs(u[1]) > 0.99)
    #expect(objective.counts.gradients == 0)
    #expect(objective.counts.losses == 8 + 60 * 8)
  }

  @Test("zo-ncf escapes the strict saddle of the double well with 0 gradients (JSON preset)")
  func escapesDoubleWell() throws {
    let optimizer = try Registry.standard.optimizer(
      fromJSON: #"[{"stage": "zo-ncf", "learningRate": 0.1}]"#)
    let state = try run(
      optimizer, on: QuarticDoubleWell(), from: [1e-8, 1e-8], steps: 3000)
    #expect(state.evaluations.gradients == 0)
    #expect(state.evaluations.hessianVectorProducts == 0)
    #expect(state.evaluations.losses > 0)
    #expect(
      abs(QuarticDoubleWell().value(at: state.parameters.array.map(Double.init)) + 0.25) < 1e-6)
  }

  @Test("without its negative-curvature move (δ above |λ_min|) zeroth-order GD stays put")
  func searchIsWhatEscapes() throws {
    let stalled = Optimizer(
      rule: ZerothOrderNCF(learningRate: .constant(0.1), curvatureThreshold: 10))
    let state = try run(stalled, on: QuarticDoubleWell(), from: [0, 0], steps: 500)
    #expect(state.parameters.array == [0, 0])
  }

  @Test("zo-ncf escapes every saddle of the octopus (d = 5) with 0 gradients")
  func escapesOctopus() throws {
    let octopus = Octopus(dimension: 5)
    let optimizer = Optimizer(rule: ZerothOrderNCF(learningRate: .constant(0.1)))
    let state = try run(optimizer, on: octopus, from: [0, 0, 0, 0, 0], steps: 3000)
    #expect(state.evaluations.gradients == 0)
    let value = octopus.value(at: state.parameters.array.map(Double.init))
    #expect(abs(value - octopus.minima[0].value) < 1e-3)
  }
}
