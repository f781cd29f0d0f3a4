import SaddleCore
import SaddleModels
import Testing

@Suite("Spectrum saddles")
struct SpectrumSaddleTests {
  @Test(
    "each shape spans [gap, λ_max] with k negative eigenvalues down to −λ_min",
    arguments: SpectrumSaddle.Shape.allCases)
  func spectrumShape(shape: SpectrumSaddle.Shape) {
    let p = SpectrumSaddle(
      dimension: 40, shape: shape, negativeCount: 3, lambdaMin: 0.02, gap: 0.01, lambdaMax: 2)
    let sorted = p.eigenvalues.sorted()
    #expect(p.eigenvalues.count == 40)
    #expect(sorted[0] == -0.02)
    #expect(sorted.filter { $0 < 0 }.count == 3)
    let positives = sorted.filter { $0 > 0 }
    // Closed-form endpoints; the power law's smallest is λ_max·m^(−α) with α chosen to hit gap,
    // exact up to exp/log rounding.
    #expect(abs(positives.first! - 0.01) <= 1e-14)
    #expect(abs(positives.last! - 2) <= 1e-12)
  }

  @Test("the power-law spectrum is λ_max·r^(−α), dense near the gap")
  func powerLaw() {
    let p = SpectrumSaddle(dimension: 101, shape: .powerLaw, gap: 0.01, lambdaMax: 1)
    let positives = Array(p.eigenvalues.dropFirst()).sorted(by: >)
    // α = ln(100)/ln(100) = 1: λ_(r) = 1/r.
    for (r, value) in positives.enumerated() {
      #expect(abs(value - 1 / Double(r + 1)) <= 1e-14)
    }
    // Half of the spectrum lies below 2·gap (r ≥ 50).
    #expect(positives.filter { $0 <= 0.02 }.count == 51)
  }

  @Test("the saddle's Hessian has exactly the prescribed eigenvalues (dense eigendecomposition)")
  func hessianSpectrum() {
    let p = SpectrumSaddle(dimension: 12, shape: .clustered, negativeCount: 2, seed: 9)
    let h = p.hessian(at: p.defaultStart)
    let eigen = SymmetricEigen(h)
    for (computed, expected) in zip(eigen.values.sorted(), p.eigenvalues.sorted()) {
      #expect(abs(computed - expected) <= 1e-12)
    }
  }

  @Test("the basis is not axis-aligned: no eigenvector has a coordinate above 0.9")
  func randomBasis() {
    let p = SpectrumSaddle(dimension: 30, seed: 2)
    #expect(p.eigenvectors.map(abs).max()! < 0.9)
  }

  @Test("the Float model path agrees with the Double closed form")
  func floatPath() {
    let p = SpectrumSaddle(dimension: 16, negativeCount: 2, lambdaMin: 0.1, seed: 1)
    let x = p.perturbedStart(perturbation: 0.5, seed: 3)
    var g = ParameterVector(count: 16)
    let loss = p.lossAndGradient(at: ParameterVector(x.map { Float($0) }), on: (), into: &g)
    let xf = x.map { Double(Float($0)) }
    #expect(abs(loss - p.value(at: xf)) <= 1e-12)
    for (a, b) in zip(g.array, p.gradient(at: xf)) { #expect(abs(Double(a) - b) <= 1e-7) }
  }

  @Test("the catalog builds each shape and checks λ_max ≥ gap")
  func catalog() throws {
    for shape in SpectrumSaddle.Shape.allCases {
      let p = try ProblemCatalog.make(
        "spectrum-saddle-\(shape.rawValue)", dimension: 20, parameters: ["negatives": 2])
      #expect(p.dimension == 20)
      #expect(p.saddles[0].hessianEigenvalues.filter { $0 < 0 }.count == 2)
    }
    #expect(throws: ProblemError.self) {
      try ProblemCatalog.make(
        "spectrum-saddle-uniform", dimension: 20, parameters: ["gap": 2, "lambdaMax": 1])
    }
    #expect(throws: ProblemError.self) {
      try ProblemCatalog.make("spectrum-saddle-uniform", dimension: 4, parameters: ["negatives": 4])
    }
  }
}

@Suite("Random streams by purpose")
struct SeedPurposeTests {
  @Test(
    "a start perturbation is not an axis of the rotation drawn from the same seed",
    arguments: [1, 2, 3, 42] as [UInt64])
  func startIsNotAnEigenvector(seed: UInt64) {
    // Before streams were split by purpose, RotatedProblem(p, seed: s)'s first axis was exactly
    // perturbedStart(…, seed: s)'s direction, so seed s started with no component along the
    // escape direction of an axis-aligned saddle.
    let base = IllConditionedSaddle(dimension: 20, epsilon: 0.01)
    let rotated = RotatedProblem(base, seed: seed)
    let start = rotated.perturbedStart(perturbation: 1, seed: seed)
    let q = rotated.rotation
    for axis in 0..<20 {
      let cosine = (0..<20).reduce(0.0) { $0 + q[$1][axis] * start[$1] }
      #expect(abs(cosine) < 0.99)
    }
    // The escape direction (the last base axis, rotated) has a typical component, not zero.
    let escape = (0..<20).reduce(0.0) { $0 + q[$1][19] * start[$1] }
    #expect(abs(escape) > 1e-4)
  }
}
