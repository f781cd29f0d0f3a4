extension Registry {
  /// Registers the seed papers' algorithms as their papers wrote them (issue 11): zeroth-order
  /// NCF, super-epoch SSRGD, compressed SGD with noise, the constrained second-order method.
  mutating func registerSeedMethods() {
    registerZerothOrder()
    registerSSRGD()
    registerNoisyCompressedSGD()
  }

  static func zerothOrderGradient(_ p: StageParameters) throws(SpecError) -> ZerothOrderGradient {
    let kind = try p.choice("estimator", default: "coordinate", from: ["coordinate", "gaussian"])
    let samples = try p.int("samples", default: 10, in: .closed(1, 100_000))
    let smoothing = try p.double("smoothing", default: 1e-3, in: .greaterThan(0))
    return ZerothOrderGradient(
      kind == "coordinate" ? .coordinate : .gaussian(samples: samples), smoothing: smoothing)
  }

  static func zerothOrderSearch(_ p: StageParameters) throws(SpecError) -> ZerothOrderNCFSearch {
    ZerothOrderNCFSearch(
      hvp: ZerothOrderHessianVectorProduct(
        smoothing: try p.double("hvpSmoothing", default: 1e-3, in: .greaterThan(0)),
        radius: try p.double("hvpRadius", default: 1e-2, in: .greaterThan(0))),
      iterations: try p.int("iterations", default: 20, in: .closed(1, 10_000)),
      rate: try p.double("rate", default: 0.1, in: .greaterThan(0)))
  }

  mutating func registerZerothOrder() {
    register(
      estimator: "zo-ncf-search",
      summary: "ZO-NCF: NEON power iteration with zeroth-order HVPs (Zhang, Xiong & Gu 2022)"
    ) { p in try Registry.zerothOrderSearch(p) }
    register(
      preset: "zo-ncf",
      summary: "zeroth-order GD + ZO-NCF, function values only (Zhang, Xiong & Gu 2022)"
    ) { p in
      Optimizer(
        rule: ZerothOrderNCF(
          learningRate: try p.learningRate(default: 1e-2),
          gradient: try Registry.zerothOrderGradient(p),
          gradientThreshold: try p.double("gradientThreshold", default: 1e-3, in: .atLeast(0)),
          search: try Registry.zerothOrderSearch(p),
          curvatureThreshold: try p.double("curvatureThreshold", default: 1e-2, in: .atLeast(0)),
          size: try Registry.stepSize(p, default: 0.1)))
    }
  }
}

extension Registry {
  mutating func registerSSRGD() {
    register(
      preset: "ssrgd",
      summary: "SSRGD with super-epochs, f_thres/t_thres, finite-sum or online (Li 2019)"
    ) { p in
      let form = try p.choice("form", default: "finite-sum", from: ["finite-sum", "online"])
      let batch = try p.int("batchSize", default: 100, in: .atLeast(1))
      return Optimizer(
        rule: SSRGD(
          learningRate: try p.learningRate(default: 1e-2),
          epochLength: try p.int("epochLength", default: 10, in: .atLeast(1)),
          randomEpochLength: try p.bool("randomEpochLength", default: true),
          minibatchSize: try p.int("minibatchSize", default: 1, in: .atLeast(1)),
          form: form == "online" ? .online(batchSize: batch) : .finiteSum,
          gradientThreshold: try p.double("gradientThreshold", default: 1e-3, in: .atLeast(0)),
          radius: try p.double("radius", default: 1e-2, in: .atLeast(0)),
          escapeThreshold: try p.double("escapeThreshold", default: 1e-4, in: .greaterThan(0)),
          escapeSteps: try p.int("escapeSteps", default: 100, in: .atLeast(1))))
    }
  }
}

extension Registry {
  mutating func registerNoisyCompressedSGD() {
    register(
      preset: "compressed-sgd-noisy",
      summary: "compressed SGD + injected noise + periodic error reset (Avdiukhin & Yaroslavtsev)"
    ) { p in
      let k = try p.int("k", default: 1, in: .atLeast(1))
      let kind = try p.choice("compression", default: "top-k", from: ["top-k", "random-k"])
      let reset = try p.int("resetPeriod", default: 100, in: .atLeast(0))
      return Optimizer(
        rule: NoisyCompressedSGD(
          learningRate: try p.learningRate(default: 1e-2),
          compressor: kind == "top-k" ? .topK(k) : .randomK(k),
          noise: try p.double("noise", default: 1e-2, in: .atLeast(0)),
          errorFeedback: try p.bool("errorFeedback", default: kind == "top-k"),
          resetPeriod: reset == 0 ? nil : reset))
    }
  }
}
