import SaddleCore

/// A closed-form problem whose gradient carries additive Gaussian noise:
/// `g̃ₜ(x) = ∇f(x) + σ ξₜ`, `ξₜ ~ N(0, I)`, independent across steps — the stochastic-gradient
/// model of Ge et al. (2015, "Escaping from saddle points — online stochastic gradient for
/// tensor decomposition": unbiased gradients with bounded noise) and of noisy SGD analyses.
///
/// The step's draw is its batch: ``batch(step:seed:)`` returns the stream
/// `mixSeed(mixSeed(seed, SeedPurpose.gradientNoise), step)`, so a run is deterministic per
/// seed and resumable, and the noise never shares a stream with the start perturbation
/// (`SeedPurpose.start`) or the problem's basis. Within one step every gradient sees the same
/// `ξₜ` (as every evaluation of one step sees the same minibatch), so the noise is a linear
/// tilt `σ ξₜᵀx` of that step's objective: finite differences of gradients within a step and
/// the exact Hessian-vector product are noise-free. The loss is the exact `f` (the escape
/// metric `f < f_saddle − δ` stays exact); only gradients are noisy. For noise in the
/// curvature too, use ``SpectrumFiniteSumSaddle`` with minibatches.
///
/// Critical points and minima are those of `base` (for the expected gradient).
public struct NoisyGradientProblem<Base: ClosedFormProblem>: SaddleDeclaring, Sendable {
  /// One step's noise stream.
  public struct Draw: Sendable, Hashable, Codable {
    /// The seed of `SeededGenerator` for `ξₜ`.
    public var seed: UInt64
  }

  /// The noiseless problem.
  public let base: Base
  /// The noise standard deviation `σ ≥ 0` per coordinate.
  public let sigma: Double

  /// `base` with gradient noise `σ`.
  public init(_ base: Base, sigma: Double) {
    precondition(sigma >= 0 && sigma.isFinite, "NoisyGradientProblem needs σ ≥ 0")
    self.base = base
    self.sigma = sigma
  }

  /// The base problem's layout.
  public var layout: ParameterLayout { base.layout }

  /// The base problem's start (the saddle plus `1e-8` for seeds other than 0).
  public func initialParameters(seed: UInt64) -> ParameterVector {
    base.initialParameters(seed: seed)
  }

  /// The noise stream of `step`: `mixSeed(mixSeed(seed, SeedPurpose.gradientNoise), step)`.
  public func batch(step: Int, seed: UInt64) -> Draw {
    Draw(seed: mixSeed(mixSeed(seed, SeedPurpose.gradientNoise), UInt64(truncatingIfNeeded: step)))
  }

  /// `σ ξ` for `draw` (`d` standard normal draws of its stream, scaled).
  public func noise(_ draw: Draw) -> [Double] {
    var generator = SeededGenerator(seed: draw.seed)
    return (0..<base.dimension).map { _ in sigma * generator.nextGaussian() }
  }

  /// The exact `f`.
  public func loss(at parameters: ParameterVector, on batch: Draw) -> Double {
    base.loss(at: parameters, on: ())
  }

  /// The exact `f`, and `∇f + σ ξₜ` rounded to `Float`.
  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Draw, into gradient: inout ParameterVector
  ) -> Double {
    let x = parameters.map { Double($0) }
    let g = base.gradient(at: x)
    var generator = SeededGenerator(seed: batch.seed)
    gradient.withUnsafeMutableBufferPointer { out in
      for i in 0..<g.count { out[i] = Float(g[i] + sigma * generator.nextGaussian()) }
    }
    return base.value(at: x)
  }

  /// `true`: the noise does not change the Hessian.
  public var hasExactHessianVectorProduct: Bool { true }

  /// The base problem's exact `∇²f·v` (the noise is linear in `x`).
  public func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Draw, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    base.hessianVectorProduct(at: parameters, on: (), along: vector, into: &result)
  }

  /// The base problem's first saddle value.
  public var saddleValue: Double? { base.saddleValue }
  /// The base problem's escape depth.
  public var escapeDepth: Double? { base.escapeDepth }
}
