import SaddleCore

/// Something done with an optimizer whatever its (static) rule type: the cases below hand
/// their fully typed `Optimizer { … }` to a visitor, so tests stay generic without erasure.
protocol OptimizerVisitor {
  associatedtype Output
  func visit<R: UpdateRule>(_ optimizer: Optimizer<R>) throws -> Output
}

/// The optimizers of the float64 reference runs; names and hyperparameters match `CASES` in
/// `scripts/reference/classic_rules.py`.
enum ClassicRuleCase: String, CaseIterable, Sendable {
  case sgd, momentum, nesterov, adam, adamW, rmsProp, adagrad, lion
  case clipByValueSGD, clipByGlobalNormSGD, weightDecaySGD, adagradScale, adamWarmupCosine

  /// Whether every stage is elementwise (so the builder fuses the whole optimizer).
  var isElementwise: Bool { self != .clipByGlobalNormSGD }

  func accept<V: OptimizerVisitor>(_ visitor: V) throws -> V.Output {
    switch self {
    case .sgd: try visitor.visit(Optimizer { SGD(learningRate: 0.05) })
    case .momentum: try visitor.visit(Optimizer { Momentum(learningRate: 0.05, momentum: 0.9) })
    case .nesterov: try visitor.visit(Optimizer { Nesterov(learningRate: 0.05, momentum: 0.9) })
    case .adam: try visitor.visit(Optimizer { Adam(learningRate: 0.05) })
    case .adamW: try visitor.visit(Optimizer { AdamW(learningRate: 0.05, weightDecay: 0.1) })
    case .rmsProp: try visitor.visit(Optimizer { RMSProp(learningRate: 0.01) })
    case .adagrad: try visitor.visit(Optimizer { Adagrad(learningRate: 0.1) })
    case .lion: try visitor.visit(Optimizer { Lion(learningRate: 0.01, weightDecay: 0.1) })
    case .clipByValueSGD:
      try visitor.visit(
        Optimizer {
          ClipByValue(limit: 0.5)
          SGD(learningRate: 0.05)
        })
    case .clipByGlobalNormSGD:
      try visitor.visit(
        Optimizer {
          ClipByGlobalNorm(maxNorm: 1)
          SGD(learningRate: 0.1)
        })
    case .weightDecaySGD:
      try visitor.visit(
        Optimizer {
          WeightDecay(rate: 0.1)
          SGD(learningRate: 0.05)
        })
    case .adagradScale:
      try visitor.visit(
        Optimizer {
          Adagrad(learningRate: 0.1)
          Scale(factor: 0.5)
        })
    case .adamWarmupCosine:
      try visitor.visit(
        Optimizer { Adam(learningRate: .warmupCosine(0.05, warmup: 3, steps: 10, final: 0.1)) })
    }
  }
}

/// Runs `steps` steps on `model` and returns every iterate, the start included.
struct Trajectory<M: Model>: OptimizerVisitor {
  var model: M
  var steps: Int

  func visit<R: UpdateRule>(_ optimizer: Optimizer<R>) throws -> [[Float]] {
    var state = optimizer.makeState(for: model)
    var path = [state.parameters.array]
    for _ in 0..<steps {
      try optimizer.step(&state, model: model)
      path.append(state.parameters.array)
    }
    return path
  }
}
