/// Ready-made escape optimizers, each built from public stages with the builder DSL.
///
/// Costs are per step in evaluations beyond the step's own gradient (which every optimizer
/// pays once): "g" gradients, "ℓ" loss-only evaluations, HVPs as gradients pairs (finite
/// differences) or exact products (cost 2 each).
public enum Presets {
  /// The fields the presets add to their stages' own, each declared once (name, default,
  /// range, doc) and read by the presets' registrations, so a preset's default argument and its
  /// JSON default are one value.
  public enum Parameters {
    /// `period`: the corrected DEO family's dimer period, every step by default (measured on
    /// spectrum saddles; a longer period spends fewer gradients per step but lets the
    /// direction lag).
    public static let period = Parameter.integer(
      "period", default: 1, in: .atLeast(1), doc: "a dimer call every `period` steps")
    /// The corrected DEO family's dimer fields: forward differences, `Δ = 1e-3`, conjugate
    /// optimal-angle rotations.
    public static let dimer = Dimer.Variant(
      rotation: "optimal-angle", conjugate: true, separation: 1e-3, differences: "forward")
    /// `stepSize`: the corrected DEO family's negative-curvature step, `0.1` (on spectrum
    /// saddles sizes from 0.1 to the distance of the minima escaped alike).
    public static let stepSize = NegativeCurvatureStep.Parameters.stepSize.defaulting(to: 0.1)
    /// `period` of `deo-reference`: every 10 steps, as the reference code.
    public static let referencePeriod = period.defaulting(to: 10)
    /// `separation` of `deo-reference`: `Δ = 1e-4`, as the reference code.
    public static let referenceSeparation = Dimer.Parameters.separation.defaulting(to: 1e-4)
    /// `base` of `deo-reference`: the base rule.
    public static let referenceBase = Parameter.choice(
      "base", default: "adam", from: ["adam", "sgd"], doc: "the base rule after the dimer move")
  }

  /// The corrected DEO family's dimer: forward differences, `Δ = 1e-3`, one conjugate
  /// optimal-angle rotation per call (Henkelman & Jónsson 1999, eqs. 9–11; numbering not
  /// verified). Chosen by
  /// measurement on spectrum saddles (`saddle bench estimators`; `Guides/EscapeMethods.md`,
  /// "Choosing the dimer"): steepest-descent rotations need ∝ `λ_max/gap` rotations to find
  /// `v_min`, conjugate ones ∝ `√(λ_max/gap)`, so the old default (one gradient-step rotation
  /// at rate 0.1 every 10 steps) was no faster than tuned gradient descent on a realistic
  /// spectrum. Cost per call: 2 gradients. (``Parameters/dimer``'s defaults.)
  public static let defaultDimer = Parameters.dimer.dimer

  /// The corrected DEO family's dimer period (``Parameters/period``): every step.
  public static let defaultPeriod = Parameters.period.default

  /// The corrected DEO family's negative-curvature step size (``Parameters/stepSize``), `0.1`.
  public static let defaultStepSize = Parameters.stepSize.default

  /// `NegativeCurvatureStep(size: .fixed(defaultStepSize), threshold: 0)`.
  public static let defaultStep = NegativeCurvatureStep(
    size: .fixed(defaultStepSize), threshold: 0)

  /// DEO, corrected (our reading of Hu, Cao & Liu 2025, `reference/deo-and-dimer.md`):
  /// `Dimer.every(k) → ProjectOutMinimumCurvature(.negative) → base → NegativeCurvatureStep`.
  ///
  /// With `N`, `C` from the (warm-started) dimer: `d = base(g − α(g·N)N·[C < 0])
  /// + s·sign(g·N)·N·[C < −ε]`; the base rule works orthogonally to `N`, the move along `N` is
  /// explicit, descending and added after the base rule (so Adam does not rescale it).
  /// Cost: the dimer's cost every `period` steps (with ``defaultDimer``: 2 g), nothing on the
  /// other steps.
  public static func deo<Base: UpdateRule>(
    base: Base, period: Int = defaultPeriod,
    dimer: Dimer = defaultDimer,
    projectionStrength: Double = 1,
    step: NegativeCurvatureStep = defaultStep
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      dimer.every(period)
      ProjectOutMinimumCurvature(strength: projectionStrength, when: .negative)
      base
      step
    }
  }

  /// Corrected DEO with SGD (`η` = `learningRate`) as the base rule; see ``deo(base:period:dimer:projectionStrength:step:)``.
  /// Cost: 2 g every `period` steps with the default dimer.
  public static func deoSGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default, period: Int = defaultPeriod,
    dimer: Dimer = defaultDimer,
    step: NegativeCurvatureStep = defaultStep
  ) -> Optimizer<some UpdateRule> {
    deo(base: SGD(learningRate: learningRate), period: period, dimer: dimer, step: step)
  }

  /// Corrected DEO with Adam as the base rule; see ``deo(base:period:dimer:projectionStrength:step:)``.
  /// Cost: 2 g every `period` steps with the default dimer.
  public static func deoAdam(
    learningRate: LearningRate = Adam.Parameters.learningRate.default, period: Int = defaultPeriod,
    dimer: Dimer = defaultDimer,
    step: NegativeCurvatureStep = defaultStep
  ) -> Optimizer<some UpdateRule> {
    deo(base: Adam(learningRate: learningRate), period: period, dimer: dimer, step: step)
  }

  /// DEO as the reference code does it ("DimerTrainer"): a per-segment forward dimer every
  /// `period` steps (`Δ = 1e-4`, one gradient-step rotation at rate 0.1), then
  /// ``DimerReferenceStep`` (`θ ← θ + s(g·N)N` when `g·N < 0`), then `base` on the raw
  /// gradient. Faithful to the rule with correct gradients (the reference's missing backward
  /// pass, which made the dimer inert, and its NaNs are not reproduced; the rotation here
  /// descends the Rayleigh quotient). To first order the dimer move raises the loss.
  /// Cost: 1 g every `period` steps.
  public static func deoReference<Base: UpdateRule>(
    base: Base, period: Int = Parameters.referencePeriod.default,
    separation: Double = Parameters.referenceSeparation.default,
    rotationRate: Double = Dimer.Parameters.rotationRate.default,
    strength: Double = DimerReferenceStep.Parameters.strength.default
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      Dimer(
        separation: separation, rotations: 1, rotation: .gradientStep(rate: rotationRate),
        differences: .forward, scope: .perSegment
      ).every(period)
      DimerReferenceStep(strength: strength)
      base
    }
  }

  /// Saddle-free Newton (Dauphin et al. 2014): `θ ← θ − Σᵢ (vᵢ·g)/(|λᵢ| + λ) vᵢ` over `rank`
  /// Lanczos Ritz pairs, `λ` chosen per step from `dampings` by the lowest loss.
  /// Cost: `rank` HVPs (`2·rank` g with finite differences) + `dampings.count` ℓ.
  public static func saddleFreeNewton(
    rank: Int = SaddleFreeNewton.Parameters.rank.default,
    dampings: [Double] = SaddleFreeNewton.Parameters.dampings.default,
    hvp: HVPMethod = .automatic,
    innerSteps: Int = SaddleFreeNewton.Parameters.innerSteps.default,
    start: SaddleFreeNewton.Start = .gradient
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SaddleFreeNewton(
        rank: rank, dampings: dampings, hvp: hvp, innerSteps: innerSteps, start: start)
    }
  }

  /// Perturbed gradient descent (Jin et al. 2017): `θ ← θ − ηg`, plus `θ ← θ + ξ`,
  /// `ξ ~ U(B(0, r))`, when `‖g‖ ≤ g_thres` and no perturbation in the last `t_thres` steps.
  /// Cost: nothing extra.
  public static func perturbedGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default,
    threshold: Double = PerturbedGradient.Parameters.threshold.default,
    radius: Double = PerturbedGradient.Parameters.radius.default,
    waitingSteps: Int = PerturbedGradient.Parameters.waitingSteps.default
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SGD(learningRate: learningRate)
      PerturbedGradient(threshold: threshold, radius: radius, waitingSteps: waitingSteps)
    }
  }

  /// The simplified recursive-gradient + PGD-trigger rule (not Li 2019's SSRGD; see
  /// ``SSRGD``): `θ ← θ − ηv`, `v_t = ∇f(θ_t) − ∇f(θ_{t−1}) + v_{t−1}` on the same batch,
  /// refreshed every `refreshPeriod` steps, with the PGD perturbation trigger on `‖v‖`.
  /// Cost: 1 g per step (0 on refresh steps).
  public static func perturbedRecursiveGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default,
    refreshPeriod: Int = PerturbedRecursiveGradient.Parameters.refreshPeriod.default,
    threshold: Double = PerturbedRecursiveGradient.Parameters.threshold.default,
    radius: Double = PerturbedRecursiveGradient.Parameters.radius.default,
    waitingSteps: Int = PerturbedRecursiveGradient.Parameters.waitingSteps.default
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      PerturbedRecursiveGradient(
        refreshPeriod: refreshPeriod, threshold: threshold, radius: radius,
        waitingSteps: waitingSteps)
      SGD(learningRate: learningRate)
    }
  }

  /// Gradient descent with NEON negative-curvature search (Xu, Jin & Yang 2018): `θ ← θ − ηg`,
  /// and when `‖g‖ ≤ g_thres`, `u ← u − η_u(∇L(θ + u) − ∇L(θ))` for `iterations` steps, then
  /// `θ ← θ − s·sign(g·û)û` if the curvature along `u` is negative.
  /// Cost: `iterations` g on steps with a small gradient, nothing otherwise.
  public static func neonGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default,
    threshold: Double = NEONStep.Parameters.threshold.default,
    radius: Double = NEONStep.Parameters.radius.default,
    iterations: Int = NEONStep.Parameters.iterations.default,
    rate: Double = NEONStep.Parameters.rate.default,
    size: NegativeCurvatureStep.Size = .fixed(NegativeCurvatureStep.Parameters.stepSize.default),
    search: NEONStep.Search = .normalizedPower
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SGD(learningRate: learningRate)
      NEONStep(
        threshold: threshold, radius: radius, iterations: iterations, rate: rate, size: size,
        search: search)
    }
  }

  /// SAM with SGD (Foret et al. 2021): `θ ← θ − η∇L(θ + ρg/‖g‖)`. Cost: 1 g per step.
  public static func samSGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default,
    radius: Double = SAM.Parameters.radius.default, adaptive: Bool = SAM.Parameters.adaptive.default
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SAM(radius: radius, adaptive: adaptive)
      SGD(learningRate: learningRate)
    }
  }

  /// Compressed SGD with error feedback (Karimireddy et al. 2019): `p = ηg + e`,
  /// `θ ← θ − C(p)`, `e ← p − C(p)`. Cost: nothing extra.
  public static func compressedSGD(
    learningRate: LearningRate = SGD.Parameters.learningRate.default,
    compression: CompressedGradient.Compression = .topK(CompressedGradient.Parameters.k.default),
    errorFeedback: Bool = CompressedGradient.Parameters.errorFeedback.default
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SGD(learningRate: learningRate)
      CompressedGradient(compression, errorFeedback: errorFeedback)
    }
  }

  /// Projected gradient descent with negative-curvature steps restricted to the feasible face:
  /// `Dimer.every(k) → RestrictCurvatureToFeasibleDirections → SGD → NegativeCurvatureStep →
  /// ProjectOntoConvexSet`, i.e. `θ ← Π(θ − ηg − s·sign(g·N')N')` with `N'` the dimer
  /// direction projected onto the face that holds `θ`.
  /// Cost: the dimer's cost every `period` steps (2 g with the default dimer).
  public static func projectedNegativeCurvature(
    set: ConvexSet, learningRate: LearningRate = SGD.Parameters.learningRate.default,
    period: Int = defaultPeriod,
    dimer: Dimer = defaultDimer,
    step: NegativeCurvatureStep = defaultStep
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      dimer.every(period)
      RestrictCurvatureToFeasibleDirections(set)
      SGD(learningRate: learningRate)
      step
      ProjectOntoConvexSet(set)
    }
  }
}
