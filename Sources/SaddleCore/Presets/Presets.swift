/// Ready-made escape optimizers, each built from public stages with the builder DSL.
///
/// Costs are per step in evaluations beyond the step's own gradient (which every optimizer
/// pays once): "g" gradients, "ℓ" loss-only evaluations, HVPs as gradients pairs (finite
/// differences) or exact products (cost 2 each).
public enum Presets {
  /// The corrected DEO family's dimer: forward differences, `Δ = 1e-3`, one conjugate
  /// optimal-angle rotation per call (Henkelman & Jónsson 1999, eqs. 9–11; numbering not
  /// verified). Chosen by
  /// measurement on spectrum saddles (`saddle bench estimators`; `Guides/EscapeMethods.md`,
  /// "Choosing the dimer"): steepest-descent rotations need ∝ `λ_max/gap` rotations to find
  /// `v_min`, conjugate ones ∝ `√(λ_max/gap)`, so the old default (one gradient-step rotation
  /// at rate 0.1 every 10 steps) was no faster than tuned gradient descent on a realistic
  /// spectrum. Cost per call: 2 gradients.
  public static let defaultDimer = Dimer(
    separation: 1e-3, rotations: 1, rotation: .optimalAngle(), differences: .forward,
    conjugate: true)

  /// The corrected DEO family's dimer period: every step (measured on spectrum saddles; a
  /// longer period spends fewer gradients per step but lets the direction lag).
  public static let defaultPeriod = 1

  /// The corrected DEO family's negative-curvature step size, `0.1` (a step along `N` of 0.1;
  /// on spectrum saddles sizes from 0.1 to the distance of the minima escaped alike).
  public static let defaultStepSize = 0.1

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
    learningRate: LearningRate = 1e-2, period: Int = defaultPeriod,
    dimer: Dimer = defaultDimer,
    step: NegativeCurvatureStep = defaultStep
  ) -> Optimizer<some UpdateRule> {
    deo(base: SGD(learningRate: learningRate), period: period, dimer: dimer, step: step)
  }

  /// Corrected DEO with Adam as the base rule; see ``deo(base:period:dimer:projectionStrength:step:)``.
  /// Cost: 2 g every `period` steps with the default dimer.
  public static func deoAdam(
    learningRate: LearningRate = 1e-3, period: Int = defaultPeriod,
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
    base: Base, period: Int = 10, separation: Double = 1e-4, rotationRate: Double = 0.1,
    strength: Double = 0.1
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
    rank: Int = 10, dampings: [Double] = [1e-3, 1e-2, 1e-1, 1], hvp: HVPMethod = .automatic,
    innerSteps: Int = 1, start: SaddleFreeNewton.Start = .gradient
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
    learningRate: LearningRate = 1e-2, threshold: Double = 1e-3, radius: Double = 1e-2,
    waitingSteps: Int = 10
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
    learningRate: LearningRate = 1e-2, refreshPeriod: Int = 10, threshold: Double = 1e-3,
    radius: Double = 1e-2, waitingSteps: Int = 10
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
    learningRate: LearningRate = 1e-2, threshold: Double = 1e-3, radius: Double = 1e-3,
    iterations: Int = 10, rate: Double = 0.1, size: NegativeCurvatureStep.Size = .fixed(1e-2),
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
    learningRate: LearningRate = 1e-2, radius: Double = 0.05, adaptive: Bool = false
  ) -> Optimizer<some UpdateRule> {
    Optimizer {
      SAM(radius: radius, adaptive: adaptive)
      SGD(learningRate: learningRate)
    }
  }

  /// Compressed SGD with error feedback (Karimireddy et al. 2019): `p = ηg + e`,
  /// `θ ← θ − C(p)`, `e ← p − C(p)`. Cost: nothing extra.
  public static func compressedSGD(
    learningRate: LearningRate = 1e-2,
    compression: CompressedGradient.Compression = .topK(1), errorFeedback: Bool = true
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
    set: ConvexSet, learningRate: LearningRate = 1e-2, period: Int = defaultPeriod,
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
