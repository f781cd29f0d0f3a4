import Foundation
import SaddleCore
import Testing

/// `x² − y²` (`½Σλθ²` with λ = (2, −2)) from `start`.
func hyperbolicSaddle(_ x: Float, _ y: Float) -> DiagonalQuadratic {
  DiagonalQuadratic(eigenvalues: [2, -2], start: [x, y])
}

@Suite("Escape rules against their formulas")
struct EscapeRuleTests {
  @Test(
    "ProjectOutMinimumCurvature removes α(d·N)N, gated by the curvature's sign",
    arguments: [
      (-1.0, ProjectOutMinimumCurvature.Condition.negative, true),
      (1.0, .negative, false), (1.0, .always, true),
    ])
  func projectOut(curvature: Double, condition: ProjectOutMinimumCurvature.Condition, acts: Bool)
    throws
  {
    let model = hyperbolicSaddle(1, 0.5)  // g = (2, −1)
    let optimizer = Optimizer {
      FixedEstimator(direction: [0.6, 0.8], curvature: curvature)
      ProjectOutMinimumCurvature(strength: 1, when: condition)
      SGD(learningRate: 0.1)
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    // g·N = 1.2 − 0.8 = 0.4, so d = g − 0.4N = (1.76, −1.32).
    let d: [Float] = acts ? [1.76, -1.32] : [2, -1]
    #expect(abs(state.parameters[0] - (1 - 0.1 * d[0])) < 1e-6)
    #expect(abs(state.parameters[1] - (0.5 - 0.1 * d[1])) < 1e-6)
  }

  @Test("projection per segment uses each segment's direction and curvature gate")
  func projectOutPerSegment() throws {
    let layout = ParameterLayout([(name: "a", shape: [2]), (name: "b", shape: [2])])
    let model = SegmentedDiagonal(eigenvalues: [1, 1, 1, 1], layout: layout)
    let g = model.initialParameters(seed: 0)
    let optimizer = Optimizer {
      FixedEstimator(direction: [1, 0, 0, 1], curvature: -1, segmentCurvatures: [-1, 2])
      ProjectOutMinimumCurvature(strength: 1, when: .negative)
      SGD(learningRate: 1)
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    // Segment a: d = g − g₀e₀ = (0, g₁); segment b (C = 2 > 0): untouched.
    #expect(state.parameters.array == [g[0], 0, 0, 0])
  }

  @Test("caveat: projecting out N alone at x² − y² removes the escape direction (y never grows)")
  func projectionAloneDoesNotEscape() throws {
    let model = hyperbolicSaddle(1, 1e-3)
    let projected = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: -2)
      ProjectOutMinimumCurvature(strength: 1, when: .negative)
      SGD(learningRate: 0.1)
    }
    let plain = Optimizer { SGD(learningRate: 0.1) }
    var a = projected.makeState(for: model)
    var b = plain.makeState(for: model)
    for _ in 0..<50 {
      try projected.step(&a, model: model)
      try plain.step(&b, model: model)
    }
    #expect(a.parameters[1] == 1e-3)  // d = (2x, 0): y is never moved
    #expect(abs(b.parameters[1]) > 1)  // plain GD escapes: y grows ×1.2 per step
    // With the negative-curvature step after the base rule, the corrected DEO escapes.
    let corrected = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: -2)
      ProjectOutMinimumCurvature(strength: 1, when: .negative)
      SGD(learningRate: 0.1)
      NegativeCurvatureStep(size: .fixed(0.1))
    }
    var c = corrected.makeState(for: model)
    for _ in 0..<10 { try corrected.step(&c, model: model) }
    #expect(abs(c.parameters[1]) > 0.9)
  }

  @Test("NegativeCurvatureStep adds s·sign(g·N)·N and descends")
  func negativeCurvatureStep() throws {
    let model = hyperbolicSaddle(0.5, 0.1)  // g = (1, −0.2)
    for (size, distance) in [
      (NegativeCurvatureStep.Size.fixed(0.3), 0.3), (.proportional(scale: 0.25), 0.5),
    ] {
      let optimizer = Optimizer {
        FixedEstimator(direction: [0, -1], curvature: -2)
        SGD(learningRate: 0)
        NegativeCurvatureStep(size: size, threshold: 0.5)
      }
      var state = optimizer.makeState(for: model)
      try optimizer.step(&state, model: model)
      // g·N = 0.2 > 0: d = s·N, θ_y = 0.1 − s·(−1) = 0.1 + s, away from the saddle.
      #expect(abs(state.parameters[1] - Float(0.1 + distance)) < 1e-6)
      #expect(
        model.loss(at: state.parameters, on: ())
          < model.loss(at: ParameterVector([0.5, 0.1]), on: ()))
    }
    // Above the threshold (C = −0.4 ≥ −0.5): no step.
    let gated = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: -0.4)
      SGD(learningRate: 0)
      NegativeCurvatureStep(size: .fixed(0.3), threshold: 0.5)
    }
    var state = gated.makeState(for: model)
    try gated.step(&state, model: model)
    #expect(state.parameters.array == [0.5, 0.1])
  }

  @Test("at g·N = 0 the sign is a seeded random draw: same seed, same move")
  func randomSignAtExactSaddle() throws {
    let model = hyperbolicSaddle(0, 0)
    let optimizer = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: -2)
      NegativeCurvatureStep(size: .fixed(0.5))
    }
    var signs: Set<Float> = []
    for seed in 0..<16 as Range<UInt64> {
      var a = optimizer.makeState(for: model, seed: seed)
      var b = optimizer.makeState(for: model, seed: seed)
      try optimizer.step(&a, model: model)
      try optimizer.step(&b, model: model)
      #expect(a.parameters.isBitwiseEqual(to: b.parameters))
      #expect(abs(a.parameters[1]) == 0.5 && a.parameters[0] == 0)
      signs.insert(a.parameters[1])
    }
    #expect(signs.count == 2)
  }

  @Test("DimerReferenceStep moves θ by s(g·N)N when g·N < 0, and that raises the loss")
  func dimerReferenceStep() throws {
    let model = hyperbolicSaddle(0.5, 0.1)  // g = (1, −0.2)
    let loss0 = model.loss(at: ParameterVector([0.5, 0.1]), on: ())
    for (direction, moves) in [([Float(0), 1], true), ([0, -1], false)] {
      let optimizer = Optimizer {
        FixedEstimator(direction: direction, curvature: -2)
        DimerReferenceStep(strength: 0.5)
        SGD(learningRate: 0)
      }
      var state = optimizer.makeState(for: model)
      try optimizer.step(&state, model: model)
      // g·N = −0.2: θ_y ← 0.1 + 0.5·(−0.2)·1 = 0.0.
      #expect(state.parameters[1] == (moves ? 0 : 0.1))
      if moves { #expect(model.loss(at: state.parameters, on: ()) > loss0) }
    }
  }

  @Test("PerturbedGradient perturbs within radius r when ‖g‖ ≤ g_thres, then waits t_thres steps")
  func perturbedGradient() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 1, 1], start: [0, 0, 0])
    let optimizer = Optimizer {
      SGD(learningRate: 0)
      PerturbedGradient(threshold: 1, radius: 1e-3, waitingSteps: 3)
    }
    var state = optimizer.makeState(for: model, seed: 5)
    var perturbedSteps: [Int] = []
    var previous = state.parameters
    for step in 0..<10 {
      try optimizer.step(&state, model: model)
      var delta = state.parameters
      delta.add(previous, scaledBy: -1)
      if delta.norm > 0 {
        perturbedSteps.append(step)
        #expect(delta.norm <= 1e-3 * (1 + 1e-6))
      }
      previous = state.parameters
    }
    #expect(perturbedSteps == [0, 4, 8])
    // A large gradient never triggers it.
    let far = DiagonalQuadratic(eigenvalues: [1, 1, 1], start: [10, 0, 0])
    var s = optimizer.makeState(for: far, seed: 5)
    try optimizer.step(&s, model: far)
    #expect(s.parameters.array == [10, 0, 0])
  }

  @Test("PerturbedRecursiveGradient: v_t = ∇f_t(θ_t) − ∇f_t(θ_{t−1}) + v_{t−1} on the same batch")
  func ssrgdRecursion() throws {
    // f_t(θ) = ½a_t‖θ‖² with a batch-dependent a_t.
    let scales: [Float] = [1, 3, 0.5]
    func objective(_ t: Int) -> Objective {
      Objective(
        lossAndGradient: { p, g in
          for i in 0..<p.count { g[i] = scales[t] * p[i] }
          return 0
        }, loss: { _ in 0 })
    }
    let optimizer = Optimizer {
      PerturbedRecursiveGradient(refreshPeriod: 10, threshold: 0, radius: 0, waitingSteps: 0)
      SGD(learningRate: 0.1)
    }
    var state = optimizer.makeState(
      parameters: [1, 2], layout: ParameterLayout(count: 2))
    var theta: [Float] = [1, 2]
    var v: [Float] = [0, 0]
    var previous = theta
    for t in 0..<3 {
      var o = objective(t)
      try optimizer.step(&state, objective: &o)
      #expect(o.counts.gradients == (t == 0 ? 1 : 2))
      for i in 0..<2 {
        v[i] = t == 0 ? scales[t] * theta[i] : scales[t] * theta[i] - scales[t] * previous[i] + v[i]
      }
      previous = theta
      theta = zip(theta, v).map { $0 - 0.1 * $1 }
      for i in 0..<2 { #expect(abs(state.parameters[i] - theta[i]) < 1e-6) }
    }
  }

  @Test("saddle-free Newton with full rank steps −g_i/(|λ_i| + λ) and picks the damping by loss")
  func saddleFreeNewton() throws {
    let model = DiagonalQuadratic(eigenvalues: [2, -1, 0.5], start: [1, 0.5, -1])
    let single = Optimizer { SaddleFreeNewton(rank: 3, dampings: [0.1], hvp: .exact) }
    var state = single.makeState(for: model)
    try single.step(&state, model: model)
    let start: [Double] = [1, 0.5, -1]
    let lambda: [Double] = [2, -1, 0.5]
    for i in 0..<3 {
      let expected = start[i] - lambda[i] * start[i] / (abs(lambda[i]) + 0.1)
      #expect(abs(Double(state.parameters[i]) - expected) < 1e-5)
    }
    #expect(state.evaluations == EvaluationCounts(gradients: 1, hessianVectorProducts: 3))
    // Several candidates: each costs one loss; the chosen one has the lowest loss.
    let candidates = [1e-3, 0.1, 10]
    let multi = Optimizer { SaddleFreeNewton(rank: 3, dampings: candidates, hvp: .exact) }
    var m = multi.makeState(for: model)
    try multi.step(&m, model: model)
    #expect(m.evaluations.losses == 3)
    let losses = candidates.map { damping in
      model.loss(
        at: ParameterVector(
          (0..<3).map { Float(start[$0] - lambda[$0] * start[$0] / (abs(lambda[$0]) + damping)) }),
        on: ())
    }
    let best = candidates[losses.indices.min { losses[$0] < losses[$1] }!]
    #expect(m.rule.damping == best)
  }

  @Test("SAM takes the gradient at θ + ρg/‖g‖ (and ASAM at θ + ρT²g/‖Tg‖)")
  func sam() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 4], start: [3, 1])  // g = (3, 4), ‖g‖ = 5
    for adaptive in [false, true] {
      let optimizer = Optimizer {
        SAM(radius: 0.5, adaptive: adaptive)
        SGD(learningRate: 0.1)
      }
      var state = optimizer.makeState(for: model)
      try optimizer.step(&state, model: model)
      let eps: [Double] =
        adaptive
        ? {
          let tg = [3.0 * 3, 1.0 * 4]
          let norm = (tg[0] * tg[0] + tg[1] * tg[1]).squareRoot()
          return [0.5 * 9 * 3 / norm, 0.5 * 1 * 4 / norm]
        }() : [0.5 * 3 / 5, 0.5 * 4 / 5]
      let expected = [3 - 0.1 * (3 + eps[0]), 1 - 0.1 * 4 * (1 + eps[1])]
      #expect(abs(Double(state.parameters[0]) - expected[0]) < 1e-5)
      #expect(abs(Double(state.parameters[1]) - expected[1]) < 1e-5)
      #expect(state.evaluations.gradients == 2)
    }
  }

  @Test("top-k with error feedback keeps the k largest of d + e and remembers the rest")
  func topKErrorFeedback() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 1, 1], start: [0.3, -0.5, 0.1])
    let optimizer = Optimizer { CompressedGradient(.topK(1), errorFeedback: true) }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters.array == [0.3, 0, 0.1])
    #expect(state.rule.error?.array == [0.3, 0, 0.1])
    try optimizer.step(&state, model: model)  // p = g + e = (0.6, 0, 0.2)
    #expect(state.parameters.array == [Float(0.3) - Float(0.6), 0, 0.1])
    #expect(state.rule.error?.array == [0, 0, 0.2])
  }

  @Test("random-k keeps exactly k coordinates and d + e is conserved", arguments: [1, 3, 8])
  func randomK(k: Int) throws {
    let n = 8
    let start = (0..<n).map { Float($0 + 1) / 10 }
    let model = DiagonalQuadratic(eigenvalues: Array(repeating: 1, count: n), start: start)
    let optimizer = Optimizer { CompressedGradient(.randomK(k), errorFeedback: true) }
    var state = optimizer.makeState(for: model, seed: 9)
    try optimizer.step(&state, model: model)
    let moved = (0..<n).filter { state.parameters[$0] != start[$0] }
    #expect(moved.count == k)
    for i in 0..<n {
      let kept = start[i] - state.parameters[i]
      #expect(kept + state.rule.error![i] == start[i])
    }
  }

  @Test("convex sets project as their closed forms")
  func convexProjections() {
    var y: ParameterVector = [2, -3, 0.5]
    ConvexSet.box(lower: -1, upper: 1).project(&y)
    #expect(y.array == [1, -1, 0.5])
    y = [3, 4]
    ConvexSet.ball(radius: 1).project(&y)
    #expect(abs(y[0] - 0.6) < 1e-6 && abs(y[1] - 0.8) < 1e-6)
    y = [0.8, 0.6, -0.1]
    ConvexSet.simplex.project(&y)  // τ = 0.2
    #expect(abs(y[0] - 0.6) < 1e-6 && abs(y[1] - 0.4) < 1e-6 && y[2] == 0)
    y = [0.5, 0.5, 0.5]
    ConvexSet.simplex.project(&y)
    #expect(y.allSatisfy { abs($0 - 1.0 / 3) < 1e-6 })
  }

  @Test("ProjectOntoConvexSet makes the step land in the set: d ← θ − Π(θ − d)")
  func projectedStep() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 1], start: [0.9, 0.2])
    let optimizer = Optimizer {
      Scale(factor: -1)  // an ascent step, to leave the box (SGD refuses a negative rate)
      ProjectOntoConvexSet(.box(lower: -1, upper: 1))
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters.array == [1, 0.4])
  }

  @Test("negative-curvature steps are restricted to the feasible face of the set")
  func restrictedCurvature() throws {
    // At θ = (1, 0) on the box [−1, 1]², x is at its bound: only y may move.
    let model = hyperbolicSaddle(1, 0)
    let optimizer = Optimizer {
      FixedEstimator(direction: [0.6, 0.8], curvature: -2)
      RestrictCurvatureToFeasibleDirections(.box(lower: -1, upper: 1))
      SGD(learningRate: 0)
      NegativeCurvatureStep(size: .fixed(0.5))
      ProjectOntoConvexSet(.box(lower: -1, upper: 1))
    }
    var state = optimizer.makeState(for: model, seed: 2)
    try optimizer.step(&state, model: model)
    let n = try #require(state.context.curvature).direction
    #expect(n.array == [0, 1])
    #expect(state.parameters[0] == 1 && abs(state.parameters[1]) == 0.5)
  }

  @Test("NEONStep finds the negative-curvature direction from gradients and moves along it")
  func neon() throws {
    let model = hyperbolicSaddle(1e-4, 0)
    let optimizer = Optimizer {
      SGD(learningRate: 0)
      NEONStep(threshold: 1, radius: 1e-3, iterations: 30, rate: 0.2, size: .fixed(0.1))
    }
    var state = optimizer.makeState(for: model, seed: 4)
    try optimizer.step(&state, model: model)
    let estimate = try #require(state.context.curvature)
    #expect(abs(estimate.curvature - -2) < 1e-3)
    #expect(abs(abs(estimate.direction[1]) - 1) < 1e-4)
    #expect(abs(abs(state.parameters[1]) - 0.1) < 1e-4)
    #expect(state.evaluations.gradients == 31)
  }
}
