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
  /// Each rule declares its parameters once, in its ``SchemaDeclaring`` extension (its
  /// `schema`, and `init(parameters:)` that checks every range before the initializer's
  /// preconditions could trap).
  public mutating func registerClassicRules() {
    register(SGD.self)
    register(Momentum.self)
    register(Nesterov.self)
    register(Adam.self)
    register(AdamW.self)
    register(RMSProp.self)
    register(Adagrad.self)
    register(Lion.self)
    register(NormalizedGradient.self)
    register(ClipByGlobalNorm.self)
    register(ClipByValue.self)
    register(WeightDecay.self)
    register(Scale.self)
    register(
      rule: StageSchema(
        "raw-gradient",
        summary: "d ← d: the step is the raw direction, θ ← θ − g at rate 1, said explicitly",
        scalesStep: true, parameters: [])
    ) { _ in
      Scale(factor: 1)
    }
  }
}
