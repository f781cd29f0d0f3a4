import Foundation
import SaddleCore
import Testing

/// Runs `steps` steps of two optimizers from the same start and tells whether they end on the
/// same bits.
func sameBits<A: UpdateRule, B: UpdateRule, M: Model>(
  _ a: Optimizer<A>, _ b: Optimizer<B>, on model: M, steps: Int = 6
) throws -> Bool {
  var x = a.makeState(for: model)
  var y = b.makeState(for: model)
  for _ in 0..<steps {
    try a.step(&x, model: model)
    try b.step(&y, model: model)
    if !x.parameters.isBitwiseEqual(to: y.parameters) { return false }
  }
  return true
}

/// Compares an optimizer with the same stages run as a separate pass followed by the final
/// `θ ← θ − d` pass (``Identity`` after a ``Chain`` keeps them apart).
struct SeparateUpdatePass<M: Model>: OptimizerVisitor {
  var model: M

  func visit<R: UpdateRule>(_ optimizer: Optimizer<R>) throws -> Bool {
    try sameBits(optimizer, Optimizer(rule: Chain(optimizer.rule, Identity())), on: model)
  }
}

/// Chains of rules, fused by the builder, against the same stages run one pass each.
enum FusionCase: String, CaseIterable, Sendable {
  case weightDecayAdamScaleScale, momentumClipScale, nesterovWeightDecay, adamWScale
  case rmsPropClip, adagradScale, lionScale

  func fusedEqualsSequential<M: Model>(on model: M) throws -> Bool {
    switch self {
    case .weightDecayAdamScaleScale:
      let fused = Optimizer {
        WeightDecay(rate: 0.01)
        Adam(learningRate: 0.01)
        Scale(factor: 0.5)
        Scale(factor: 3)
      }
      let sequential = Optimizer(
        rule: Chain(
          Chain(Chain(WeightDecay(rate: 0.01), Adam(learningRate: 0.01)), Scale(factor: 0.5)),
          Scale(factor: 3)))
      return try sameBits(fused, sequential, on: model)
    case .momentumClipScale:
      let fused = Optimizer {
        Momentum(learningRate: 0.05)
        ClipByValue(limit: 0.02)
        Scale(factor: 0.5)
      }
      let sequential = Optimizer(
        rule: Chain(
          Chain(Momentum(learningRate: 0.05), ClipByValue(limit: 0.02)), Scale(factor: 0.5)))
      return try sameBits(fused, sequential, on: model)
    case .nesterovWeightDecay:
      let fused = Optimizer {
        Nesterov(learningRate: 0.05)
        WeightDecay(rate: 0.1)
      }
      let sequential = Optimizer(
        rule: Chain(Nesterov(learningRate: 0.05), WeightDecay(rate: 0.1)))
      return try sameBits(fused, sequential, on: model)
    case .adamWScale:
      let fused = Optimizer {
        AdamW(learningRate: 0.05, weightDecay: 0.1)
        Scale(factor: -0.5)
      }
      let sequential = Optimizer(
        rule: Chain(AdamW(learningRate: 0.05, weightDecay: 0.1), Scale(factor: -0.5)))
      return try sameBits(fused, sequential, on: model)
    case .rmsPropClip:
      let fused = Optimizer {
        RMSProp(learningRate: 0.01)
        ClipByValue(limit: 0.05)
      }
      let sequential = Optimizer(
        rule: Chain(RMSProp(learningRate: 0.01), ClipByValue(limit: 0.05)))
      return try sameBits(fused, sequential, on: model)
    case .adagradScale:
      let fused = Optimizer {
        ClipByValue(limit: 0.5)
        Adagrad(learningRate: 0.1)
        Scale(factor: 0.25)
      }
      let sequential = Optimizer(
        rule: Chain(
          Chain(ClipByValue(limit: 0.5), Adagrad(learningRate: 0.1)), Scale(factor: 0.25)))
      return try sameBits(fused, sequential, on: model)
    case .lionScale:
      let fused = Optimizer {
        Lion(learningRate: 0.01, weightDecay: 0.1)
        Scale(factor: 2)
      }
      let sequential = Optimizer(
        rule: Chain(Lion(learningRate: 0.01, weightDecay: 0.1), Scale(factor: 2)))
      return try sameBits(fused, sequential, on: model)
    }
  }
}

@Suite("Fusion of the classic rules")
struct RuleFusionTests {
  /// 1003 parameters: 125 SIMD blocks and a 3-element scalar tail.
  static let model = QuarticSaddle(
    eigenvalues: (0..<1003).map { 2 * sin(Double($0)) },
    quartic: (0..<1003).map { 0.25 + 0.125 * cos(Double($0)) },
    start: (0..<1003).map { Float(1.5 * cos(0.7 * Double($0))) })

  @Test("the builder fuses every elementwise rule and keeps global-norm clipping apart")
  func builtTypes() {
    let fused = Optimizer {
      WeightDecay(rate: 0.01)
      Adam()
      Scale(factor: 0.5)
      Scale(factor: 2)
    }
    #expect(
      type(of: fused.rule)
        == FusedChain<FusedChain<FusedChain<WeightDecay, Adam>, Scale>, Scale>.self)
    let all = Optimizer {
      Momentum(learningRate: 0.1)
      Nesterov(learningRate: 0.1)
      AdamW()
      RMSProp()
      Adagrad()
      Lion()
      ClipByValue(limit: 1)
    }
    #expect(
      type(of: all.rule)
        == FusedChain<
          FusedChain<
            FusedChain<
              FusedChain<FusedChain<FusedChain<Momentum, Nesterov>, AdamW>, RMSProp>, Adagrad
            >, Lion
          >, ClipByValue
        >.self)
    let mixed = Optimizer {
      WeightDecay(rate: 0.01)
      ClipByGlobalNorm(maxNorm: 1)
      Adam()
      Scale(factor: 0.5)
    }
    #expect(
      type(of: mixed.rule)
        == Chain<Chain<WeightDecay, ClipByGlobalNorm>, FusedChain<Adam, Scale>>.self)
  }

  @Test(
    "a fused chain gives the same bits as its stages run one pass each",
    arguments: FusionCase.allCases)
  func fusedEqualsSequential(_ chain: FusionCase) throws {
    #expect(try chain.fusedEqualsSequential(on: Self.model))
  }

  @Test("fusion stays bitwise when the pass is split over two threads")
  func fusedEqualsSequentialInParallel() throws {
    // Above Kernels.parallelThreshold, so the fused pass runs in two chunks.
    let n = Kernels.parallelThreshold + 13
    let model = QuarticSaddle(
      eigenvalues: (0..<n).map { 2 * sin(Double($0)) },
      quartic: Array(repeating: 0.25, count: n),
      start: (0..<n).map { Float(cos(0.7 * Double($0))) })
    #expect(try FusionCase.weightDecayAdamScaleScale.fusedEqualsSequential(on: model))
  }

  @Test(
    "the fused final update equals a separate update pass",
    arguments: ClassicRuleCase.allCases)
  func fusedUpdateEqualsSeparatePass(_ rule: ClassicRuleCase) throws {
    #expect(try rule.accept(SeparateUpdatePass(model: Self.model)))
  }
}
