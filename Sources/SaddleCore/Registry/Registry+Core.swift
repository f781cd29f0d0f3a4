extension Registry {
  /// The stages of SaddleCore: update rules, estimators and presets. ``Registry/standard``
  /// (in SaddleModels) adds the problems and models.
  public static let core: Registry = {
    var registry = Registry()
    registry.registerClassicRules()
    registry.registerEscapeMethods()
    return registry
  }()

  /// Registers SGD, momentum, Adam and the other classic rules, clipping and weight decay.
  ///
  /// Every parameter's accepted range is checked here, before the rule's initializer (whose
  /// preconditions would otherwise trap).
  public mutating func registerClassicRules() {
    register(rule: "sgd", summary: "d ← η·g (Robbins & Monro 1951)") { p in
      SGD(learningRate: try p.learningRate(default: 0.01))
    }
    register(rule: "momentum", summary: "heavy ball: b ← μb + g, d ← η·b (Polyak 1964; PyTorch)") {
      p in
      Momentum(
        learningRate: try p.learningRate(default: 0.01),
        momentum: try p.double("momentum", default: 0.9, in: .halfOpen(0, 1)))
    }
    register(
      rule: "nesterov", summary: "b ← μb + g, d ← η(g + μb) (Nesterov 1983; PyTorch nesterov=True)"
    ) { p in
      Nesterov(
        learningRate: try p.learningRate(default: 0.01),
        momentum: try p.double("momentum", default: 0.9, in: .halfOpen(0, 1)))
    }
    register(
      rule: "adam",
      summary: "bias-corrected moments, d ← η·m̂/(√v̂ + ε) (Kingma & Ba 2015; PyTorch/optax)"
    ) { p in
      Adam(
        learningRate: try p.learningRate(default: 1e-3),
        beta1: try p.double("beta1", default: 0.9, in: .halfOpen(0, 1)),
        beta2: try p.double("beta2", default: 0.999, in: .halfOpen(0, 1)),
        epsilon: try p.double("epsilon", default: 1e-8, in: .greaterThan(0)))
    }
    register(
      rule: "adamw",
      summary: "Adam with decoupled weight decay, d ← η(adam + λθ) (Loshchilov & Hutter 2019)"
    ) { p in
      AdamW(
        learningRate: try p.learningRate(default: 1e-3),
        beta1: try p.double("beta1", default: 0.9, in: .halfOpen(0, 1)),
        beta2: try p.double("beta2", default: 0.999, in: .halfOpen(0, 1)),
        epsilon: try p.double("epsilon", default: 1e-8, in: .greaterThan(0)),
        weightDecay: try p.double("weightDecay", default: 1e-2, in: .atLeast(0)))
    }
    register(rule: "rmsprop", summary: "v ← αv + (1−α)g², d ← η·g/(√v + ε) (Hinton 2012; PyTorch)")
    { p in
      RMSProp(
        learningRate: try p.learningRate(default: 1e-2),
        alpha: try p.double("alpha", default: 0.99, in: .halfOpen(0, 1)),
        epsilon: try p.double("epsilon", default: 1e-8, in: .greaterThan(0)),
        epsilonInsideRoot: try p.bool("epsilonInsideRoot", default: false),
        centered: try p.bool("centered", default: false))
    }
    register(rule: "adagrad", summary: "s ← s + g², d ← η·g/(√s + ε) (Duchi et al. 2011; PyTorch)")
    { p in
      Adagrad(
        learningRate: try p.learningRate(default: 1e-2),
        epsilon: try p.double("epsilon", default: 1e-10, in: .greaterThan(0)),
        initialAccumulatorValue: try p.double(
          "initialAccumulatorValue", default: 0, in: .atLeast(0)),
        epsilonInsideRoot: try p.bool("epsilonInsideRoot", default: false))
    }
    register(rule: "lion", summary: "d ← η(sign(β₁m + (1−β₁)g) + λθ) (Chen et al. 2023)") { p in
      Lion(
        learningRate: try p.learningRate(default: 1e-4),
        beta1: try p.double("beta1", default: 0.9, in: .halfOpen(0, 1)),
        beta2: try p.double("beta2", default: 0.99, in: .halfOpen(0, 1)),
        weightDecay: try p.double("weightDecay", default: 0, in: .atLeast(0)))
    }
    register(rule: "clip-norm", summary: "d ← d·min(1, c/‖d‖) (clip by global norm)") { p in
      ClipByGlobalNorm(maxNorm: try p.double("maxNorm", default: 1, in: .greaterThan(0)))
    }
    register(rule: "clip-value", summary: "d ← clamp(d, −c, c)") { p in
      ClipByValue(limit: try p.double("limit", default: 1, in: .greaterThan(0)))
    }
    register(rule: "weight-decay", summary: "d ← d + λθ (coupled L2)") { p in
      WeightDecay(rate: try p.double("rate", default: 1e-4, in: .atLeast(0)))
    }
    register(
      rule: "scale", summary: "d ← s·d (sets the step's size: counts as scaling it)",
      scalesStep: true
    ) {
      p in
      Scale(factor: try p.double("factor", default: 1))
    }
    register(
      rule: "raw-gradient",
      summary: "d ← d: the step is the raw direction, θ ← θ − g at rate 1, said explicitly",
      scalesStep: true
    ) { _ in
      Scale(factor: 1)
    }
  }
}
