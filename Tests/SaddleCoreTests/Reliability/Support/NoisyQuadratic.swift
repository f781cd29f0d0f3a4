import Foundation
import SaddleCore

/// `f(θ; ξ) = ½ Σ λᵢ θᵢ² + ξ·θ` with a batch `ξ` drawn from `(step, seed)`, over two
/// segments — a stochastic problem whose batches, like a network's, depend on the step.
struct NoisyQuadratic: Model {
  var dimension: Int = 12
  var noise: Float = 0.1

  var layout: ParameterLayout {
    ParameterLayout([(name: "w", shape: [dimension - 2, 1]), (name: "b", shape: [2])])
  }

  func initialParameters(seed: UInt64) -> ParameterVector {
    var generator = SeededGenerator(seed: seed)
    var p = ParameterVector(count: dimension)
    p.fillGaussian(using: &generator)
    return p
  }

  func batch(step: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: mixSeed(seed, UInt64(step)))
    return (0..<dimension).map { _ in Float(generator.nextGaussian()) * noise }
  }

  func eigenvalue(_ i: Int) -> Double { i % 3 == 0 ? -0.1 : 0.5 + Double(i) / 4 }

  func loss(at p: ParameterVector, on xi: [Float]) -> Double {
    var f = 0.0
    for i in 0..<dimension {
      f += 0.5 * eigenvalue(i) * Double(p[i]) * Double(p[i]) + Double(xi[i]) * Double(p[i])
    }
    return f
  }

  func lossAndGradient(at p: ParameterVector, on xi: [Float], into g: inout ParameterVector)
    -> Double
  {
    for i in 0..<dimension { g[i] = Float(eigenvalue(i) * Double(p[i])) + xi[i] }
    return loss(at: p, on: xi)
  }
}

/// An estimator with random, warm-started state: its direction is the previous one plus a
/// random kick from its own generator, normalized; its curvature is a finite-difference
/// Rayleigh quotient (two gradients).
struct WarmStartedProbe: CurvatureEstimator {
  var separation: Float = 1e-2

  struct State: Codable, Sendable {
    var direction: ParameterVector
    var generator: SeededGenerator
    var calls = 0
  }

  func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    var generator = SeededGenerator(seed: seed)
    var direction = ParameterVector(count: layout.count) { _ in generator.nextUniform() - 0.5 }
    _ = direction.normalize()
    return State(direction: direction, generator: generator)
  }

  func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    // A sparse random kick: a few coordinates, drawn from the state's own generator.
    for _ in 0..<8 {
      let i = Int(state.generator.next() % UInt64(state.direction.count))
      state.direction[i] += Float(state.generator.nextGaussian()) * 0.1
    }
    _ = state.direction.normalize()
    var probe = context.parameters
    probe.add(state.direction, scaledBy: separation)
    var g = ParameterVector(count: probe.count)
    _ = objective.lossAndGradient(at: probe, into: &g)
    g.add(context.gradient, scaledBy: -1)
    state.calls += 1
    let curvature = g.dot(state.direction) / Double(separation)
    return CurvatureEstimate(direction: state.direction, curvature: curvature, step: context.step)
  }
}

/// A rule that draws from the context's random stream and reads the curvature estimate:
/// `d ← d + s·ξ·N` with `ξ` a random sign — it makes resumption depend on the RNG, the
/// estimate and its own counter.
struct RandomCurvatureKick: UpdateRule {
  var strength: Float = 1e-3

  struct State: Codable, Sendable {
    var kicks = 0
  }

  func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    guard let estimate = context.curvature else { return }
    let sign: Float = context.random.next() & 1 == 0 ? 1 : -1
    context.direction.add(estimate.direction, scaledBy: sign * strength)
    state.kicks += 1
  }
}

extension Registry {
  /// The core registry plus the test stages above, for specs built from JSON.
  static var withTestStages: Registry {
    var registry = Registry.core
    registry.register(estimator: "warm-probe", summary: "test estimator") { p in
      WarmStartedProbe(separation: Float(try p.double("separation", default: 1e-2)))
    }
    registry.register(rule: "random-kick", summary: "test rule") { p in
      RandomCurvatureKick(strength: Float(try p.double("strength", default: 1e-3)))
    }
    return registry
  }
}

/// A fresh, empty temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
  let url: URL

  init(_ label: String = "checkpoints") {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "saddlekit-\(label)-\(UInt64.random(in: 0...UInt64.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func cleanup() { try? FileManager.default.removeItem(at: url) }
}
