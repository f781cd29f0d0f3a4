import Foundation
import SaddleCore
import SaddleModels
import Testing

// The generic derivative and critical-point tests (ProblemDerivativeTests, CriticalPointTests)
// cover these problems through `ProblemCase.all`; the tests here check what is specific to
// each: the finite sum's mean, the noise stream, the completion mask, phase retrieval's
// critical points.

/// Max-norm of `a − b`.
private func distance(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Spectrum saddle as a finite sum")
struct SpectrumFiniteSumSaddleTests {
  let problem = SpectrumFiniteSumSaddle(
    base: SpectrumSaddle(dimension: 10, negativeCount: 2, lambdaMin: 0.1, seed: 3),
    components: 16, spread: 0.05, curvatureSpread: 0.3, seed: 4)

  func point(_ seed: UInt64) -> [Double] {
    // Float-representable, so the Float and Double paths see the same point.
    problem.perturbedStart(perturbation: 0.7, seed: seed).map { Double(Float($0)) }
  }

  @Test("the average of all components is the spectrum saddle: loss and gradient")
  func meanIsTheSpectrumSaddle() {
    for seed in [1, 2, 3] as [UInt64] {
      let x = point(seed)
      let all = problem.minibatch(at: x, components: Array(0..<16))
      #expect(abs(all.loss - problem.base.value(at: x)) <= 1e-13)
      #expect(distance(all.gradient, problem.base.gradient(at: x)) <= 1e-13)
    }
  }

  @Test("components disagree: at the saddle each gradient is its offset bᵢ ≠ 0")
  func componentsDiffer() {
    let zero = problem.defaultStart
    let g0 = problem.minibatch(at: zero, components: [0]).gradient
    let g1 = problem.minibatch(at: zero, components: [1]).gradient
    #expect(g0.map(abs).max()! > 1e-3)
    #expect(distance(g0, g1) > 1e-3)
    // … and so do their Hessians, by ρ(aᵢaᵢᵀ − S).
    let h0 = problem.componentHessian(0, at: zero)
    let h = problem.hessian(at: zero)
    #expect(zip(h0, h).map { distance($0, $1) }.max()! > 1e-3)
  }

  @Test("a minibatch gradient (repeated indices) matches central differences of its loss")
  func minibatchGradient() {
    let batch = [0, 3, 3, 7, 15]
    let x = point(5)
    let g = problem.minibatch(at: x, components: batch).gradient
    for i in 0..<problem.dimension {
      let h = 1e-5
      var plus = x
      var minus = x
      plus[i] += h
      minus[i] -= h
      let fd =
        (problem.minibatch(at: plus, components: batch).loss
          - problem.minibatch(at: minus, components: batch).loss) / (2 * h)
      #expect(abs(g[i] - fd) <= 1e-8 * (1 + abs(fd)), "coordinate \(i): \(g[i]) vs \(fd)")
    }
  }

  @Test("a component Hessian matches central differences of the component gradient")
  func componentHessian() {
    let x = point(6)
    let hessian = problem.componentHessian(2, at: x)
    for j in 0..<problem.dimension {
      var plus = x
      var minus = x
      plus[j] += 1e-5
      minus[j] -= 1e-5
      let gp = problem.minibatch(at: plus, components: [2]).gradient
      let gm = problem.minibatch(at: minus, components: [2]).gradient
      for i in 0..<problem.dimension {
        #expect(abs(hessian[i][j] - (gp[i] - gm[i]) / 2e-5) <= 1e-7)
      }
    }
  }

  @Test("the Float minibatch path agrees with the Double one")
  func floatPath() {
    let x = point(7)
    var g = ParameterVector(count: problem.dimension)
    let loss = problem.minibatchLossAndGradient(
      at: ParameterVector(x.map { Float($0) }), components: [1, 4], into: &g)
    let exact = problem.minibatch(at: x, components: [1, 4])
    #expect(loss == exact.loss)
    #expect(
      problem.minibatchLoss(at: ParameterVector(x.map { Float($0) }), components: [1, 4])
        == exact.loss)
    for i in 0..<problem.dimension {
      #expect(abs(Double(g[i]) - exact.gradient[i]) <= 1e-7 * (1 + abs(exact.gradient[i])))
    }
  }

  @Test("n component gradients are billed as one gradient (FiniteSumModel)")
  func billing() {
    var objective = Objective(model: problem, batch: ())
    #expect(objective.componentCount == 16)
    var ledger = ComponentLedger()
    var g = ParameterVector(count: problem.dimension)
    let x = problem.initialParameters(seed: 1)
    for i in 0..<15 {
      _ = objective.minibatchLossAndGradient(at: x, components: [i], into: &g, ledger: &ledger)
    }
    #expect(objective.counts.gradients == 0)
    _ = objective.minibatchLossAndGradient(at: x, components: [15, 0], into: &g, ledger: &ledger)
    #expect(objective.counts.gradients == 1)
    #expect(ledger.gradients == 1)
  }

  @Test("the catalog builds it with the spectrum saddle's checks and its own")
  func catalog() throws {
    let built = try ProblemCatalog.make(
      "spectrum-saddle-finite-sum", dimension: 12,
      parameters: ["components": 5, "spread": 0, "negatives": 3])
    let p = try #require(built as? SpectrumFiniteSumSaddle)
    #expect(p.componentCount == 5 && p.spread == 0 && p.base.negativeCount == 3)
    #expect(p.saddles[0].hessianEigenvalues.filter { $0 < 0 }.count == 3)
    for (key, value) in [
      ("components", 0.0), ("components", 2.5), ("spread", -1), ("curvatureSpread", .nan),
      ("gap", 2), ("negatives", 12),
    ] {
      #expect(throws: ProblemError.self, "\(key) = \(value)") {
        try ProblemCatalog.make(
          "spectrum-saddle-finite-sum", dimension: 12, parameters: [key: value])
      }
    }
  }
}

@Suite("Spectrum saddle with gradient noise")
struct NoisySpectrumSaddleTests {
  let problem = NoisySpectrumSaddle(
    SpectrumSaddle(dimension: 6, lambdaMin: 0.1, seed: 2), sigma: 0.25)

  @Test("the gradient is the exact gradient plus σ·ξ of the step's own stream; loss exact")
  func noiseIsAdditive() {
    let x = problem.base.perturbedStart(perturbation: 0.5, seed: 1)
    let parameters = ParameterVector(x.map { Float($0) })
    let xf = parameters.map { Double($0) }
    let draw = problem.batch(step: 3, seed: 9)
    var g = ParameterVector(count: 6)
    let loss = problem.lossAndGradient(at: parameters, on: draw, into: &g)
    #expect(loss == problem.base.value(at: xf))
    #expect(problem.loss(at: parameters, on: draw) == loss)
    let expected = zip(problem.base.gradient(at: xf), problem.noise(draw)).map { $0 + $1 }
    for i in 0..<6 { #expect(abs(Double(g[i]) - expected[i]) <= 1e-7 * (1 + abs(expected[i]))) }
    // The same step and seed draw the same noise; other steps and seeds do not.
    #expect(problem.noise(problem.batch(step: 3, seed: 9)) == problem.noise(draw))
    #expect(problem.noise(problem.batch(step: 4, seed: 9)) != problem.noise(draw))
    #expect(problem.noise(problem.batch(step: 3, seed: 10)) != problem.noise(draw))
    // Never the start perturbation's stream.
    #expect(draw.seed != mixSeed(9, SeedPurpose.start))
  }

  @Test("σ = 0 is the noiseless problem; the HVP is the exact one")
  func noiseless() {
    let quiet = NoisySpectrumSaddle(problem.base, sigma: 0)
    let parameters = quiet.initialParameters(seed: 4)
    var g = ParameterVector(count: 6)
    var exact = ParameterVector(count: 6)
    _ = quiet.lossAndGradient(at: parameters, on: quiet.batch(step: 0, seed: 4), into: &g)
    _ = quiet.base.lossAndGradient(at: parameters, on: (), into: &exact)
    #expect(g.array == exact.array)
    var v = ParameterVector(count: 6)
    var generator = SeededGenerator(seed: 1)
    v.fillGaussian(using: &generator)
    var hv = ParameterVector(count: 6)
    var baseHv = ParameterVector(count: 6)
    problem.hessianVectorProduct(
      at: parameters, on: problem.batch(step: 1, seed: 4), along: v, into: &hv)
    problem.base.hessianVectorProduct(at: parameters, on: (), along: v, into: &baseHv)
    #expect(problem.hasExactHessianVectorProduct)
    #expect(hv.array == baseHv.array)
    #expect(problem.saddleValue == 0)
  }

  @Test("the noise over 2000 steps has mean ≈ 0 and standard deviation ≈ σ per coordinate")
  func noiseStatistics() {
    let steps = 2000
    var sum = [Double](repeating: 0, count: 6)
    var squares = [Double](repeating: 0, count: 6)
    for step in 0..<steps {
      let xi = problem.noise(problem.batch(step: step, seed: 1))
      for i in 0..<6 {
        sum[i] += xi[i]
        squares[i] += xi[i] * xi[i]
      }
    }
    for i in 0..<6 {
      let mean = sum[i] / Double(steps)
      let sd = (squares[i] / Double(steps) - mean * mean).squareRoot()
      // Standard errors: σ/√2000 ≈ 0.0056 for the mean, σ/√4000 ≈ 0.004 for the sd (5 of each).
      #expect(abs(mean) <= 0.028)
      #expect(abs(sd - 0.25) <= 0.02)
    }
  }

  @Test(
    "gradient descent from exactly the saddle escapes through the noise, the same bits per seed")
  func noiseDrivesEscape() throws {
    let model = NoisySpectrumSaddle(
      SpectrumSaddle(dimension: 6, lambdaMin: 0.5, seed: 2), sigma: 1e-3)
    let optimizer = Optimizer { SGD(learningRate: 0.5) }
    func descend(dataSeed: UInt64) throws -> (parameters: [Float], loss: Double) {
      var state = optimizer.makeState(for: model, seed: 0)  // exactly on the saddle
      var loss = 0.0
      for _ in 0..<200 { loss = try optimizer.step(&state, model: model, dataSeed: dataSeed) }
      return (state.parameters.array, loss)
    }
    let a = try descend(dataSeed: 1)
    let b = try descend(dataSeed: 1)
    let c = try descend(dataSeed: 2)
    #expect(a.parameters == b.parameters)
    #expect(a.parameters != c.parameters)
    // The minima lie at f = −λ_min²/(4μ) = −0.125 (μ = λ_min); without noise GD stays at 0.
    let depth = model.base.minima[0].value
    #expect(a.loss < 0.9 * depth && c.loss < 0.9 * depth)
    let quiet = NoisySpectrumSaddle(model.base, sigma: 0)
    var state = optimizer.makeState(for: quiet, seed: 0)
    for _ in 0..<200 { try optimizer.step(&state, model: quiet, dataSeed: 1) }
    #expect(quiet.base.value(at: state.parameters.map { Double($0) }) == 0)
  }

  @Test("the registry builds spectrum-saddle-noisy and rejects bad values in one line")
  func registry() throws {
    let model = try Registry.standard.model(
      named: "spectrum-saddle-noisy",
      fields: ["dimension": .double(8), "sigma": .double(0.5), "seed": .double(3)])
    let noisy = try #require(model as? NoisySpectrumSaddle)
    #expect(noisy.sigma == 0.5 && noisy.base.dimension == 8 && noisy.base.seed == 3)
    #expect(NoisySpectrumSaddle.name == "spectrum-saddle-noisy")
    #expect(ProblemCatalog.stochasticNames == ["spectrum-saddle-noisy"])
    for (key, value) in [("sigma", -0.1), ("dimension", 1), ("lambdaMax", 0.001), ("sigmaa", 1)] {
      do {
        var fields: [String: JSONValue] = ["dimension": .double(8)]
        fields[key] = .double(value)
        _ = try Registry.standard.model(named: "spectrum-saddle-noisy", fields: fields)
        Issue.record("\(key) = \(value) accepted")
      } catch {
        let text = "\(error)"
        #expect(text.contains(key == "sigmaa" ? "sigmaa" : key), "\(text)")
        #expect(!text.contains("\n"))
      }
    }
    #expect(throws: ProblemError.self) {
      try ProblemCatalog.makeStochastic("spectrum-saddle-noisy", parameters: ["sigma": .infinity])
    }
  }
}

@Suite("Symmetric matrix completion")
struct MatrixCompletionTests {
  @Test("fully observed (p = 1) it is SymmetricFactorization of M = U*U*ᵀ")
  func fullyObserved() {
    let p = MatrixCompletion(n: 5, rank: 2, fraction: 1, seed: 3)
    #expect(p.observed.count == 25)
    let reference = SymmetricFactorization(target: p.target, rank: 2)
    var generator = SeededGenerator(seed: 1)
    for _ in 0..<3 {
      let u = (0..<10).map { _ in generator.nextGaussian() }
      let v = (0..<10).map { _ in generator.nextGaussian() }
      let scale = 1 + abs(reference.value(at: u))
      #expect(abs(p.value(at: u) - reference.value(at: u)) <= 1e-12 * scale)
      #expect(distance(p.gradient(at: u), reference.gradient(at: u)) <= 1e-11 * scale)
      #expect(
        distance(
          p.hessianVectorProduct(at: u, along: v), reference.hessianVectorProduct(at: u, along: v))
          <= 1e-11 * scale)
    }
    // The origin's eigenvalues are −λₖ(M): the top r negative (each r times), the rest zero.
    let saddle = p.saddles[0]
    let lambda = reference.eigenvalues
    #expect(saddle.hessianEigenvalues.filter { $0 < -1e-9 }.count == 4)
    #expect(abs(saddle.hessianEigenvalues[0] + lambda[0]) <= 1e-9 * lambda[0])
    #expect(saddle.hessianEigenvalues.suffix(6).allSatisfy { abs($0) <= 1e-9 * lambda[0] })
  }

  @Test("the mask is symmetric, seeded, and about p of the pairs")
  func mask() {
    let p = MatrixCompletion(n: 30, rank: 2, fraction: 0.3, seed: 5)
    let set = Set(p.observed.map { $0.row * 30 + $0.column })
    #expect(p.observed.allSatisfy { set.contains($0.column * 30 + $0.row) })
    // 465 pairs i ≤ j, Binomial(465, 0.3): mean 139.5, sd ≈ 9.9.
    let pairs = p.observed.filter { $0.row <= $0.column }.count
    #expect(abs(Double(pairs) - 139.5) <= 50)
    #expect(MatrixCompletion(n: 30, rank: 2, fraction: 0.3, seed: 5).observed.count == set.count)
    #expect(
      MatrixCompletion(n: 30, rank: 2, fraction: 0.3, seed: 6).plantedFactor != p.plantedFactor)
  }

  @Test("the origin is a strict saddle with Hessian −P_Ω(M)/p ⊗ I_r; U*R are global minima")
  func criticalPoints() {
    let p = MatrixCompletion(n: 8, rank: 2, fraction: 0.4, seed: 7)
    let saddle = p.saddles[0]
    #expect(saddle.kind == .saddle)
    #expect(saddle.hessianEigenvalues[0] < 0)
    // Hessian at 0 column by column: H(Δ) = −P_Ω(M)Δ/p.
    let h = p.hessian(at: p.defaultStart)
    let m = p.observedTarget
    for i in 0..<8 {
      for k in 0..<2 {
        for j in 0..<8 {
          for l in 0..<2 {
            let expected = k == l ? -m[i][j] / 0.4 : 0
            #expect(abs(h[i * 2 + k][j * 2 + l] - expected) <= 1e-12)
          }
        }
      }
    }
    // Any rotation of U* is a global minimum: f = 0, ∇f = 0, one zero eigenvalue (r = 2).
    let c = 0.6
    let s = 0.8
    let rotated = (0..<8).flatMap { i -> [Double] in
      let a = p.plantedFactor[2 * i]
      let b = p.plantedFactor[2 * i + 1]
      return [c * a - s * b, s * a + c * b]
    }
    #expect(p.value(at: rotated) <= 1e-24)
    #expect(p.gradient(at: rotated).map(abs).max()! <= 1e-12)
    let minimum = p.minima[0]
    #expect(minimum.hessianEigenvalues.filter { abs($0) <= 1e-9 }.count >= 1)
  }

  @Test("the default regularizer threshold leaves the saddle and the minima unchanged")
  func regularizer() {
    let plain = MatrixCompletion(n: 7, rank: 2, fraction: 0.6, seed: 8)
    let regularized = MatrixCompletion(n: 7, rank: 2, fraction: 0.6, regularization: 3, seed: 8)
    #expect(regularized.saddles == plain.saddles)
    #expect(regularized.minima == plain.minima)
    // Away from them it penalizes rows longer than α: f grows by λ(‖Uᵢ‖ − α)⁴.
    let far = plain.plantedFactor.map { 3 * $0 }
    var penalty = 0.0
    for i in 0..<7 {
      let norm = (far[2 * i] * far[2 * i] + far[2 * i + 1] * far[2 * i + 1]).squareRoot()
      penalty += pow(max(norm - regularized.threshold, 0), 4)
    }
    #expect(penalty > 0)
    let expected = plain.value(at: far) + 3 * penalty
    #expect(abs(regularized.value(at: far) - expected) <= 1e-12 * expected)
    // A threshold below U*'s row norms moves the minima: none are listed.
    #expect(
      MatrixCompletion(n: 7, rank: 2, fraction: 0.6, regularization: 1, threshold: 0.1, seed: 8)
        .minima.isEmpty)
  }

  @Test("strict catalog parameters, including a fraction that observes nothing")
  func catalog() throws {
    let built = try ProblemCatalog.make(
      "matrix-completion", dimension: 12, parameters: ["n": 6, "rank": 2, "fraction": 0.7])
    #expect(built is MatrixCompletion)
    let empty = MatrixCompletion(n: 1, rank: 1, fraction: 0.01, seed: 0)
    try #require(empty.observed.isEmpty)
    for parameters: [String: Double] in [
      ["fraction": 0], ["fraction": 1.5], ["fraction": .nan], ["rank": 5, "n": 4], ["n": 0],
      ["n": 1, "rank": 1, "fraction": 0.01, "seed": 0], ["regularizer": 1],
      ["regularization": -1], ["threshold": 0], ["regularization": .infinity],
    ] {
      do {
        _ = try ProblemCatalog.make("matrix-completion", dimension: nil, parameters: parameters)
        Issue.record("\(parameters) accepted")
      } catch let error as ProblemError {
        #expect(!error.description.contains("\n"))
      }
    }
  }
}

@Suite("Phase retrieval")
struct PhaseRetrievalTests {
  @Test("the origin is a local maximum (Hessian −C negative definite), not a saddle")
  func originIsAMaximum() {
    let p = PhaseRetrieval(dimension: 5, measurements: 60, seed: 1)
    let origin = p.localMaximum
    #expect(origin.kind == .maximum)
    #expect(p.gradient(at: origin.point).allSatisfy { $0 == 0 })
    let values = SymmetricEigen(p.hessian(at: origin.point)).values
    #expect(values.last! < 0)
    for (a, b) in zip(values, origin.hessianEigenvalues) { #expect(abs(a - b) <= 1e-10) }
    #expect(abs(p.value(at: origin.point) - origin.value) <= 1e-12)
    #expect(!p.saddles.contains { $0.point == origin.point })
    // The minima's Hessian is 2C: its eigenvalues are −2 times the origin's.
    for (a, b) in zip(p.minima[0].hessianEigenvalues, origin.hessianEigenvalues.reversed()) {
      #expect(abs(a + 2 * b) <= 1e-12 * (1 + abs(a)))
    }
  }

  @Test("for many measurements C ≈ E C = I + 2x*x*ᵀ: origin eigenvalues near {−3, −1, −1}")
  func expectedHessian() {
    let p = PhaseRetrieval(dimension: 3, measurements: 20_000, seed: 4)
    let values = p.localMaximum.hessianEigenvalues
    // Entries of C have standard deviation ≤ √(15/m) ≈ 0.03.
    #expect(abs(values[0] + 3) <= 0.15)
    #expect(abs(values[1] + 1) <= 0.15)
    #expect(abs(values[2] + 1) <= 0.15)
    // The found saddle approaches the population sphere ‖x‖² = 1/3, x ⊥ x*.
    let saddle = p.saddles[0].point
    let squared = saddle.reduce(0) { $0 + $1 * $1 }
    let alignment = zip(saddle, p.signal).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(abs(squared - 1.0 / 3) <= 0.05)
    #expect(abs(alignment) <= 0.1)
    // The population saddle's value is ⅔‖x*‖⁴.
    #expect(abs(p.saddles[0].value - 2.0 / 3) <= 0.1)
    // … and its Hessian's −2‖x*‖² along x*.
    #expect(abs(p.saddles[0].hessianEigenvalues[0] + 2) <= 0.2)
  }

  @Test(
    "the listed saddle is an index-1 critical point for each seed; ±x* are minima with f = 0",
    arguments: [0, 1, 2, 3] as [UInt64])
  func saddleAndMinima(seed: UInt64) throws {
    let p = PhaseRetrieval(dimension: 6, seed: seed)
    let saddle = try #require(p.saddles.first)
    #expect(p.gradient(at: saddle.point).map(abs).max()! <= 1e-11)
    let values = SymmetricEigen(p.hessian(at: saddle.point)).values
    #expect(values.filter { $0 < 0 }.count == 1)
    #expect(saddle.value < p.localMaximum.value)
    #expect(p.defaultStart == saddle.point)
    for minimum in p.minima {
      #expect(p.value(at: minimum.point) == 0)
      #expect(minimum.hessianEigenvalues[0] > 0)
    }
    #expect(p.minima[0].point == p.signal)
  }

  @Test("strict catalog parameters: measurements ≥ dimension, 2 ≤ dimension ≤ 64")
  func catalog() throws {
    let built = try ProblemCatalog.make("phase-retrieval", dimension: 4, parameters: [:])
    let p = try #require(built as? PhaseRetrieval)
    #expect(p.measurements == 80)
    for parameters: [String: Double] in [
      ["measurements": 3], ["dimension": 1], ["dimension": 65], ["measurements": 30_000],
      ["measurements": 10.5], ["signal": 1],
    ] {
      do {
        _ = try ProblemCatalog.make("phase-retrieval", dimension: nil, parameters: parameters)
        Issue.record("\(parameters) accepted")
      } catch let error as ProblemError {
        #expect(!error.description.contains("\n"))
      }
    }
  }
}
