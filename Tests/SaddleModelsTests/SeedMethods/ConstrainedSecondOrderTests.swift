import SaddleCore
import SaddleModels
import Testing

@Suite("Constrained second-order escape (Mokhtari, Ozdaglar & Jadbabaie 2018)")
struct ConstrainedSecondOrderTests {
  func run(_ spec: String, problem: some ClosedFormProblem, from start: [Float], steps: Int)
    throws -> (DynamicOptimizer, OptimizerState<[AnyRuleState]>)
  {
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 2)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return (optimizer, state)
  }

  @Test("the second-order step leaves the boundary saddle into the interior; projected-nc stays")
  func leavesBoundarySaddle() throws {
    let problem = BoxSaddle(dimension: 3)
    let start: [Float] = [-1, 0, 0]
    let spec = #"[{"stage": "constrained-second-order"}]"#
    let (_, first) = try run(spec, problem: problem, from: start, steps: 1)
    // u = argmin q over the box: w = (2, 0, 0), σ = 0.5 → x₁ = −1 + 1 = 0.
    #expect(first.parameters[0] > -0.5)
    let (optimizer, state) = try run(spec, problem: problem, from: start, steps: 200)
    #expect(abs(problem.value(at: state.parameters.array.map(Double.init)) + 0.25) < 1e-6)
    #expect(optimizer.summary(of: state)["constrained.secondOrderSteps"] == 1)
    // The face-restricted dimer method has no feasible escape direction on x₁ = −1.
    let (_, stalled) = try run(
      #"[{"stage": "projected-nc"}]"#, problem: problem, from: start, steps: 200)
    #expect(stalled.parameters[0] == -1)
  }

  @Test("an interior saddle (double well in [−2, 2]²) is left as well; minima are certified")
  func interiorSaddleAndCertification() throws {
    let problem = QuarticDoubleWell()
    let spec = #"[{"stage": "constrained-second-order", "lower": -2, "upper": 2}]"#
    let (optimizer, state) = try run(spec, problem: problem, from: [0, 0], steps: 300)
    #expect(abs(problem.value(at: state.parameters.array.map(Double.init)) + 0.25) < 1e-6)
    let summary = optimizer.summary(of: state)
    // One escape, then one phase at the minimum that certifies it (not one per step).
    #expect(summary["constrained.secondOrderSteps"] == 1)
    #expect(summary["constrained.secondOrderPhases"]! <= 3)
  }

  /// Random feasible `w` with `gᵀw = 0`: random points projected onto the hyperplane, kept
  /// when inside the set.
  func randomFeasible(
    _ g: [Double], inside: ([Double]) -> Bool, scale: Double, using generator: inout SeededGenerator
  ) -> [Double]? {
    var w = g.map { _ in scale * (2 * generator.nextUniformDouble() - 1) }
    let gg = g.reduce(0) { $0 + $1 * $1 }
    let gw = zip(g, w).reduce(0) { $0 + $1.0 * $1.1 }
    if gg > 0 { w = zip(w, g).map { $0 - gw / gg * $1 } }
    return inside(w) ? w : nil
  }

  func value(_ h: [[Double]], _ w: [Double]) -> Double {
    var q = 0.0
    for i in w.indices { for j in w.indices { q += w[i] * h[i][j] * w[j] } }
    return q
  }

  @Test(
    "box (face enumeration) and ball (trust region) subproblems beat every random feasible point")
  func subproblemsAreGlobal() {
    var generator = SeededGenerator(seed: 17)
    for trial in 0..<9 {
      let n = 3
      var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
      for i in 0..<n {
        for j in i..<n {
          h[i][j] = generator.nextGaussian()
          h[j][i] = h[i][j]
        }
      }
      let g = (0..<n).map { _ in trial % 3 == 0 ? 0 : generator.nextGaussian() }
      let x = (0..<n).map { _ in 0.8 * (2 * generator.nextUniformDouble() - 1) / 2 }
      for set in [
        ConstrainedSecondOrder.FeasibleSet.box(lower: -1, upper: 1), .ball(radius: 1),
      ] {
        let method = ConstrainedSecondOrder(set: set)
        let u = method.solveSubproblem(hessian: h, gradient: g, point: x)
        let w = zip(u, x).map { $0 - $1 }
        let inside: ([Double]) -> Bool
        switch set {
        case .box:
          inside = { w in zip(w, x).allSatisfy { abs($0 + $1) <= 1 + 1e-9 } }
        case .ball:
          inside = { w in zip(w, x).reduce(0) { $0 + ($1.0 + $1.1) * ($1.0 + $1.1) } <= 1 + 1e-9 }
        }
        #expect(inside(w), "\(set) trial \(trial): infeasible u")
        #expect(abs(zip(g, w).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-9)
        let q = value(h, w)
        var sampledMinimum = 0.0
        for _ in 0..<5000 {
          if let v = randomFeasible(g, inside: inside, scale: 2, using: &generator) {
            sampledMinimum = min(sampledMinimum, value(h, v))
          }
        }
        #expect(q <= sampledMinimum + 1e-9, "\(set) trial \(trial): q \(q) > \(sampledMinimum)")
        if case .box = set {
          // The approximate (projected-gradient) solver never beats the exact enumeration.
          let approximate = ConstrainedSecondOrder(set: set, exactFaceLimit: 0)
            .solveSubproblem(hessian: h, gradient: g, point: x)
          #expect(q <= value(h, zip(approximate, x).map { $0 - $1 }) + 1e-9)
        }
      }
    }
  }
}
