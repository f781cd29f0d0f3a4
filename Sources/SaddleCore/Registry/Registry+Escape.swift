extension Registry {
  /// Registers the curvature estimators, the escape rules and the presets of the seed papers.
  public mutating func registerEscapeMethods() {
    registerEstimators()
    registerEscapeRules()
    registerPresets()
    registerSeedMethods()
  }

  /// The corrected DEO family's negative-curvature step (`stepSize` 0.1 by default).
  static func deoStep(_ p: StageParameters) throws(SpecError) -> NegativeCurvatureStep {
    try NegativeCurvatureStep(parameters: p, stepSize: Presets.Parameters.stepSize)
  }

  /// The corrected DEO family's step fields: `stepScale`, `stepSize` (0.1), `threshold`.
  static let deoStepParameters: [any ParameterDeclaration] = [
    NegativeCurvatureStep.Parameters.stepScale, Presets.Parameters.stepSize,
    NegativeCurvatureStep.Parameters.threshold,
  ]

  mutating func registerEstimators() {
    register(Dimer.self)
    register(PowerIteration.self)
    register(Lanczos.self)
    register(RandomProbe.self)
    register(RandomSubspaceRitz.self)
  }

  mutating func registerEscapeRules() {
    register(ProjectOutMinimumCurvature.self)
    register(NegativeCurvatureStep.self)
    register(DimerReferenceStep.self)
    register(PerturbedGradient.self)
    register(PerturbedRecursiveGradient.self)
    register(SaddleFreeNewton.self)
    register(SAM.self)
    register(CompressedGradient.self)
    register(rule: ProjectOntoConvexSet.boxSchema, ProjectOntoConvexSet.box(parameters:))
    register(rule: ProjectOntoConvexSet.ballSchema, ProjectOntoConvexSet.ball(parameters:))
    register(rule: ProjectOntoConvexSet.simplexSchema) { _ in ProjectOntoConvexSet(.simplex) }
    register(NEONStep.self)
  }

  /// Each preset's schema lists its fields: the stages' own declarations (with the preset's
  /// defaults where they differ) and ``Presets/Parameters``; its factory reads exactly those.
  mutating func registerPresets() {
    let sgdRate = SGD.Parameters.learningRate
    let adamRate = Adam.Parameters.learningRate
    let period = Presets.Parameters.period
    let dimer = Presets.Parameters.dimer
    register(
      preset: StageSchema(
        "deo-sgd",
        summary: "corrected DEO: dimer.every(k) → project (C<0) → SGD → negative-curvature step",
        parameters: [sgdRate, period] + dimer.parameters + Registry.deoStepParameters)
    ) { p in
      Presets.deoSGD(
        learningRate: try p.read(sgdRate), period: try p.read(period),
        dimer: try dimer.read(p), step: try Registry.deoStep(p))
    }
    register(
      preset: StageSchema(
        "deo-adam",
        summary: "corrected DEO: dimer.every(k) → project (C<0) → Adam → negative-curvature step",
        parameters: [adamRate, period] + dimer.parameters + Registry.deoStepParameters)
    ) { p in
      Presets.deoAdam(
        learningRate: try p.read(adamRate), period: try p.read(period),
        dimer: try dimer.read(p), step: try Registry.deoStep(p))
    }
    register(
      preset: StageSchema(
        "deo-adamw", summary: "corrected DEO over AdamW (decoupled weight decay)",
        parameters: [AdamW.Parameters.learningRate, AdamW.Parameters.weightDecay, period]
          + dimer.parameters + Registry.deoStepParameters)
    ) { p in
      Presets.deo(
        base: AdamW(
          learningRate: try p.read(AdamW.Parameters.learningRate),
          weightDecay: try p.read(AdamW.Parameters.weightDecay)),
        period: try p.read(period), dimer: try dimer.read(p), step: try Registry.deoStep(p))
    }
    let reference: [any ParameterDeclaration] = [
      adamRate, DimerReferenceStep.Parameters.strength, Presets.Parameters.referencePeriod,
      Presets.Parameters.referenceSeparation, Dimer.Parameters.rotationRate,
      Presets.Parameters.referenceBase,
    ]
    register(
      preset: StageSchema(
        "deo-reference",
        summary: "DEO as its reference code: per-segment dimer → θ += s(g·N)N if g·N<0 → base rule",
        parameters: reference)
    ) { p in
      let eta = try p.read(adamRate)
      let strength = try p.read(DimerReferenceStep.Parameters.strength)
      let period = try p.read(Presets.Parameters.referencePeriod)
      let separation = try p.read(Presets.Parameters.referenceSeparation)
      let rate = try p.read(Dimer.Parameters.rotationRate)
      let useAdam = try p.read(Presets.Parameters.referenceBase) == "adam"
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
      preset: StageSchema(
        "dimer-nc-sgd", summary: "dimer.every(k) → SGD → negative-curvature step (no projection)",
        parameters: dimer.parameters + [period, sgdRate] + Registry.deoStepParameters)
    ) { p in
      let dimer = try dimer.read(p)
      let period = try p.read(period)
      let eta = try p.read(sgdRate)
      let step = try Registry.deoStep(p)
      return Optimizer {
        dimer.every(period)
        SGD(learningRate: eta)
        step
      }
    }
    register(
      preset: StageSchema(
        "saddle-free-newton",
        summary: "saddle-free Newton in a Krylov subspace (Dauphin et al. 2014)",
        parameters: SaddleFreeNewton.parameters)
    ) { p in
      let rule = try SaddleFreeNewton(parameters: p)
      return Presets.saddleFreeNewton(
        rank: rule.rank, dampings: rule.dampings, hvp: rule.hvp, innerSteps: rule.innerSteps,
        start: rule.start)
    }
    register(
      preset: StageSchema(
        "perturbed-gd", summary: "perturbed gradient descent (Jin et al. 2017)",
        parameters: [sgdRate] + PerturbedGradient.schema.parameters)
    ) { p in
      let eta = try p.read(sgdRate)
      let rule = try PerturbedGradient(parameters: p)
      return Presets.perturbedGD(
        learningRate: eta, threshold: rule.threshold, radius: rule.radius,
        waitingSteps: rule.waitingSteps)
    }
    register(
      preset: StageSchema(
        "perturbed-recursive-gd",
        summary: "recursive gradients + PGD trigger + SGD (simplified; `ssrgd` is Li 2019's)",
        parameters: [sgdRate] + PerturbedRecursiveGradient.schema.parameters)
    ) { p in
      let eta = try p.read(sgdRate)
      let rule = try PerturbedRecursiveGradient(parameters: p)
      return Presets.perturbedRecursiveGD(
        learningRate: eta, refreshPeriod: rule.refreshPeriod, threshold: rule.threshold,
        radius: rule.radius, waitingSteps: rule.waitingSteps)
    }
    register(
      preset: StageSchema(
        "neon-gd",
        summary: "GD + negative-curvature search (normalized power, or NEON2's Oja) when ‖g‖ small",
        parameters: [NEONStep.Parameters.radius, sgdRate] + NEONStep.parameters.dropFirst())
    ) { p in
      let radius = try p.read(NEONStep.Parameters.radius)
      let eta = try p.read(sgdRate)
      let rule = try NEONStep(parameters: p)
      return Presets.neonGD(
        learningRate: eta, threshold: rule.threshold, radius: radius,
        iterations: rule.iterations, rate: rule.rate, size: rule.size, search: rule.search)
    }
    register(
      preset: StageSchema(
        "sam-sgd", summary: "SAM over SGD (Foret et al. 2021)",
        parameters: [sgdRate] + SAM.schema.parameters)
    ) { p in
      let eta = try p.read(sgdRate)
      let rule = try SAM(parameters: p)
      return Presets.samSGD(learningRate: eta, radius: rule.radius, adaptive: rule.adaptive)
    }
    register(
      preset: StageSchema(
        "compressed-sgd", summary: "top-k SGD with error feedback",
        parameters: [
          CompressedGradient.Parameters.k, CompressedGradient.Parameters.compression, sgdRate,
          CompressedGradient.Parameters.errorFeedback,
        ])
    ) { p in
      let k = try p.read(CompressedGradient.Parameters.k)
      let kind = try p.read(CompressedGradient.Parameters.compression)
      return Presets.compressedSGD(
        learningRate: try p.read(sgdRate),
        compression: kind == "top-k" ? .topK(k) : .randomK(k),
        errorFeedback: try p.read(CompressedGradient.Parameters.errorFeedback))
    }
    register(
      preset: StageSchema(
        "projected-nc",
        summary: "projected GD on a box with negative-curvature steps along feasible directions",
        parameters: [
          ProjectOntoConvexSet.Parameters.lower, ProjectOntoConvexSet.Parameters.upper, sgdRate,
          period,
        ] + dimer.parameters + Registry.deoStepParameters)
    ) { p in
      let (lower, upper) = try ProjectOntoConvexSet.boxBounds(p)
      return Presets.projectedNegativeCurvature(
        set: .box(lower: Float(lower), upper: Float(upper)),
        learningRate: try p.read(sgdRate),
        period: try p.read(period), dimer: try dimer.read(p), step: try Registry.deoStep(p))
    }
  }
}
