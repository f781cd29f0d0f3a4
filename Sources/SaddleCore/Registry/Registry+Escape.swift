extension Registry {
  /// Registers the curvature estimators, the escape rules and the presets of the seed papers.
  public mutating func registerEscapeMethods() {
    registerEstimators()
    registerEscapeRules()
    registerPresets()
    registerSeedMethods()
  }

  static func hvpMethod(_ p: StageParameters) throws(SpecError) -> HVPMethod {
    switch try p.choice(
      "hvp", default: "automatic", from: ["automatic", "exact", "finite-difference"])
    {
    case "exact": return .exact
    case "finite-difference":
      return .finiteDifference(step: try p.double("hvpStep", default: 1e-3, in: .greaterThan(0)))
    default: return .automatic
    }
  }

  static func dimer(
    _ p: StageParameters, separation: Double = 1e-3, differences: String = "forward",
    rotation defaultRotation: String = "gradient-step", conjugate defaultConjugate: Bool = false
  )
    throws(SpecError) -> Dimer
  {
    if p.isDescribing {
      p.declare("trialAngle", default: "π/4 (optimal-angle only)", accepted: "0 < x < π/2")
      p.declare("minimumForce", default: "0 (optimal-angle only)", accepted: "≥ 0")
      p.declare("maximumForce", default: "0 (optimal-angle only)", accepted: "≥ 0")
    }
    let rotation: Dimer.Rotation
    let mode = try p.choice(
      "rotation", default: defaultRotation, from: ["gradient-step", "optimal-angle"])
    let conjugate = try p.bool("conjugate", default: defaultConjugate)
    if conjugate && mode != "optimal-angle" && !p.isDescribing {
      throw SpecError(
        location: p.location, field: "conjugate",
        "conjugate rotations need \"rotation\": \"optimal-angle\" (got \"\(mode)\")")
    }
    switch mode {
    case "optimal-angle":
      rotation = .optimalAngle(
        trialAngle: try p.double("trialAngle", default: .pi / 4, in: .open(0, .pi / 2)),
        minimumForce: try p.double("minimumForce", default: 0, in: .atLeast(0)),
        maximumForce: try p.double("maximumForce", default: 0, in: .atLeast(0)))
    default:
      rotation = .gradientStep(
        rate: try p.double("rotationRate", default: 0.1, in: .greaterThan(0)))
    }
    return Dimer(
      separation: try p.double("separation", default: separation, in: .greaterThan(0)),
      rotations: try p.int("rotations", default: 1, in: .closed(0, 1000)),
      rotation: rotation,
      differences: try p.choice("differences", default: differences, from: ["central", "forward"])
        == "central" ? .central : .forward,
      scope: try p.choice("scope", default: "global", from: ["global", "per-segment"]) == "global"
        ? .global : .perSegment, conjugate: conjugate && mode == "optimal-angle")
  }

  /// The corrected DEO family's dimer: conjugate optimal-angle rotations (the default chosen
  /// by `saddle bench estimators` and the spectrum-saddle study; `Guides/EscapeMethods.md`).
  static func deoDimer(_ p: StageParameters) throws(SpecError) -> Dimer {
    try dimer(p, rotation: "optimal-angle", conjugate: true)
  }

  /// The corrected DEO family's period: a dimer call every step by default.
  static func deoPeriod(_ p: StageParameters) throws(SpecError) -> Int {
    try p.int("period", default: Presets.defaultPeriod, in: .atLeast(1))
  }

  /// The corrected DEO family's negative-curvature step (`stepSize` 0.1 by default).
  static func deoStep(_ p: StageParameters) throws(SpecError) -> NegativeCurvatureStep {
    NegativeCurvatureStep(
      size: try stepSize(p, default: Presets.defaultStepSize),
      threshold: try p.double("threshold", default: 0, in: .atLeast(0)))
  }

  static func stepSize(_ p: StageParameters, default value: Double = 1e-2) throws(SpecError)
    -> NegativeCurvatureStep.Size
  {
    if p.isDescribing {
      p.declare(
        "stepScale", default: "none (instead of stepSize)", accepted: "≥ 0: size = stepScale·|C|")
    }
    if p.has("stepScale") && p.has("stepSize") {
      throw SpecError(
        location: p.location, field: "stepScale", "give stepSize or stepScale, not both")
    }
    if p.has("stepScale") {
      return .proportional(scale: try p.double("stepScale", in: .atLeast(0)))
    }
    return .fixed(try p.double("stepSize", default: value, in: .atLeast(0)))
  }

  mutating func registerEstimators() {
    register(
      estimator: "dimer",
      summary: "minimum-curvature direction from gradient differences (Henkelman & Jónsson 1999)"
    ) { p in try Registry.dimer(p, differences: "central") }
    register(
      estimator: "power-iteration",
      summary: "shifted power iteration on σI − H with finite-difference or exact HVPs"
    ) { p in
      PowerIteration(
        iterations: try p.int("iterations", default: 10, in: .closed(1, 10_000)),
        hvp: try Registry.hvpMethod(p))
    }
    register(estimator: "lanczos", summary: "k-step Lanczos, reorthogonalized; minimum Ritz pair") {
      p in
      Lanczos(
        rank: try p.int("rank", default: 10, in: .closed(1, 1000)), hvp: try Registry.hvpMethod(p))
    }
    register(
      estimator: "random-probe",
      summary: "Rayleigh quotients along random directions, most negative refined; Hutchinson trace"
    ) { p in
      RandomProbe(
        probes: try p.int("probes", default: 8, in: .closed(1, 10_000)),
        refinements: try p.int("refinements", default: 2, in: .closed(0, 1000)),
        hvp: try Registry.hvpMethod(p))
    }
    register(
      estimator: "random-subspace-ritz",
      summary: "Rayleigh–Ritz on loss second differences in a random subspace (loss values only)"
    ) { p in
      RandomSubspaceRitz(
        probes: try p.int("probes", default: 4, in: .closed(1, 10_000)),
        smoothing: try p.double("smoothing", default: 1e-2, in: .greaterThan(0)))
    }
  }

  mutating func registerEscapeRules() {
    register(
      rule: "project-out-minimum-curvature",
      summary: "DEO projection d ← d − α(d·N)N (alone it removes the escape direction)"
    ) { p in
      ProjectOutMinimumCurvature(
        strength: try p.double("strength", default: 1, in: .closed(0, 10)),
        when: try p.choice("when", default: "always", from: ["always", "negative"]) == "always"
          ? .always : .negative)
    }
    register(
      rule: "negative-curvature-step",
      summary: "θ ← θ − s·sign(g·N)·N when C < −ε (size fixed, or stepScale·|C|)"
    ) { p in
      NegativeCurvatureStep(
        size: try Registry.stepSize(p),
        threshold: try p.double("threshold", default: 0, in: .atLeast(0)))
    }
    register(
      rule: "dimer-reference-step",
      summary: "DEO reference code: θ ← θ + s(g·N)N when g·N < 0 (raises the loss to first order)"
    ) { p in
      DimerReferenceStep(strength: try p.double("strength", default: 0.1, in: .atLeast(0)))
    }
    register(
      rule: "perturbation",
      summary:
        "PGD: add ξ ~ U(ball(r)) when ‖g‖ ≤ g_thres, at most every t_thres steps (Jin et al. 2017)"
    ) { p in
      PerturbedGradient(
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: try p.double("radius", default: 1e-2, in: .atLeast(0)),
        waitingSteps: try p.int("waitingSteps", default: 10, in: .atLeast(0)))
    }
    register(
      rule: "perturbed-recursive-gradient",
      summary: "SARAH recursive estimator + PGD trigger on ‖v‖ (simplified SSRGD, not Li 2019's)"
    ) { p in
      PerturbedRecursiveGradient(
        refreshPeriod: try p.int("refreshPeriod", default: 10, in: .atLeast(1)),
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: try p.double("radius", default: 1e-2, in: .atLeast(0)),
        waitingSteps: try p.int("waitingSteps", default: 10, in: .atLeast(0)))
    }
    register(
      rule: "saddle-free-newton",
      summary: "−|H|⁻¹g in a Lanczos subspace, damping by lowest loss (Dauphin et al. 2014)",
      scalesStep: true
    ) { p in
      SaddleFreeNewton(
        rank: try p.int("rank", default: 10, in: .closed(1, 1000)),
        dampings: try p.doubles("dampings", default: [1e-3, 1e-2, 1e-1, 1], in: .greaterThan(0)),
        hvp: try Registry.hvpMethod(p), innerSteps: try Registry.sfnInnerSteps(p),
        start: try Registry.sfnStart(p))
    }
    register(rule: "sam", summary: "gradient at θ + ρg/‖g‖ (Foret et al. 2021)") { p in
      SAM(
        radius: try p.double("radius", default: 0.05, in: .atLeast(0)),
        adaptive: try p.bool("adaptive", default: false))
    }
    register(
      rule: "compress",
      summary: "top-k / random-k compression with error feedback (Karimireddy et al. 2019)"
    ) { p in
      let k = try p.int("k", default: 1, in: .atLeast(1))
      let kind = try p.choice("compression", default: "top-k", from: ["top-k", "random-k"])
      return CompressedGradient(
        kind == "top-k" ? .topK(k) : .randomK(k),
        errorFeedback: try p.bool("errorFeedback", default: true))
    }
    register(rule: "project-box", summary: "keep θ in the box [lower, upper]") { p in
      let lower = try p.double("lower", default: -1)
      let upper = try p.double("upper", default: 1)
      guard lower <= upper else {
        throw SpecError(location: p.location, field: "upper", "\(upper) is below lower \(lower)")
      }
      return ProjectOntoConvexSet(.box(lower: Float(lower), upper: Float(upper)))
    }
    register(rule: "project-ball", summary: "keep θ in the ball ‖θ‖ ≤ r") { p in
      ProjectOntoConvexSet(.ball(radius: try p.double("radius", default: 1, in: .atLeast(0))))
    }
    register(rule: "project-simplex", summary: "keep θ in the probability simplex") { _ in
      ProjectOntoConvexSet(.simplex)
    }
    register(
      rule: "neon",
      summary: "normalized power iteration on gradient differences, or NEON2's Oja search"
    ) { p in
      let radius = try p.double("radius", default: 1e-3, in: .greaterThan(0))
      return NEONStep(
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: radius,
        iterations: try p.int("iterations", default: 10, in: .closed(1, 10_000)),
        rate: try p.double("rate", default: 0.1, in: .greaterThan(0)),
        size: try Registry.stepSize(p), search: try Registry.neonSearch(p, radius: radius))
    }
  }

  mutating func registerPresets() {
    register(
      preset: "deo-sgd",
      summary: "corrected DEO: dimer.every(k) → project (C<0) → SGD → negative-curvature step"
    ) { p in
      Presets.deoSGD(
        learningRate: try p.learningRate(default: 1e-2),
        period: try Registry.deoPeriod(p), dimer: try Registry.deoDimer(p),
        step: try Registry.deoStep(p))
    }
    register(
      preset: "deo-adam",
      summary: "corrected DEO: dimer.every(k) → project (C<0) → Adam → negative-curvature step"
    ) { p in
      Presets.deoAdam(
        learningRate: try p.learningRate(default: 1e-3),
        period: try Registry.deoPeriod(p), dimer: try Registry.deoDimer(p),
        step: try Registry.deoStep(p))
    }
    register(
      preset: "deo-adamw",
      summary: "corrected DEO over AdamW (decoupled weight decay)"
    ) { p in
      Presets.deo(
        base: AdamW(
          learningRate: try p.learningRate(default: 1e-3),
          weightDecay: try p.double("weightDecay", default: 1e-2, in: .atLeast(0))),
        period: try Registry.deoPeriod(p), dimer: try Registry.deoDimer(p),
        step: try Registry.deoStep(p))
    }
    register(
      preset: "deo-reference",
      summary: "DEO as its reference code: per-segment dimer → θ += s(g·N)N if g·N<0 → base rule"
    ) { p in
      let eta = try p.learningRate(default: 1e-3)
      let strength = try p.double("strength", default: 0.1, in: .atLeast(0))
      let period = try p.int("period", default: 10, in: .atLeast(1))
      let separation = try p.double("separation", default: 1e-4, in: .greaterThan(0))
      let rate = try p.double("rotationRate", default: 0.1, in: .greaterThan(0))
      let useAdam = try p.choice("base", default: "adam", from: ["adam", "sgd"]) == "adam"
      return Optimizer {
        if useAdam {
          Presets.deoReference(
            base: Adam(learningRate: eta), period: period, separation: separation,
            rotationRate: rate, strength: strength
          ).rule
        } else {
          Presets.deoReference(
            base: SGD(learningRate: eta), period: period, separation: separation,
            rotationRate: rate, strength: strength
          ).rule
        }
      }
    }
    register(
      preset: "dimer-nc-sgd",
      summary: "dimer.every(k) → SGD → negative-curvature step (no projection)"
    ) { p in
      let dimer = try Registry.deoDimer(p)
      let period = try Registry.deoPeriod(p)
      let eta = try p.learningRate(default: 1e-2)
      let step = try Registry.deoStep(p)
      return Optimizer {
        dimer.every(period)
        SGD(learningRate: eta)
        step
      }
    }
    register(
      preset: "saddle-free-newton",
      summary: "saddle-free Newton in a Krylov subspace (Dauphin et al. 2014)"
    ) { p in
      Presets.saddleFreeNewton(
        rank: try p.int("rank", default: 10, in: .closed(1, 1000)),
        dampings: try p.doubles("dampings", default: [1e-3, 1e-2, 1e-1, 1], in: .greaterThan(0)),
        hvp: try Registry.hvpMethod(p), innerSteps: try Registry.sfnInnerSteps(p),
        start: try Registry.sfnStart(p))
    }
    register(preset: "perturbed-gd", summary: "perturbed gradient descent (Jin et al. 2017)") {
      p in
      Presets.perturbedGD(
        learningRate: try p.learningRate(default: 1e-2),
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: try p.double("radius", default: 1e-2, in: .atLeast(0)),
        waitingSteps: try p.int("waitingSteps", default: 10, in: .atLeast(0)))
    }
    register(
      preset: "perturbed-recursive-gd",
      summary: "recursive gradients + PGD trigger + SGD (simplified; `ssrgd` is Li 2019's)"
    ) { p in
      Presets.perturbedRecursiveGD(
        learningRate: try p.learningRate(default: 1e-2),
        refreshPeriod: try p.int("refreshPeriod", default: 10, in: .atLeast(1)),
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: try p.double("radius", default: 1e-2, in: .atLeast(0)),
        waitingSteps: try p.int("waitingSteps", default: 10, in: .atLeast(0)))
    }
    register(
      preset: "neon-gd",
      summary: "GD + negative-curvature search (normalized power, or NEON2's Oja) when ‖g‖ small"
    ) { p in
      let radius = try p.double("radius", default: 1e-3, in: .greaterThan(0))
      return Presets.neonGD(
        learningRate: try p.learningRate(default: 1e-2),
        threshold: try p.double("threshold", default: 1e-3, in: .atLeast(0)),
        radius: radius,
        iterations: try p.int("iterations", default: 10, in: .closed(1, 10_000)),
        rate: try p.double("rate", default: 0.1, in: .greaterThan(0)),
        size: try Registry.stepSize(p), search: try Registry.neonSearch(p, radius: radius))
    }
    register(preset: "sam-sgd", summary: "SAM over SGD (Foret et al. 2021)") { p in
      Presets.samSGD(
        learningRate: try p.learningRate(default: 1e-2),
        radius: try p.double("radius", default: 0.05, in: .atLeast(0)),
        adaptive: try p.bool("adaptive", default: false))
    }
    register(preset: "compressed-sgd", summary: "top-k SGD with error feedback") { p in
      let k = try p.int("k", default: 1, in: .atLeast(1))
      let kind = try p.choice("compression", default: "top-k", from: ["top-k", "random-k"])
      return Presets.compressedSGD(
        learningRate: try p.learningRate(default: 1e-2),
        compression: kind == "top-k" ? .topK(k) : .randomK(k),
        errorFeedback: try p.bool("errorFeedback", default: true))
    }
    register(
      preset: "projected-nc",
      summary: "projected GD on a box with negative-curvature steps along feasible directions"
    ) { p in
      let lower = try p.double("lower", default: -1)
      let upper = try p.double("upper", default: 1)
      guard lower <= upper else {
        throw SpecError(location: p.location, field: "upper", "\(upper) is below lower \(lower)")
      }
      return Presets.projectedNegativeCurvature(
        set: .box(lower: Float(lower), upper: Float(upper)),
        learningRate: try p.learningRate(default: 1e-2),
        period: try Registry.deoPeriod(p), dimer: try Registry.deoDimer(p),
        step: try Registry.deoStep(p))
    }
  }
}
