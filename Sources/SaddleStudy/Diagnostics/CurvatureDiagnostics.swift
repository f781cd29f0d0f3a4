import Foundation
import SaddleCore

/// Curvature along a training run: does the dimer find the Hessian's smallest eigenpair, and
/// what does the spectrum look like (is a plateau a strict saddle)?
///
/// The run trains with Adam. A warm-started `Dimer` (the DEO reference code's setting: one
/// rotation every `dimerPeriod` steps) tracks `(N, C)` along the trajectory on each step's
/// minibatch without acting on it. At each chosen step, on that step's minibatch and point:
/// - the dimer is evaluated once more (its `(N, C)` there),
/// - `lanczosSteps` Lanczos steps (full reorthogonalization, a fresh seeded random start) give
///   `(λ_min, v_min)`,
/// - the angle `arccos|N·v_min|` and the relative error `|C − λ_min| / |λ_min|` compare them,
/// - `SpectralDensity` with `probes` Rademacher probes of `slqSteps` steps estimates the
///   spectral density (Ghorbani, Krishnan & Xiao 2019).
/// The dimer's and Lanczos' products use `hvp` (finite differences by default; their float32
/// accuracy on the Transformer is measured in `TransformerHVPTests`).
public enum CurvatureDiagnostics {
  /// What was measured at one step.
  public struct Sample: Codable, Sendable, Equatable {
    /// The optimizer step (before that step's update).
    public var step: Int
    /// The held-out loss (`Model.evaluate(at:seed:)`, seed 0), or the minibatch loss.
    public var loss: Double
    /// The dimer's curvature `C = NᵀHN` estimate.
    public var dimerCurvature: Double
    /// The smallest Ritz value.
    public var lanczosMinimum: Double
    /// The largest Ritz value.
    public var lanczosMaximum: Double
    /// `arccos|N·v_min|` in degrees (0 = the same direction).
    public var angleDegrees: Double
    /// `|C − λ_min| / |λ_min|`.
    public var relativeError: Double
    /// The spectral density estimate at this point.
    public var density: SpectralDensity
  }

  /// Trains `model` with Adam for `steps` steps and measures at `at` (steps in `0..<steps`).
  public static func run<M: Model>(
    model: M, learningRate: Double, steps: Int, at chosen: Set<Int>, seed: UInt64,
    dimer: Dimer = Dimer(separation: 1e-3, rotations: 1, differences: .forward),
    dimerPeriod: Int = 10, lanczosSteps: Int = 20, probes: Int = 4, slqSteps: Int = 20,
    hvp: HVPMethod = .finiteDifference(step: 1e-3)
  ) throws -> [Sample] {
    let optimizer = Optimizer { Adam(learningRate: .constant(learningRate)) }
    var state = optimizer.makeState(for: model, seed: seed)
    var dimerState = dimer.makeState(for: model.layout, seed: seed)
    let lanczos = Lanczos(rank: lanczosSteps, hvp: hvp)
    var samples: [Sample] = []
    for step in 0..<steps {
      let batch = model.batch(step: step, seed: seed)
      let measure = chosen.contains(step)
      if step % dimerPeriod == 0 || measure {
        var objective = Objective(model: model, batch: batch)
        var context = StepContext(
          parameters: state.parameters, layout: model.layout, seed: seed)
        context.step = step
        _ = objective.lossAndGradient(at: context.parameters, into: &context.gradient)
        let estimate = dimer.estimate(at: context, objective: &objective, state: &dimerState)
        if measure {
          // A fresh random start per sample: a warm start from the last Ritz vector can sit in
          // a nearly invariant subspace and miss the new minimum.
          var lanczosState = lanczos.makeState(
            for: model.layout, seed: mixSeed(seed, UInt64(step) &+ 0x1AC2))
          let lowest = lanczos.estimate(
            at: context, objective: &objective, state: &lanczosState)
          let cosine =
            abs(estimate.direction.dot(lowest.direction))
            / max(estimate.direction.norm * lowest.direction.norm, 1e-30)
          let density = SpectralDensity.estimate(
            at: context.parameters, objective: &objective, probes: probes, steps: slqSteps,
            hvp: hvp, seed: seed &+ UInt64(step))
          let heldOut = model.evaluate(at: state.parameters, seed: 0)["loss"]
          samples.append(
            Sample(
              step: step, loss: heldOut ?? model.loss(at: state.parameters, on: batch),
              dimerCurvature: estimate.curvature, lanczosMinimum: lowest.curvature,
              lanczosMaximum: lanczosState.ritzValues.last ?? .nan,
              angleDegrees: acosDegrees(min(cosine, 1)),
              relativeError: abs(estimate.curvature - lowest.curvature)
                / max(abs(lowest.curvature), 1e-30),
              density: density))
        }
      }
      try optimizer.step(&state, model: model, dataSeed: seed)
    }
    return samples
  }

  static func acosDegrees(_ c: Double) -> Double { acos(c) * 180 / .pi }
}
