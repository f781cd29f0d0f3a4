import SaddleCore
import SaddleModels
import Testing

@Suite("Closed-form problem derivatives")
struct ProblemDerivativeTests {
  // Central differences in Double with h = 1e-5·max(1, |xᵢ|): truncation h²·f‴/6 ≲ 1e-7 for
  // the largest third derivatives here (Rastrigin, 8π³A ≈ 2.5e3) and rounding ε·|f|/h ≲ 1e-7
  // for |f| ≲ 5e3. The Float gradient adds a relative 2⁻²⁴ ≈ 6e-8. So 1e-6·(1 + |g|) has
  // an order of magnitude of margin.
  @Test(
    "the Float gradient matches central differences of the Double value",
    arguments: ProblemCase.all)
  func gradientMatchesFiniteDifferences(_ item: ProblemCase) {
    let problem = item.problem
    for point in samplePoints(for: problem) {
      let parameters = ParameterVector(point.map { Float($0) })
      let p = parameters.map { Double($0) }
      var gradient = ParameterVector(count: problem.dimension)
      let loss = problem.lossAndGradient(at: parameters, on: (), into: &gradient)
      #expect(loss == problem.value(at: p))
      #expect(problem.loss(at: parameters, on: ()) == loss)
      for i in 0..<problem.dimension {
        let h = 1e-5 * max(1, abs(p[i]))
        var plus = p
        var minus = p
        plus[i] += h
        minus[i] -= h
        let fd = (problem.value(at: plus) - problem.value(at: minus)) / (2 * h)
        #expect(
          abs(Double(gradient[i]) - fd) <= 1e-6 * (1 + abs(fd)),
          "∂f/∂x\(i) at \(p): \(gradient[i]) vs \(fd)")
      }
    }
  }

  // Central differences of the exact Double gradient, h = 1e-5·max(1, |xᵢ|): truncation
  // h²·f⁗/6 ≲ 1e-6 for Rosenbrock's 24b = 2400; 1e-5 relative to the Hessian's scale leaves
  // margin and still catches any wrong term (errors of order 1 or more).
  @Test("the exact Hessian matches finite differences of the gradient", arguments: ProblemCase.all)
  func hessianMatchesFiniteDifferences(_ item: ProblemCase) {
    let problem = item.problem
    for p in samplePoints(for: problem) {
      let hessian = problem.hessian(at: p)
      let scale = 1 + hessian.map(maxMagnitude).reduce(0, max)
      for j in 0..<problem.dimension {
        let h = 1e-5 * max(1, abs(p[j]))
        var plus = p
        var minus = p
        plus[j] += h
        minus[j] -= h
        let gp = problem.gradient(at: plus)
        let gm = problem.gradient(at: minus)
        for i in 0..<problem.dimension {
          let fd = (gp[i] - gm[i]) / (2 * h)
          #expect(
            abs(hessian[i][j] - fd) <= 1e-5 * scale,
            "H[\(i)][\(j)] at \(p): \(hessian[i][j]) vs \(fd)")
        }
        #expect(symmetricEnough(hessian, j, scale))
      }
    }
  }

  func symmetricEnough(_ h: [[Double]], _ j: Int, _ scale: Double) -> Bool {
    (0..<h.count).allSatisfy { abs(h[j][$0] - h[$0][j]) <= 1e-12 * scale }
  }

  // Both sides use the same Float inputs; the only differences are Double rounding in two
  // orders of summation and the final rounding to Float (relative 6e-8).
  @Test(
    "the exact Hessian-vector product equals the Hessian times the vector",
    arguments: ProblemCase.all)
  func hessianVectorProductMatchesHessian(_ item: ProblemCase) {
    let problem = item.problem
    #expect(problem.hasExactHessianVectorProduct)
    var generator = SeededGenerator(seed: 5)
    for point in samplePoints(for: problem) {
      let parameters = ParameterVector(point.map { Float($0) })
      var direction = ParameterVector(count: problem.dimension)
      direction.fillGaussian(using: &generator)
      var product = ParameterVector(count: problem.dimension)
      problem.hessianVectorProduct(at: parameters, on: (), along: direction, into: &product)
      let hessian = problem.hessian(at: parameters.map { Double($0) })
      let expected = hessian.map { row in
        zip(row, direction).reduce(0) { $0 + $1.0 * Double($1.1) }
      }
      let scale = 1 + maxMagnitude(expected)
      for i in 0..<problem.dimension {
        #expect(abs(Double(product[i]) - expected[i]) <= 1e-6 * scale)
      }
    }
  }

  @Test("initialParameters: default start for seed 0, 1e-8 off it otherwise; starts are seeded")
  func startingPoints() {
    for item in ProblemCase.all {
      let problem = item.problem
      #expect(problem.initialParameters(seed: 0).array == problem.defaultStart.map { Float($0) })
      #expect(
        problem.initialParameters(seed: 42).array
          == problem.start(perturbation: 1e-8, seed: 42).array)
      let a = problem.perturbedStart(perturbation: 1e-3, seed: 7)
      let b = problem.perturbedStart(perturbation: 1e-3, seed: 7)
      let c = problem.perturbedStart(perturbation: 1e-3, seed: 8)
      #expect(a == b)
      #expect(a != c)
      let distance = zip(a, problem.defaultStart).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      #expect(abs(distance.squareRoot() - 1e-3) <= 1e-12)
      #expect(problem.start(perturbation: 1e-3, seed: 7).array == a.map { Float($0) })
      #expect(problem.layout.count == problem.dimension)
    }
  }
}
