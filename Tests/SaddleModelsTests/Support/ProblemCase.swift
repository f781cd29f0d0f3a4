import SaddleCore
import SaddleModels
import Testing

/// One problem instance for parameterized tests, named for the test report.
struct ProblemCase: Sendable, CustomTestStringConvertible {
  let label: String
  let problem: any ClosedFormProblem

  init(_ label: String, _ problem: any ClosedFormProblem) {
    self.label = label
    self.problem = problem
  }

  var testDescription: String { label }

  /// Every problem of the table, at defaults and at a few other parameter choices.
  static let all: [ProblemCase] = [
    ProblemCase("hyperbolic saddle", HyperbolicSaddle()),
    ProblemCase("hyperbolic saddle a=1 b=0.01", HyperbolicSaddle(a: 1, b: 0.01)),
    ProblemCase("quartic double well", QuarticDoubleWell()),
    ProblemCase("two-well", TwoWell()),
    ProblemCase("monkey saddle", MonkeySaddle()),
    ProblemCase("scalar factorization", ScalarFactorization()),
    ProblemCase("scalar factorization c=2", ScalarFactorization(target: 2)),
    ProblemCase("matrix factorization 4x3 r2", MatrixFactorization()),
    ProblemCase(
      "matrix factorization 3x5 r1", MatrixFactorization(m: 3, n: 5, rank: 1, seed: 7)),
    ProblemCase(
      "matrix factorization given target",
      MatrixFactorization(
        target: [[3, 1, 0], [1, 2, 0.5], [0, 0.5, 1], [0.2, 0, 0.3]], rank: 2)),
    ProblemCase("symmetric factorization n4 r2", SymmetricFactorization()),
    ProblemCase("symmetric factorization n5 r3", SymmetricFactorization(n: 5, rank: 3, seed: 3)),
    ProblemCase("deep linear network L3 w2", DeepLinearNetwork()),
    ProblemCase(
      "deep linear network L2 w2 samples",
      DeepLinearNetwork(depth: 2, width: 2, samples: 5, seed: 1)),
    ProblemCase("deep linear network L1 w3", DeepLinearNetwork(depth: 1, width: 3)),
    ProblemCase("deep linear network scalar chain L4", DeepLinearNetwork(depth: 4, width: 1)),
    ProblemCase("rosenbrock", Rosenbrock()),
    ProblemCase("rastrigin n4", Rastrigin(dimension: 4)),
    ProblemCase(
      "ill-conditioned saddle n6 eps1e-3", IllConditionedSaddle(dimension: 6, epsilon: 1e-3)),
    ProblemCase(
      "ill-conditioned saddle n4 eps0.1 mu1",
      IllConditionedSaddle(dimension: 4, epsilon: 0.1, mu: 1)),
    ProblemCase("octopus d4", Octopus(dimension: 4)),
    ProblemCase("octopus d3 L1 gamma0.5 tau1", Octopus(dimension: 3, L: 1, gamma: 0.5, tau: 1)),
    ProblemCase("spectrum saddle uniform d8", SpectrumSaddle(dimension: 8, seed: 3)),
    ProblemCase(
      "spectrum saddle power-law d10 k2",
      SpectrumSaddle(dimension: 10, shape: .powerLaw, negativeCount: 2, lambdaMin: 0.1, seed: 4)),
    ProblemCase(
      "spectrum saddle clustered d9 k3 mu2",
      SpectrumSaddle(
        dimension: 9, shape: .clustered, negativeCount: 3, lambdaMin: 0.5, gap: 0.05, mu: 2,
        seed: 5)),
    ProblemCase(
      "spectrum saddle finite sum d8 n12",
      SpectrumFiniteSumSaddle(
        base: SpectrumSaddle(dimension: 8, negativeCount: 2, lambdaMin: 0.1, seed: 6),
        components: 12, spread: 0.1, curvatureSpread: 0.5, seed: 6)),
    ProblemCase(
      "matrix completion n6 r2 p0.6", MatrixCompletion(n: 6, rank: 2, fraction: 0.6, seed: 1)),
    ProblemCase(
      "matrix completion n4 r1 p1", MatrixCompletion(n: 4, rank: 1, fraction: 1, seed: 2)),
    ProblemCase(
      "matrix completion n5 r2 p0.7 regularized",
      MatrixCompletion(n: 5, rank: 2, fraction: 0.7, regularization: 0.5, seed: 3)),
    ProblemCase(
      "matrix completion n4 r2 regularized alpha0.3",
      MatrixCompletion(n: 4, rank: 2, fraction: 0.8, regularization: 2, threshold: 0.3, seed: 4)),
    ProblemCase("phase retrieval d4 m80", PhaseRetrieval(dimension: 4, measurements: 80, seed: 2)),
  ]
}

/// Seeded test points: around the default start, around each critical point, and (for the
/// octopus) in every tube region and off the tube.
func samplePoints(for problem: any ClosedFormProblem, seed: UInt64 = 1) -> [[Double]] {
  var generator = SeededGenerator(seed: seed)
  func jitter(_ p: [Double], _ scale: Double) -> [Double] {
    p.map { $0 + scale * generator.nextGaussian() }
  }
  var points = (0..<3).map { _ in jitter(problem.defaultStart, 0.3) }
  for c in problem.saddles + problem.minima { points.append(jitter(c.point, 0.1)) }
  if let octopus = problem as? Octopus {
    let d = octopus.dimension
    let tau = octopus.tau
    for i in 0...d {
      points.append(
        (0..<d).map { j in
          let u = 2 * generator.nextUniformDouble() - 1
          let sign: Double = generator.nextUniformDouble() < 0.5 ? -1 : 1
          if j < i { return sign * (2 * tau + 4 * tau * abs(u)) }
          if j == i { return 2 * tau * u }
          return tau * u
        })
      // Off the tube: anything in [−7τ, 7τ]^d (the extension beyond the paper's domain).
      points.append((0..<d).map { _ in 7 * tau * (2 * generator.nextUniformDouble() - 1) })
    }
  }
  return points
}

func maxMagnitude(_ values: [Double]) -> Double { values.reduce(0) { max($0, abs($1)) } }
