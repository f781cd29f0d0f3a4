extension Registry {
  /// Registers the seed papers' algorithms as their papers wrote them (issue 11): zeroth-order
  /// NCF, super-epoch SSRGD, compressed SGD with noise, the constrained second-order method.
  mutating func registerSeedMethods() {
    registerZerothOrder()
    registerSSRGD()
    registerNoisyCompressedSGD()
    registerConstrainedSecondOrder()
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

extension Registry {
  mutating func registerConstrainedSecondOrder() {
    register(
      preset: "constrained-second-order",
      summary: "first-order phase to gap ≤ ε, then min q(u) on C ∩ {gᵀ(u−x)=0} (Mokhtari et al.)"
    ) { p in
      let kind = try p.choice("set", default: "box", from: ["box", "ball"])
      let lower = try p.double("lower", default: -1)
      let upper = try p.double("upper", default: 1)
      let radius = try p.double("radius", default: 1, in: .atLeast(0))
      guard lower <= upper else {
        throw SpecError(location: p.location, field: "upper", "\(upper) is below lower \(lower)")
      }
      let firstOrder = try p.choice(
        "firstOrder", default: "projected-gradient", from: ["projected-gradient", "frank-wolfe"])
      let eta = try p.double("learningRate", default: 0.1, in: .greaterThan(0))
      if firstOrder == "frank-wolfe" && eta > 1 {
        throw SpecError(
          location: p.location, field: "learningRate",
          "\(eta) is out of range for frank-wolfe (accepted: 0 < x ≤ 1)")
      }
      return Optimizer(
        rule: ConstrainedSecondOrder(
          set: kind == "box" ? .box(lower: lower, upper: upper) : .ball(radius: radius),
          firstOrder: firstOrder == "frank-wolfe" ? .frankWolfe : .projectedGradient,
          learningRate: eta,
          gapTolerance: try p.double("gapTolerance", default: 1e-3, in: .atLeast(0)),
          curvatureTolerance: try p.double("curvatureTolerance", default: 1e-3, in: .atLeast(0)),
          stepFraction: try Registry.unitFraction(p, "stepFraction", default: 0.5),
          exactFaceLimit: try p.int("exactFaceLimit", default: 8, in: .closed(0, 12)),
          hvp: try Registry.hvpMethod(p)))
    }
  }
}

extension Registry {
  /// Saddle-free Newton's `innerSteps` (subspace reuse, Dauphin et al. 2014's inner loop;
  /// algorithm numbering not verified).
  static func sfnInnerSteps(_ p: StageParameters) throws(SpecError) -> Int {
    try p.int("innerSteps", default: 1, in: .closed(1, 1_000_000))
  }

  /// Saddle-free Newton's Krylov start: `gradient`, `random` or `perturbed` (`startScale`).
  static func sfnStart(_ p: StageParameters) throws(SpecError) -> SaddleFreeNewton.Start {
    let kind = try p.choice(
      "start", default: "gradient", from: ["gradient", "random", "perturbed"])
    let scale = try p.double("startScale", default: 1, in: .atLeast(0))
    switch kind {
    case "random": return .random
    case "perturbed": return .perturbed(scale: scale)
    default: return .gradient
    }
  }
}

extension Registry {
  /// The `neon` search: `power` (normalized power iteration) or `oja` (NEON2, `startRadius`).
  static func neonSearch(_ p: StageParameters, radius: Double) throws(SpecError)
    -> NEONStep.Search
  {
    let kind = try p.choice("search", default: "power", from: ["power", "oja"])
    let sigma = try p.double("startRadius", default: radius * 1e-3, in: .greaterThan(0))
    guard kind == "oja" else { return .normalizedPower }
    guard sigma < radius else {
      throw SpecError(
        location: p.location, field: "startRadius",
        "\(sigma) is out of range (accepted: 0 < x < radius = \(radius))")
    }
    return .oja(startRadius: sigma)
  }
}

extension Registry {
  /// A fraction in `(0, 1]` (refused outside, with the range in the message).
  static func unitFraction(_ p: StageParameters, _ name: String, default value: Double)
    throws(SpecError) -> Double
  {
    let x = try p.double(name, default: value, in: .greaterThan(0))
    guard x <= 1 else {
      throw SpecError(
        location: p.location, field: name, "\(x) is out of range (accepted: 0 < x ≤ 1)")
    }
    return x
  }
}
