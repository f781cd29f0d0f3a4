import Foundation
import SaddleCore
import Testing

/// Runs `optimizer` for `steps` steps on `model`; returns the evaluations of each step.
func perStepCounts<R: UpdateRule, M: Model>(
  _ optimizer: Optimizer<R>, model: M, steps: Int = 3, seed: UInt64 = 1
) throws -> [EvaluationCounts] {
  var state = optimizer.makeState(for: model, seed: seed)
  var counts: [EvaluationCounts] = []
  for _ in 0..<steps {
    let before = state.evaluations
    try optimizer.step(&state, model: model)
    counts.append(state.evaluations - before)
  }
  return counts
}

/// Per-step costs as documented, for estimators and presets (`g` gradients, `ℓ` losses, `H`
/// exact HVPs; every step pays its own gradient).
enum CostCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case dimerGradientCentral2, dimerGradientForward2, dimerOptimalForward1, dimerOptimalCentral1
  case dimerMeasureOnly, powerExactFixedShift, powerAutomaticShift, lanczosFiniteDifference
  case randomProbeExact, zerothOrder
  case deoSGD, deoReference, saddleFreeNewton, samSGD, ssrgd, perturbedGD, neonGD
  case compressedSGD, projectedNegativeCurvature

  var testDescription: String { rawValue }

  func g(_ n: Int) -> EvaluationCounts { EvaluationCounts(gradients: n) }

  func run() throws -> (actual: [EvaluationCounts], expected: [EvaluationCounts]) {
    let model = DiagonalQuadratic(
      eigenvalues: [-1, 0.5, 1, 2, 3, 4], start: [0.1, 0.2, -0.1, 0.05, 0.3, -0.2])
    func stage<E: CurvatureEstimator>(_ e: E) throws -> [EvaluationCounts] {
      try perStepCounts(
        Optimizer(rule: Chain(EstimatorStage(e), SGD(learningRate: 0.01))),
        model: model)
    }
    switch self {
    case .dimerGradientCentral2:
      return (try stage(Dimer(rotations: 2)), Array(repeating: g(5), count: 3))
    case .dimerGradientForward2:
      return (
        try stage(Dimer(rotations: 2, differences: .forward)), Array(repeating: g(3), count: 3)
      )
    case .dimerOptimalForward1:
      return (
        try stage(Dimer(rotations: 1, rotation: .optimalAngle(), differences: .forward)),
        Array(repeating: g(3), count: 3)
      )
    case .dimerOptimalCentral1:
      return (
        try stage(Dimer(rotations: 1, rotation: .optimalAngle())), Array(repeating: g(5), count: 3)
      )
    case .dimerMeasureOnly:
      return (
        try stage(Dimer(rotations: 0, differences: .forward)), Array(repeating: g(2), count: 3)
      )
    case .powerExactFixedShift:
      let h = EvaluationCounts(gradients: 1, hessianVectorProducts: 5)
      return (
        try stage(PowerIteration(iterations: 5, hvp: .exact, shift: .fixed(5))),
        Array(repeating: h, count: 3)
      )
    case .powerAutomaticShift:
      let h = EvaluationCounts(gradients: 1, hessianVectorProducts: 5)
      let first = EvaluationCounts(gradients: 1, hessianVectorProducts: 8)
      return (
        try stage(PowerIteration(iterations: 5, shift: .automatic(normIterations: 3))),
        [first, h, h]
      )
    case .lanczosFiniteDifference:
      return (
        try stage(Lanczos(rank: 4, hvp: .finiteDifference())), Array(repeating: g(9), count: 3)
      )
    case .randomProbeExact:
      let first = EvaluationCounts(gradients: 1, hessianVectorProducts: 5)
      let warm = EvaluationCounts(gradients: 1, hessianVectorProducts: 6)
      return (try stage(RandomProbe(probes: 3, refinements: 2, hvp: .exact)), [first, warm, warm])
    case .zerothOrder:
      // p(p + 1) losses with p = m on the first call, m + 1 afterwards.
      let first = EvaluationCounts(gradients: 1, losses: 6)
      let warm = EvaluationCounts(gradients: 1, losses: 12)
      return (try stage(RandomSubspaceRitz(probes: 2)), [first, warm, warm])
    case .deoSGD:
      // The default dimer: one forward optimal-angle rotation, 2 g per call.
      return (try perStepCounts(Presets.deoSGD(period: 2), model: model), [g(3), g(1), g(3)])
    case .deoReference:
      return (
        try perStepCounts(Presets.deoReference(base: Adam(), period: 2), model: model),
        [g(2), g(1), g(2)]
      )
    case .saddleFreeNewton:
      let c = EvaluationCounts(gradients: 7, losses: 2)
      return (
        try perStepCounts(
          Presets.saddleFreeNewton(rank: 3, dampings: [0.1, 1], hvp: .finiteDifference()),
          model: model),
        Array(repeating: c, count: 3)
      )
    case .samSGD:
      return (try perStepCounts(Presets.samSGD(), model: model), Array(repeating: g(2), count: 3))
    case .ssrgd:
      return (
        try perStepCounts(Presets.perturbedRecursiveGD(refreshPeriod: 2), model: model),
        [g(1), g(2), g(1)]
      )
    case .perturbedGD:
      return (
        try perStepCounts(Presets.perturbedGD(), model: model), Array(repeating: g(1), count: 3)
      )
    case .neonGD:
      return (
        try perStepCounts(Presets.neonGD(threshold: 10, iterations: 4), model: model),
        Array(repeating: g(5), count: 3)
      )
    case .compressedSGD:
      return (
        try perStepCounts(Presets.compressedSGD(), model: model), Array(repeating: g(1), count: 3)
      )
    case .projectedNegativeCurvature:
      return (
        try perStepCounts(
          Presets.projectedNegativeCurvature(set: .ball(radius: 2), period: 2), model: model),
        [g(3), g(1), g(3)]
      )
    }
  }
}

@Suite("Evaluation costs and composition")
struct EscapeCostAndCompositionTests {
  @Test(
    "each estimator and preset pays exactly its documented cost per step",
    arguments: CostCase.allCases)
  func documentedCost(_ cost: CostCase) throws {
    let (actual, expected) = try cost.run()
    #expect(actual == expected)
  }

  @Test("the corrected DEO preset's step is base(g − (g·N)N) + s·sign(g·N)·N, in that order")
  func correctedDEOFormula() throws {
    let model = hyperbolicSaddle(0.5, 0.1)
    let optimizer = Presets.deoSGD(
      learningRate: 0.1, period: 1,
      dimer: Dimer(separation: 1e-2, rotations: 3, rotation: .optimalAngle()),
      step: NegativeCurvatureStep(size: .fixed(0.2), threshold: 0.5))
    var state = optimizer.makeState(for: model, seed: 3)
    try optimizer.step(&state, model: model)
    let estimate = try #require(state.context.curvature)
    #expect(abs(estimate.curvature - -2) < 1e-3)
    let n = estimate.direction.array.map(Double.init)
    let g = [1.0, -0.2]
    let gn = g[0] * n[0] + g[1] * n[1]
    let sign: Double = gn > 0 ? 1 : -1
    let d = (0..<2).map { 0.1 * (g[$0] - gn * n[$0]) + 0.2 * sign * n[$0] }
    #expect(abs(Double(state.parameters[0]) - (0.5 - d[0])) < 1e-5)
    #expect(abs(Double(state.parameters[1]) - (0.1 - d[1])) < 1e-5)
    // y moves away from the saddle by the full s = 0.2 (not 0.1·s: the step is after SGD).
    #expect(abs(abs(Double(state.parameters[1])) - 0.3) < 1e-3)
  }

  @Test("with Adam the negative-curvature move is added after Adam, so it is not rescaled")
  func correctedDEOWithAdam() throws {
    let model = hyperbolicSaddle(0.5, 0.1)
    let optimizer = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: -2)
      ProjectOutMinimumCurvature(strength: 1, when: .negative)
      Adam(learningRate: 0.01)
      NegativeCurvatureStep(size: .fixed(0.5))
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    // Adam's first step on p = (1, 0) is ≈ η·sign(p); the move along N is the full 0.5.
    #expect(abs(state.parameters[0] - 0.49) < 1e-6)
    #expect(abs(state.parameters[1] - 0.6) < 1e-6)
  }

  @Test(
    "every estimator × every escape rule × {SGD, Adam}: the composed optimizer equals the stages run by hand",
    arguments: EstimatorKind.allCases, RuleKind.allCases)
  func composition(_ estimator: EstimatorKind, _ rule: RuleKind) throws {
    for adam in [false, true] {
      let run = try estimator.compare(rule: rule, adam: adam)
      let label = "\(estimator) → \(rule) → \(adam ? "Adam" : "SGD")"
      #expect(run.composed.last!.isFinite, "\(label)")
      // Same bits, step by step: the executor runs each stage once, in order, on its own
      // state, seeded from (seed, stage position, purpose), and fuses without changing a bit.
      for (step, (a, b)) in zip(run.composed, run.hand).enumerated() {
        #expect(a.isBitwiseEqual(to: b), "\(label): step \(step)")
      }
      // The counts are the stages' own evaluations plus one gradient per step.
      #expect(run.composedCounts == run.handCounts, "\(label)")
      #expect(run.composedCounts.gradients >= run.composed.count, "\(label)")
      // The step moves the parameters (a stage dropped or a zero update would not).
      #expect(!run.composed[0].isBitwiseEqual(to: run.start), "\(label)")
    }
  }

  @Test(
    "each estimator → projection → SGD takes the step θ − η(g − (g·N)N) with its own N",
    arguments: EstimatorKind.allCases)
  func projectionFormula(_ estimator: EstimatorKind) throws {
    let run = try estimator.compare(rule: .projectOut, adam: false)
    let n = try #require(run.firstEstimate).direction.array.map(Double.init)
    let theta = run.start.array.map(Double.init)
    let g = zip(theta, RuleKind.model.eigenvalues).map { Double(Float($0 * $1)) }
    let gn = zip(g, n).map { $0 * $1 }.reduce(0, +)
    for i in 0..<g.count {
      let expected = theta[i] - 1e-2 * (g[i] - gn * n[i])
      #expect(abs(Double(run.composed[0][i]) - expected) < 1e-6, "\(estimator) element \(i)")
    }
  }

  @Test("degenerate inputs give finite results: zero gradient, dimension 1, zero curvature")
  func degenerateInputs() throws {
    // Exact saddle (g = 0) and a 1-dimensional problem for every estimator and a rule mix.
    for model in [
      DiagonalQuadratic(eigenvalues: [2, -2], start: [0, 0]),
      DiagonalQuadratic(eigenvalues: [-1], start: [0.5]),
      DiagonalQuadratic(eigenvalues: [0, 0, 0], start: [0, 0, 0]),
    ] {
      for kind in EstimatorKind.allCases {
        let (parameters, _, _) = try kind.build(
          rule: .negativeCurvatureStep, adam: false, model: model)
        #expect(parameters.isFinite, "\(kind) on \(model.eigenvalues)")
        let (p2, _, _) = try kind.build(rule: .saddleFreeNewton, adam: true, model: model)
        #expect(p2.isFinite, "\(kind) on \(model.eigenvalues)")
        let (p3, _, _) = try kind.build(rule: .sam, adam: false, model: model)
        #expect(p3.isFinite, "\(kind) on \(model.eigenvalues)")
      }
    }
    // Curvature exactly 0: neither the projection (.negative) nor the step acts.
    let model = hyperbolicSaddle(0.5, 0.1)
    let optimizer = Optimizer {
      FixedEstimator(direction: [0, 1], curvature: 0)
      ProjectOutMinimumCurvature(strength: 1, when: .negative)
      SGD(learningRate: 0.1)
      NegativeCurvatureStep(size: .proportional(scale: 1))
    }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters.array == [0.4, Float(0.1) + Float(0.1) * Float(0.2)])
  }
}

enum EstimatorKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case dimer, dimerOptimalPerSegment, powerIteration, lanczos, randomProbe, zerothOrder
  var testDescription: String { rawValue }

  func build(
    rule: RuleKind, adam: Bool,
    model: DiagonalQuadratic = DiagonalQuadratic(
      eigenvalues: [-1, 0.5, 2, -0.2, 1, 3], start: [0.1, -0.2, 0.05, 0.01, 0.3, -0.1])
  ) throws -> (ParameterVector, EvaluationCounts, Int) {
    switch self {
    case .dimer: return try rule.build(Dimer(), adam: adam, model: model)
    case .dimerOptimalPerSegment:
      return try rule.build(
        Dimer(rotation: .optimalAngle(), differences: .forward, scope: .perSegment), adam: adam,
        model: model)
    case .powerIteration:
      return try rule.build(
        PowerIteration(iterations: 3, hvp: .finiteDifference()), adam: adam, model: model)
    case .lanczos: return try rule.build(Lanczos(rank: 3), adam: adam, model: model)
    case .randomProbe:
      return try rule.build(RandomProbe(probes: 2, refinements: 1), adam: adam, model: model)
    case .zerothOrder:
      return try rule.build(RandomSubspaceRitz(probes: 2), adam: adam, model: model)
    }
  }
}

extension EstimatorKind {
  func compare(rule: RuleKind, adam: Bool, model: DiagonalQuadratic = RuleKind.model) throws
    -> CompositionRun
  {
    switch self {
    case .dimer: return try rule.compare(Dimer(), adam: adam, model: model)
    case .dimerOptimalPerSegment:
      return try rule.compare(
        Dimer(rotation: .optimalAngle(), differences: .forward, scope: .perSegment), adam: adam,
        model: model)
    case .powerIteration:
      return try rule.compare(
        PowerIteration(iterations: 3, hvp: .finiteDifference()), adam: adam, model: model)
    case .lanczos: return try rule.compare(Lanczos(rank: 3), adam: adam, model: model)
    case .randomProbe:
      return try rule.compare(RandomProbe(probes: 2, refinements: 1), adam: adam, model: model)
    case .zerothOrder:
      return try rule.compare(RandomSubspaceRitz(probes: 2), adam: adam, model: model)
    }
  }
}

enum RuleKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case projectOut, negativeCurvatureStep, dimerReference, perturbed, ssrgd, saddleFreeNewton
  case sam, compressed, projectOntoSet, neon
  var testDescription: String { rawValue }

  func build<E: CurvatureEstimator>(_ estimator: E, adam: Bool, model: DiagonalQuadratic) throws
    -> (ParameterVector, EvaluationCounts, Int)
  {
    switch self {
    case .projectOut: return try run(estimator, ProjectOutMinimumCurvature(), adam, model)
    case .negativeCurvatureStep:
      return try run(estimator, NegativeCurvatureStep(size: .fixed(0.05)), adam, model)
    case .dimerReference: return try run(estimator, DimerReferenceStep(), adam, model)
    case .perturbed:
      return try run(estimator, PerturbedGradient(threshold: 10, radius: 0.01), adam, model)
    case .ssrgd:
      return try run(estimator, PerturbedRecursiveGradient(refreshPeriod: 2), adam, model)
    case .saddleFreeNewton:
      return try run(estimator, SaddleFreeNewton(rank: 3, dampings: [0.1, 1]), adam, model)
    case .sam: return try run(estimator, SAM(), adam, model)
    case .compressed: return try run(estimator, CompressedGradient(.topK(2)), adam, model)
    case .projectOntoSet:
      return try run(estimator, ProjectOntoConvexSet(.ball(radius: 1)), adam, model)
    case .neon: return try run(estimator, NEONStep(threshold: 10, iterations: 3), adam, model)
    }
  }

  private func run<E: CurvatureEstimator, R: UpdateRule>(
    _ estimator: E, _ rule: R, _ adam: Bool, _ model: DiagonalQuadratic
  ) throws -> (ParameterVector, EvaluationCounts, Int) {
    let run = try compare(estimator, rule, adam, model)
    return (run.composed.last!, run.composedCounts, run.composed.count)
  }

  static let model = DiagonalQuadratic(
    eigenvalues: [-1, 0.5, 2, -0.2, 1, 3], start: [0.1, -0.2, 0.05, 0.01, 0.3, -0.1])

  func compare<E: CurvatureEstimator>(_ estimator: E, adam: Bool, model: DiagonalQuadratic)
    throws -> CompositionRun
  {
    switch self {
    case .projectOut: return try compare(estimator, ProjectOutMinimumCurvature(), adam, model)
    case .negativeCurvatureStep:
      return try compare(estimator, NegativeCurvatureStep(size: .fixed(0.05)), adam, model)
    case .dimerReference: return try compare(estimator, DimerReferenceStep(), adam, model)
    case .perturbed:
      return try compare(estimator, PerturbedGradient(threshold: 10, radius: 0.01), adam, model)
    case .ssrgd:
      return try compare(estimator, PerturbedRecursiveGradient(refreshPeriod: 2), adam, model)
    case .saddleFreeNewton:
      return try compare(estimator, SaddleFreeNewton(rank: 3, dampings: [0.1, 1]), adam, model)
    case .sam: return try compare(estimator, SAM(), adam, model)
    case .compressed: return try compare(estimator, CompressedGradient(.topK(2)), adam, model)
    case .projectOntoSet:
      return try compare(estimator, ProjectOntoConvexSet(.ball(radius: 1)), adam, model)
    case .neon: return try compare(estimator, NEONStep(threshold: 10, iterations: 3), adam, model)
    }
  }

  /// Runs `estimator → rule → base` through the optimizer, and again by hand: each stage's
  /// state made with the documented seed (`mixSeed(mixSeed(seed, 0x71), position)`), each
  /// stage applied in turn, then `θ ← θ − d`.
  private func compare<E: CurvatureEstimator, R: UpdateRule>(
    _ estimator: E, _ rule: R, _ adam: Bool, _ model: DiagonalQuadratic, steps: Int = 5,
    seed: UInt64 = 11
  ) throws -> CompositionRun {
    func composed<B: UpdateRule>(_ base: B) throws
      -> (points: [ParameterVector], counts: EvaluationCounts, estimate: CurvatureEstimate?)
    {
      let optimizer = Optimizer {
        estimator
        rule
        base
      }
      var state = optimizer.makeState(for: model, seed: seed)
      var points: [ParameterVector] = []
      var estimate: CurvatureEstimate?
      for _ in 0..<steps {
        try optimizer.step(&state, model: model)
        points.append(state.parameters)
        if estimate == nil { estimate = state.context.curvature }
      }
      return (points, state.evaluations, estimate)
    }
    func byHand<B: UpdateRule>(_ base: B) -> (points: [ParameterVector], counts: EvaluationCounts) {
      let root = mixSeed(seed, 0x71)
      var context = StepContext(
        parameters: model.initialParameters(seed: seed), layout: model.layout, seed: seed)
      let stage = EstimatorStage(estimator)
      var s0 = stage.makeState(for: model.layout, seed: mixSeed(root, 1))
      var s1 = rule.makeState(for: model.layout, seed: mixSeed(root, 2))
      var s2 = base.makeState(for: model.layout, seed: mixSeed(root, 3))
      var counts = EvaluationCounts()
      var points: [ParameterVector] = []
      for _ in 0..<steps {
        var objective = Objective(model: model, batch: ())
        context.loss = objective.lossAndGradient(at: context.parameters, into: &context.gradient)
        context.direction = context.gradient
        stage.apply(to: &context, objective: &objective, state: &s0)
        rule.apply(to: &context, objective: &objective, state: &s1)
        base.apply(to: &context, objective: &objective, state: &s2)
        context.updateParameters()
        context.step += 1
        counts = counts + objective.counts
        points.append(context.parameters)
      }
      return (points, counts)
    }
    let start = model.initialParameters(seed: seed)
    if adam {
      let (a, c, e) = try composed(Adam(learningRate: 1e-2))
      let (b, d) = byHand(Adam(learningRate: 1e-2))
      return CompositionRun(
        start: start, composed: a, hand: b, composedCounts: c, handCounts: d, firstEstimate: e)
    }
    let (a, c, e) = try composed(SGD(learningRate: 1e-2))
    let (b, d) = byHand(SGD(learningRate: 1e-2))
    return CompositionRun(
      start: start, composed: a, hand: b, composedCounts: c, handCounts: d, firstEstimate: e)
  }
}

/// One pipeline run through the optimizer and by hand.
struct CompositionRun {
  var start: ParameterVector
  var composed: [ParameterVector]
  var hand: [ParameterVector]
  var composedCounts: EvaluationCounts
  var handCounts: EvaluationCounts
  var firstEstimate: CurvatureEstimate?
}

@Suite("Escape state checkpoints")
struct EscapeCheckpointTests {
  @Test("a DEO optimizer resumed from JSON continues to the same bits (warm start persisted)")
  func resumesBitForBit() throws {
    let model = DiagonalQuadratic(eigenvalues: [-1, 0.5, 2, 3], start: [0.1, -0.2, 0.3, 0.05])
    let optimizer = Presets.deoAdam(
      period: 2, dimer: Dimer(rotations: 2, rotation: .optimalAngle(), scope: .global))
    var a = optimizer.makeState(for: model, seed: 3)
    for _ in 0..<3 { try optimizer.step(&a, model: model) }
    let data = try JSONEncoder().encode(a)
    var b = try JSONDecoder().decode(type(of: a), from: data)
    for _ in 0..<4 {
      try optimizer.step(&a, model: model)
      try optimizer.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
    #expect(a.evaluations == b.evaluations)
  }
}
