import Foundation
import SaddleCore
import Testing

/// `f(θ) = ½ Σ λᵢ θᵢ²` on two segments, `w` (the first `split` parameters) and `b`.
struct SegmentedQuadratic: Model {
  var base: DiagonalQuadratic
  var split: Int

  var layout: ParameterLayout {
    ParameterLayout([("w", [split]), ("b", [base.eigenvalues.count - split])])
  }

  func initialParameters(seed: UInt64) -> ParameterVector { base.initialParameters(seed: seed) }
  func loss(at p: ParameterVector, on batch: Void) -> Double { base.loss(at: p, on: ()) }
  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    base.lossAndGradient(at: p, on: (), into: &g)
  }
}

/// A quadratic of `n` parameters (not a multiple of 8, so lane tails run) with two segments
/// whose boundary falls inside a group of 8 lanes.
func executorModel(_ n: Int = 1003) -> SegmentedQuadratic {
  SegmentedQuadratic(
    base: DiagonalQuadratic(
      eigenvalues: (0..<n).map { 0.5 + Double($0 % 17) / 4 },
      start: (0..<n).map { Float(($0 * 7919) % 101) / 50 - 1 }),
    split: 421)
}

/// Steps `optimizer` `steps` times; returns the passes over memory of each step and the
/// final state's parameters.
func passCounts<R: UpdateRule, M: Model>(
  _ optimizer: Optimizer<R>, model: M, steps: Int = 5
) throws -> (passes: [Int], parameters: ParameterVector) {
  var state = optimizer.makeState(for: model, seed: 5)
  var passes: [Int] = []
  for _ in 0..<steps {
    try optimizer.step(&state, model: model)
    passes.append(state.context.passCount)
  }
  return (passes, state.parameters)
}

@Suite("Executor: fusion counted in passes over memory")
struct ExecutorFusionTests {
  let model = executorModel()

  /// Expects `fused` to make one pass per step and to land on the same bits as `sequential`
  /// (the same stages in a hand-written `Chain`, which makes `sequentialPasses` passes in the
  /// steps where every stage acts).
  func expectFused<A: UpdateRule, B: UpdateRule>(
    _ fused: Optimizer<A>, _ sequential: Optimizer<B>, sequentialPasses: Int = 2,
    _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let (passes, parameters) = try passCounts(fused, model: model)
    let (reference, expected) = try passCounts(sequential, model: model)
    #expect(passes == [1, 1, 1, 1, 1], comment, sourceLocation: sourceLocation)
    #expect(reference.max()! == sequentialPasses, comment, sourceLocation: sourceLocation)
    #expect(parameters.isBitwiseEqual(to: expected), comment, sourceLocation: sourceLocation)
  }

  @Test("the pass counter counts: stages in a hand-written Chain make one pass each")
  func counterCounts() throws {
    let chain = Optimizer(
      rule: Chain(Chain(WeightDecay(rate: 0.01), Scale(factor: 2)), Adam(learningRate: 0.01)))
    let chained = try passCounts(chain, model: model).passes
    #expect(chained == [3, 3, 3, 3, 3])
    let separate = Optimizer(rule: Chain(Adam(learningRate: 0.01), ClipByGlobalNorm(maxNorm: 1)))
    // Adam's own pass, then the non-elementwise clip, then θ ← θ − d.
    let separated = try passCounts(separate, model: model).passes
    #expect(separated == [2, 2, 2, 2, 2])
  }

  @Test("plain elementwise stages fuse into one pass")
  func plain() throws {
    try expectFused(
      Optimizer {
        WeightDecay(rate: 0.01)
        Adam(learningRate: 0.01)
        Scale(factor: 0.5)
        ClipByValue(limit: 0.004)
        Scale(factor: 2)
      },
      Optimizer(
        rule: Chain(
          Chain(
            Chain(Chain(WeightDecay(rate: 0.01), Adam(learningRate: 0.01)), Scale(factor: 0.5)),
            ClipByValue(limit: 0.004)), Scale(factor: 2))), sequentialPasses: 5, "plain")
  }

  @Test("every, after, named and on(segments:) stay fused, in the step they act and the others")
  func modifiers() throws {
    try expectFused(
      Optimizer {
        WeightDecay(rate: 0.05).every(2, offset: 1)
        Adam(learningRate: 0.01)
      },
      Optimizer(rule: Chain(WeightDecay(rate: 0.05).every(2, offset: 1), Adam(learningRate: 0.01))),
      "every")
    try expectFused(
      Optimizer {
        WeightDecay(rate: 0.05).after(2)
        Adam(learningRate: 0.01)
      },
      Optimizer(rule: Chain(WeightDecay(rate: 0.05).after(2), Adam(learningRate: 0.01))), "after")
    try expectFused(
      Optimizer {
        WeightDecay(rate: 0.05)
        Adam(learningRate: 0.01).named("adam")
      },
      Optimizer(rule: Chain(Chain(WeightDecay(rate: 0.05), Identity()), Adam(learningRate: 0.01))),
      sequentialPasses: 3, "named")
    try expectFused(
      Optimizer {
        Momentum(learningRate: 0.02).on(segments: ["b"])
        Scale(factor: 0.5)
      },
      Optimizer(
        rule: Chain(Momentum(learningRate: 0.02).on(segments: ["b"]), Scale(factor: 0.5))),
      sequentialPasses: 3, "masked (save, stage, then the fused tail)")
    try expectFused(
      Optimizer { Adam(learningRate: 0.01).after(3).named("late") },
      Optimizer(rule: Chain(Adam(learningRate: 0.01).after(3), Identity())),
      "a wrapped stage alone")
  }

  @Test("if, if/else and for stay fused")
  func controlFlow() throws {
    for flag in [true, false] {
      try expectFused(
        Optimizer {
          if flag { WeightDecay(rate: 0.05) }
          Adam(learningRate: 0.01)
        },
        Optimizer(
          rule: Chain(flag ? WeightDecay(rate: 0.05) : nil, Adam(learningRate: 0.01))),
        sequentialPasses: flag ? 2 : 1, "if \(flag)")
      try expectFused(
        Optimizer {
          if flag { WeightDecay(rate: 0.05) } else { Scale(factor: 3) }
          Adam(learningRate: 0.01)
        },
        Optimizer(
          rule: Chain(
            flag
              ? Either<WeightDecay, Scale>.first(WeightDecay(rate: 0.05))
              : .second(Scale(factor: 3)), Adam(learningRate: 0.01))),
        "if/else \(flag)")
    }
    let rates = [0.01, 0.02, 0.03]
    try expectFused(
      Optimizer {
        for rate in rates { WeightDecay(rate: rate) }
        Adam(learningRate: 0.01)
      },
      Optimizer(
        rule: Chain(
          StageArray(rates.map { WeightDecay(rate: $0) }), Adam(learningRate: 0.01))),
      sequentialPasses: 4, "for")
  }

  @Test("an estimator before elementwise stages: the elementwise tail fuses with the update")
  func estimatorThenElementwise() throws {
    let optimizer = Optimizer {
      ConstantEstimator(curvature: -1)
      WeightDecay(rate: 0.01).every(2)
      Adam(learningRate: 0.01)
    }
    let passes = try passCounts(optimizer, model: model).passes
    #expect(passes == [1, 1, 1, 1, 1], "\(type(of: optimizer.rule))")
  }

  @Test("JSON pipelines: consecutive erased elementwise stages, wrapped or not, make one pass")
  func erased() throws {
    let specs: [(String, String)] = [
      (
        #"[{"stage":"weight-decay","rate":0.01},{"stage":"adam","learningRate":0.01},"#
          + #"{"stage":"scale","factor":0.5},{"stage":"clip-value","limit":0.004},"#
          + #"{"stage":"scale","factor":2}]"#, "5 stages"
      ),
      (
        #"[{"stage":"weight-decay","rate":0.05,"every":2,"offset":1},"#
          + #"{"stage":"adam","learningRate":0.01}]"#, "every"
      ),
      (
        #"[{"stage":"weight-decay","rate":0.05,"after":2},{"stage":"adam","learningRate":0.01}]"#,
        "after"
      ),
      (
        #"[{"stage":"momentum","learningRate":0.02,"segments":["b"]},"#
          + #"{"stage":"scale","factor":0.5}]"#, "segments"
      ),
      (
        #"[{"stage":"weight-decay","rate":0.05,"after":1},{"stage":"adam","learningRate":0.01,"#
          + #""name":"adam"}]"#, "name and after"
      ),
    ]
    let dsl: [String: Optimizer<AnyUpdateRule>] = [
      "5 stages": Optimizer(
        rule: AnyUpdateRule(
          planned: Optimizer {
            WeightDecay(rate: 0.01)
            Adam(learningRate: 0.01)
            Scale(factor: 0.5)
            ClipByValue(limit: 0.004)
            Scale(factor: 2)
          })),
      "every": Optimizer(
        rule: AnyUpdateRule(
          planned: Optimizer {
            WeightDecay(rate: 0.05).every(2, offset: 1)
            Adam(learningRate: 0.01)
          })),
      "after": Optimizer(
        rule: AnyUpdateRule(
          planned: Optimizer {
            WeightDecay(rate: 0.05).after(2)
            Adam(learningRate: 0.01)
          })),
      "segments": Optimizer(
        rule: AnyUpdateRule(
          planned: Optimizer {
            Momentum(learningRate: 0.02).on(segments: ["b"])
            Scale(factor: 0.5)
          })),
      "name and after": Optimizer(
        rule: AnyUpdateRule(
          planned: Optimizer {
            WeightDecay(rate: 0.05).after(1)
            Adam(learningRate: 0.01).named("adam")
          })),
    ]
    for (spec, name) in specs {
      let optimizer = try Registry.core.optimizer(fromJSON: spec)
      let (passes, parameters) = try passCounts(optimizer, model: model)
      #expect(passes == [1, 1, 1, 1, 1], "\(name)")
      let reference = try #require(dsl[name])
      let (staticPasses, expected) = try passCounts(reference, model: model)
      #expect(staticPasses == [1, 1, 1, 1, 1], "\(name)")
      #expect(parameters.isBitwiseEqual(to: expected), "\(name): JSON and DSL differ")
    }
  }

  @Test("a JSON preset keeps its static plan: its elementwise tail fuses with the update")
  func presetFromJSON() throws {
    let optimizer = try Registry.core.optimizer(
      fromJSON: #"[{"stage":"deo-adam","learningRate":0.01,"period":1}]"#)
    let (passes, _) = try passCounts(optimizer, model: model)
    // Projection and negative-curvature step are not elementwise; Adam's pass is the last.
    let dsl = Presets.deoAdam(learningRate: 0.01, period: 1)
    let (staticPasses, _) = try passCounts(dsl, model: model)
    #expect(passes == staticPasses)
  }
}

@Suite("Executor: semantics of gates, zeroth-order steps and allocation")
struct ExecutorSemanticsTests {
  @Test(".after(n): before step n the stage is the identity and its state does not advance")
  func afterIsIdentityBefore() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 2, 4], start: [1, -1, 0.5])
    let optimizer = Optimizer { Adam(learningRate: 0.1).after(2) }
    var state = optimizer.makeState(for: model)
    var expected = model.start
    for step in 0..<2 {
      try optimizer.step(&state, model: model)
      // Identity direction: θ ← θ − g, with g = λθ.
      for i in 0..<3 { expected[i] -= Float(model.eigenvalues[i]) * expected[i] }
      #expect(state.parameters.array == expected, "step \(step)")
      #expect(state.rule.count == 0)
    }
    try optimizer.step(&state, model: model)
    #expect(state.rule.count == 1)
    // Adam's first update: m̂ = g, v̂ = g², d = η·g/(|g| + ε) ≈ η·sign(g).
    for i in 0..<3 {
      let g = model.eigenvalues[i] * Double(expected[i])
      let d = 0.1 * g / (abs(g) + 1e-8)
      #expect(abs(Double(state.parameters[i]) - (Double(expected[i]) - d)) < 1e-6)
    }
  }

  @Test("a pipeline that needs no gradient evaluates none")
  func zerothOrderSkipsGradient() throws {
    let model = DiagonalQuadratic(
      eigenvalues: [-1, 0.5, 2, 1], start: [0.01, 0.2, -0.1, 0.3])
    let optimizer = Optimizer {
      RandomSubspaceRitz(probes: 2)
      NegativeCurvatureStep(size: .fixed(0.05))
    }.withoutGradient()
    var state = optimizer.makeState(for: model, seed: 3)
    for _ in 0..<4 { try optimizer.step(&state, model: model) }
    #expect(state.evaluations.gradients == 0)
    #expect(state.evaluations.losses > 0)
    #expect(state.parameters.isFinite)
    // The negative-curvature move along the first axis escapes: |θ₀| grows.
    #expect(abs(state.parameters[0]) > 0.03)
    // The same pipeline with gradients pays one per step.
    let withGradient = Optimizer {
      RandomSubspaceRitz(probes: 2)
      NegativeCurvatureStep(size: .fixed(0.05))
    }
    var other = withGradient.makeState(for: model, seed: 3)
    for _ in 0..<4 { try withGradient.step(&other, model: model) }
    #expect(other.evaluations.gradients == 4)
  }

  @Test("an erased pipeline is planned once, on its first step, and the plan is reused")
  func plannedOnce() throws {
    let model = DiagonalQuadratic(
      eigenvalues: (0..<300).map { 0.5 + Double($0 % 7) }, start: Array(repeating: 0.5, count: 300))
    var registry = Registry.core
    registry.register(rule: "flip-small") { p in
      FlipSmall(threshold: try p.double("threshold", default: 0.1, in: .atLeast(0)))
    }
    let spec =
      #"[{"stage":"weight-decay","rate":0.01},{"stage":"flip-small"},"#
      + #"{"stage":"adam","learningRate":0.01},{"stage":"scale","factor":2,"after":3}]"#
    let optimizer = try registry.optimizer(fromJSON: spec)
    var state = optimizer.makeState(for: model, seed: 1)
    #expect(state.context.program == nil)
    try optimizer.step(&state, model: model)
    let planned = try #require(state.context.program)
    for _ in 0..<10 { try optimizer.step(&state, model: model) }
    #expect(state.context.program === planned)
    #expect(state.context.passCount == 1)
    // The stages' state boxes are updated in place, not copied each step.
    let boxes = state.rule.map(\.storageIdentity)
    try optimizer.step(&state, model: model)
    #expect(state.rule.map(\.storageIdentity) == boxes)
    // A copy of the state (a snapshot) still gets its own boxes when it steps.
    var snapshot = state
    try optimizer.step(&snapshot, model: model)
    #expect(snapshot.rule.map(\.storageIdentity) != boxes)
    #expect(state.rule.map(\.storageIdentity) == boxes)
    // Changing the stages replans.
    var changed = optimizer
    changed.rule.stages.removeLast()
    try changed.step(&state, model: model)
    #expect(state.context.program !== planned)
  }
}

/// A user rule for the tests: flips the sign of direction elements smaller than a threshold.
struct FlipSmall: ElementwiseUpdateRule {
  var threshold: Double

  func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel {
    Kernel(threshold: Float(threshold))
  }

  struct Kernel: ElementwiseKernel {
    let threshold: Float
    func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction.replace(with: -direction, where: abs(direction) .< threshold)
    }
    func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      if abs(direction) < threshold { direction = -direction }
    }
  }
}

private func abs(_ x: SIMD8<Float>) -> SIMD8<Float> {
  var r = x
  r.replace(with: -x, where: x .< 0)
  return r
}
