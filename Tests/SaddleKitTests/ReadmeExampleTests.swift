import SaddleKit
import Testing

/// The README's code, verbatim (scripts/check-readme.py checks that every line of the README's
/// Swift blocks appears here, so the README cannot drift from code that compiles and runs).
@Suite("README example")
struct ReadmeExampleTests {
  @Test("the README's DEO example runs and escapes the double well's saddle")
  func readmeExample() throws {
    // BEGIN README
    let deo = Optimizer {
      Dimer(separation: 1e-3, rotations: 1).every(10)  // estimate the minimum-curvature direction
      ProjectOutMinimumCurvature(strength: 1, when: .negative)  // d ← d − (d·N)N where C < 0
      Adam(learningRate: 1e-2)  // adaptive step, applied per element
      NegativeCurvatureStep(size: .fixed(0.1))  // and step down along N
    }
    let model = QuarticDoubleWell()  // saddle at the origin, minima at (0, ±1)
    var state = deo.makeState(parameters: [1e-6, 1e-6], layout: model.layout, seed: 1)
    for _ in 0..<300 { try deo.step(&state, model: model) }
    print(state.parameters, state.evaluations.cost)
    // END README
    // The minima are at (0, ±1) with f = −1/4; 300 Adam steps of 1e-2 get within 1e-2 of one.
    #expect(abs(abs(state.parameters[1]) - 1) < 1e-2)
    #expect(abs(state.parameters[0]) < 1e-2)
  }
}
