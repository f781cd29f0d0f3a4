extension Registry {
  /// The stages of SaddleCore: update rules, estimators and presets. ``Registry/standard``
  /// (in SaddleModels) adds the problems and models.
  public static let core: Registry = {
    var registry = Registry()
    registry.registerClassicRules()
    return registry
  }()

  /// Registers SGD, momentum, Adam and the other classic rules, clipping and weight decay.
  public mutating func registerClassicRules() {
    register(rule: "sgd", summary: "d ← η·g (Robbins & Monro 1951)") { p in
      SGD(learningRate: try p.learningRate(default: 0.01))
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
  }
}
