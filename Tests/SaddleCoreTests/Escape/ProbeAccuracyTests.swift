import Foundation
import SaddleCore
import Testing

@Suite("Random-probe and zeroth-order estimators keep their accuracy promises")
struct ProbeAccuracyTests {
  @Test("the Hutchinson trace estimate is unbiased with the documented variance")
  func hutchinsonVariance() throws {
    let n = 40
    let m = 4
    let spectrum = testSpectrum(n)
    let model = diagonalProblem(spectrum, seed: 1)
    let mean = spectrum.reduce(0, +) / Double(n)
    let spread = spectrum.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    // Var[T] = 2n/(m(n+2))·Σ(λᵢ − λ̄)² for spherical probes.
    let predicted = 2 * Double(n) / (Double(m) * Double(n + 2)) * spread
    let runs = 300
    var samples: [Double] = []
    for seed in 0..<runs {
      let state = try runAtFixedPoint(
        EstimatorStage(RandomProbe(probes: m, refinements: 0, hvp: .exact)), model: model,
        steps: 1, seed: UInt64(seed))
      samples.append(try #require(state.rule.first.traceEstimate))
    }
    let trace = mean * Double(n)
    let sampleMean = samples.reduce(0, +) / Double(runs)
    let sampleVariance =
      samples.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / Double(runs - 1)
    // 4 standard errors for the mean; the sample variance of 300 draws is within ±30% of the
    // truth with overwhelming probability (its relative s.d. is about √(2/300) ≈ 0.08 here).
    #expect(abs(sampleMean - trace) < 4 * (predicted / Double(runs)).squareRoot())
    #expect(sampleVariance / predicted > 0.7 && sampleVariance / predicted < 1.3)
  }

  @Test("random-probe curvature is a Rayleigh quotient: λ_min ≤ C ≤ min qⱼ, lowered by refinements")
  func randomProbeBounds() throws {
    let spectrum = testSpectrum(50)
    let model = DenseQuadratic(eigenvalues: spectrum, seed: 2)
    var previous = Double.infinity
    for refinements in [0, 1, 3, 6] {
      let state = try runAtFixedPoint(
        EstimatorStage(RandomProbe(probes: 6, refinements: refinements, hvp: .exact)),
        model: model, steps: 1, seed: 4)
      let estimate = try #require(state.context.curvature)
      #expect(estimate.curvature >= spectrum[0] - 1e-4)
      #expect(estimate.curvature <= previous + 1e-6)
      #expect(abs(estimate.curvature - model.rayleigh(estimate.direction)) < 1e-4)
      previous = estimate.curvature
    }
  }

  @Test("warm-started random probing with refinements reaches λ_min within 1e-3‖H‖")
  func randomProbeConverges() throws {
    let spectrum = testSpectrum(50)
    let model = DenseQuadratic(eigenvalues: spectrum, seed: 2)
    // 10 calls × (4 probes + 1 warm + 4 refinements) ≈ 90 HVPs.
    let state = try runAtFixedPoint(
      EstimatorStage(RandomProbe(probes: 4, refinements: 4, hvp: .finiteDifference(step: 1e-2))),
      model: model, steps: 10)
    let estimate = try #require(state.context.curvature)
    #expect(abs(estimate.curvature - spectrum[0]) < 3e-3)
    #expect(model.cosine(estimate.direction, eigenvector: 0) > 0.99)
  }

  @Test("a loss-only second difference equals uᵀHu on a quadratic")
  func secondDifferenceIsExact() throws {
    let model = DenseQuadratic(eigenvalues: testSpectrum(20), seed: 5)
    // One probe, first call: the basis is a single random u, so C = q(u).
    let state = try runAtFixedPoint(
      EstimatorStage(RandomSubspaceRitz(probes: 1)), model: model, steps: 1)
    let estimate = try #require(state.context.curvature)
    // Rounding: ≈ 4ε_double·|L|/h² plus θ's Float rounding ≈ 6e-8‖θ‖‖g‖/h² ≈ 1e-7 here.
    #expect(abs(estimate.curvature - model.rayleigh(estimate.direction)) < 1e-4)
    #expect(state.evaluations.gradients == 1 && state.evaluations.losses == 2)
  }

  @Test("zeroth-order estimates never overshoot, never get worse, and converge as stated")
  func zerothOrderPromise() throws {
    let n = 20
    let spectrum = testSpectrum(n)
    let model = DenseQuadratic(eigenvalues: spectrum, seed: 6)
    let estimator = RandomSubspaceRitz(probes: 4)
    let optimizer = Optimizer(rule: Chain(EstimatorStage(estimator), SGD(learningRate: 0)))
    var state = optimizer.makeState(for: model, seed: 8)
    var previous = Double.infinity
    var errors: [Double] = []
    for _ in 0..<60 {
      try optimizer.step(&state, model: model)
      let c = try #require(state.context.curvature).curvature
      #expect(c >= spectrum[0] - 1e-4)  // never below λ_min (a Rayleigh quotient)
      #expect(c <= previous + 1e-4)  // monotone at a fixed point (N_prev is in the basis)
      previous = c
      errors.append(c - spectrum[0])
    }
    // O((n/m)·log(1/tol)) calls: with n/m = 5 and spread/gap ≈ 4, 30 calls (870 loss
    // evaluations) bring the error below 1% of ‖H‖ = 3 and 60 calls (1,790) below 0.1%
    // (measured: 1e-2 and 1e-5).
    #expect(errors[29] < 0.03)
    #expect(errors[59] < 3e-3)
    #expect(state.evaluations.losses == 20 + 59 * 30)
  }
}
