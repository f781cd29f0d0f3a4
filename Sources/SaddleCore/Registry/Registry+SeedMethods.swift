extension Registry {
  /// Registers the seed papers' algorithms as their papers wrote them (issue 11): zeroth-order
  /// NCF, super-epoch SSRGD, compressed SGD with noise, the constrained second-order method.
  /// Each declares its schema next to its type; the presets wrap the rule in an `Optimizer`.
  mutating func registerSeedMethods() {
    register(ZerothOrderNCFSearch.self)
    register(preset: ZerothOrderNCF.schema) { p in
      Optimizer(rule: try ZerothOrderNCF(parameters: p))
    }
    register(preset: SSRGD.schema) { p in Optimizer(rule: try SSRGD(parameters: p)) }
    register(preset: NoisyCompressedSGD.schema) { p in
      Optimizer(rule: try NoisyCompressedSGD(parameters: p))
    }
    register(preset: ConstrainedSecondOrder.schema) { p in
      Optimizer(rule: try ConstrainedSecondOrder(parameters: p))
    }
  }
}
