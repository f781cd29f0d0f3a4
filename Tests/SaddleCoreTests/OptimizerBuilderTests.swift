import Foundation
import SaddleCore
import Testing

@Suite("Optimizer builder")
struct OptimizerBuilderTests {
  @Test("consecutive elementwise stages fuse into one FusedChain")
  func fusesElementwiseStages() {
    let optimizer = Optimizer {
      SGD(learningRate: 0.1)
      Adam(learningRate: 0.01)
      SGD(learningRate: 1)
    }
    #expect(
      type(of: optimizer.rule) == FusedChain<FusedChain<SGD, Adam>, SGD>.self)
  }

  @Test("an estimator is lifted into a stage and elementwise stages after it still fuse")
  func liftsEstimators() {
    let optimizer = Optimizer {
      ConstantEstimator(curvature: -1)
      Adam()
      SGD(learningRate: 1)
    }
    #expect(
      type(of: optimizer.rule)
        == Chain<EstimatorStage<ConstantEstimator>, FusedChain<Adam, SGD>>.self)
  }

  @Test("if, if/else and for build Optional, Either and StageArray stages; elementwise ones fuse")
  func controlFlow() {
    let useAdam = true
    let extra: [any UpdateRule] = [SGD(learningRate: 1), SGD(learningRate: 2)]
    let optimizer = Optimizer {
      if useAdam { Adam() }
      if !useAdam { SGD(learningRate: 0.1) } else { Adam() }
      for stage in extra { AnyUpdateRule(stage) }
    }
    #expect(
      type(of: optimizer.rule)
        == Chain<FusedChain<Adam?, Either<SGD, Adam>>, StageArray<AnyUpdateRule>>.self)
  }

  @Test("SGD through the builder equals θ − ηλθ on a quadratic")
  func sgdStep() throws {
    let model = DiagonalQuadratic(eigenvalues: [1, 2, 3], start: [1, 1, 1])
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    // θ₁ = θ₀ − 0.1·λθ₀ = 1 − 0.1λ, exact in float up to one rounding.
    #expect(state.parameters.array == [0.9, 0.8, Float(1 - 0.1 * 3.0)])
    #expect(state.evaluations.gradients == 1)
    #expect(state.step == 1)
  }

  @Test("a fused chain gives the same bits as the same stages run one by one")
  func fusedEqualsSequential() throws {
    let n = 1000
    let model = DiagonalQuadratic(
      eigenvalues: (0..<n).map { 0.5 + Double($0) / 100 },
      start: (0..<n).map { Float(sin(Double($0))) })
    let fused = Optimizer {
      Adam(learningRate: 0.01)
      SGD(learningRate: 0.5)
    }
    let sequential = Optimizer(rule: Chain(Adam(learningRate: 0.01), SGD(learningRate: 0.5)))
    var a = fused.makeState(for: model)
    var b = sequential.makeState(for: model)
    for _ in 0..<5 {
      try fused.step(&a, model: model)
      try sequential.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }
}

@Suite("Type-erased estimators")
struct AnyCurvatureEstimatorTests {
  @Test("an erased dimer gives the same bits as the dimer itself, and resumes through JSON")
  func erasedDimerMatches() throws {
    let model = DiagonalQuadratic(eigenvalues: [2, 1, -0.5, 3], start: [0.1, -0.2, 0.01, 0.3])
    let plain = Optimizer {
      Dimer(separation: 1e-3, rotations: 2).every(2)
      NegativeCurvatureStep(size: .fixed(0.05))
      SGD(learningRate: 0.1)
    }
    let chosen: any CurvatureEstimator = Dimer(separation: 1e-3, rotations: 2)
    let erased = Optimizer {
      AnyCurvatureEstimator(chosen).every(2)
      NegativeCurvatureStep(size: .fixed(0.05))
      SGD(learningRate: 0.1)
    }
    var a = plain.makeState(for: model, seed: 5)
    var b = erased.makeState(for: model, seed: 5)
    for _ in 0..<6 {
      try plain.step(&a, model: model)
      try erased.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
    // Through a checkpoint: encode, decode (state pending as JSON), continue.
    let data = try JSONEncoder().encode(b)
    var c = try JSONDecoder().decode(type(of: b), from: data)
    for _ in 0..<4 {
      try plain.step(&a, model: model)
      try erased.step(&c, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: c.parameters))
  }
}
