import Foundation

/// The Hessian's spectral density by stochastic Lanczos quadrature (Golub & Meurant 2010,
/// ch. 7; Ghorbani, Krishnan & Xiao 2019, eq. 5–6; Ubaru, Chen & Saad 2017, eq. 3).
///
/// For each of `probes` Rademacher vectors `v` (seeded), `k` Lanczos steps from `v/‖v‖` give
/// the tridiagonal `T = QᵀHQ` with eigenpairs `(θᵢ, sᵢ)`; the Gauss quadrature
/// `vᵀf(H)v/‖v‖² ≈ Σᵢ τᵢ f(θᵢ)`, `τᵢ = sᵢ[0]²`, is exact for polynomials `f` of degree
/// `≤ 2k − 1` (in exact arithmetic). Averaged over probes it estimates `(1/n) tr f(H)`, so the
/// nodes and weights of all probes (weights divided by `probes`) are a discrete estimate of the
/// spectral density `φ(t) = (1/n) Σⱼ δ(t − λⱼ)`; ``density(at:width:)`` smooths it with a
/// Gaussian of standard deviation `width`.
///
/// Cost: `probes · k` Hessian-vector products (`2 · probes · k` gradients with finite
/// differences).
public struct SpectralDensity: Sendable, Equatable, Codable {
  /// Quadrature nodes (Ritz values) of every probe, concatenated.
  public var nodes: [Double]
  /// Their weights `τᵢ / probes` (they sum to 1).
  public var weights: [Double]

  /// A density from nodes and weights.
  public init(nodes: [Double], weights: [Double]) {
    precondition(nodes.count == weights.count, "SpectralDensity: one weight per node")
    self.nodes = nodes
    self.weights = weights
  }

  /// Runs `probes` Lanczos quadratures of `steps` steps at `parameters` on `objective`.
  ///
  /// - Parameters:
  ///   - parameters: The point `θ` whose Hessian is probed.
  ///   - objective: The loss on a fixed batch (pays for every product).
  ///   - probes: Rademacher probe vectors (≥ 1).
  ///   - steps: Lanczos steps per probe (capped at the parameter count).
  ///   - hvp: How products are computed.
  ///   - seed: Seed of the probes.
  public static func estimate(
    at parameters: ParameterVector, objective: inout Objective, probes: Int, steps: Int,
    hvp: HVPMethod = .automatic, seed: UInt64 = 0
  ) -> SpectralDensity {
    precondition(probes >= 1 && steps >= 1, "SpectralDensity: probes and steps must be ≥ 1")
    var generator = SeededGenerator(seed: mixSeed(seed, 0x51_0D))
    var engine = LanczosEngine()
    var nodes: [Double] = []
    var weights: [Double] = []
    var v = ParameterVector(count: parameters.count)
    for _ in 0..<probes {
      v.withUnsafeMutableBufferPointer { b in
        for i in b.indices { b[i] = generator.next() & 1 == 0 ? 1 : -1 }
      }
      let (values, vectors) = engine.run(
        start: v, steps: steps, at: parameters, hvp: hvp, objective: &objective)
      for (value, vector) in zip(values, vectors) {
        nodes.append(value)
        weights.append(vector[0] * vector[0] / Double(probes))
      }
    }
    return SpectralDensity(nodes: nodes, weights: weights)
  }

  /// `Σ weightᵢ · nodeᵢ^power`, the estimate of the spectral moment `(1/n) tr(H^power)`.
  public func moment(_ power: Int) -> Double {
    zip(nodes, weights).reduce(0) { $0 + $1.1 * Foundation.pow($1.0, Double(power)) }
  }

  /// The smoothed density `Σ weightᵢ · N(t; nodeᵢ, width²)` at each `t`.
  public func density(at points: [Double], width: Double) -> [Double] {
    precondition(width > 0, "SpectralDensity: width must be > 0")
    let c = 1 / (width * (2 * Double.pi).squareRoot())
    return points.map { t in
      zip(nodes, weights).reduce(0) { sum, nw in
        let z = (t - nw.0) / width
        return sum + nw.1 * c * exp(-0.5 * z * z)
      }
    }
  }

  /// The estimated fraction of eigenvalues `≤ t` (the weights of nodes `≤ t`).
  public func cumulative(_ t: Double) -> Double {
    zip(nodes, weights).reduce(0) { $0 + ($1.0 <= t ? $1.1 : 0) }
  }
}
