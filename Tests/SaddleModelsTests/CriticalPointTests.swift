import SaddleCore
import SaddleModels
import Testing

@Suite("Closed-form problem critical points")
struct CriticalPointTests {
  // Listed points are exact closed forms (or SVD / Newton results at machine precision), so
  // the Double gradient is zero up to rounding: 1e-9 relative to the point's scale.
  func checkCriticalPoint(_ c: CriticalPoint, of problem: any ClosedFormProblem) {
    let gradient = problem.gradient(at: c.point)
    let scale = 1 + maxMagnitude(c.point) + abs(c.value)
    #expect(maxMagnitude(gradient) <= 1e-9 * scale * scale, "∇f = \(gradient) at \(c.point)")
    #expect(abs(problem.value(at: c.point) - c.value) <= 1e-10 * scale)
    let computed = SymmetricEigen(problem.hessian(at: c.point)).values
    let listed = c.hessianEigenvalues
    #expect(computed.count == listed.count)
    let tolerance = 1e-8 * (1 + maxMagnitude(listed))
    for (x, y) in zip(computed, listed) {
      #expect(abs(x - y) <= tolerance, "eigenvalues \(computed) vs listed \(listed)")
    }
  }

  @Test(
    "every listed saddle has zero gradient and the listed Hessian spectrum",
    arguments: ProblemCase.all)
  func saddles(_ item: ProblemCase) {
    for saddle in item.problem.saddles {
      checkCriticalPoint(saddle, of: item.problem)
      switch saddle.kind {
      case .saddle: #expect(saddle.hessianEigenvalues.first! < 0)
      case .degenerate: #expect(saddle.hessianEigenvalues.allSatisfy { $0 == 0 })
      case .minimum: Issue.record("a saddle listed as a minimum")
      case .maximum: Issue.record("a local maximum listed as a saddle")
      }
    }
  }

  // A minimum is checked beyond its Hessian: f does not drop along 32 random directions at
  // radius 1e-3 (this also covers the flat directions of manifolds of minima).
  @Test(
    "every listed minimum has zero gradient, a PSD Hessian with the listed spectrum, the listed value",
    arguments: ProblemCase.all)
  func minima(_ item: ProblemCase) {
    let problem = item.problem
    var generator = SeededGenerator(seed: 3)
    for minimum in problem.minima {
      #expect(minimum.kind == .minimum)
      checkCriticalPoint(minimum, of: problem)
      let scale = 1 + maxMagnitude(minimum.hessianEigenvalues)
      #expect(minimum.hessianEigenvalues.allSatisfy { $0 >= -1e-9 * scale })
      for _ in 0..<32 {
        var u = (0..<problem.dimension).map { _ in generator.nextGaussian() }
        let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        u = u.map { $0 / norm }
        let nearby = problem.value(at: zip(minimum.point, u).map { $0 + 1e-3 * $1 })
        #expect(nearby >= minimum.value - 1e-10 * (1 + abs(minimum.value)))
      }
    }
  }

  @Test("the table's critical points are listed")
  func tableEntries() {
    #expect(HyperbolicSaddle().minima.isEmpty)
    #expect(MonkeySaddle().saddles.first?.kind == .degenerate)
    #expect(Rosenbrock().saddles.isEmpty)
    #expect(QuarticDoubleWell().minima.map(\.value) == [-0.25, -0.25])
    #expect(TwoWell().minima.map(\.point) == [[1, 0], [-1, 0]])
    let ill = IllConditionedSaddle(dimension: 5, epsilon: 1e-3, mu: 2)
    #expect(ill.saddles[0].hessianEigenvalues == [-1e-3, 1, 1, 1, 1])
    #expect(abs(ill.minima[0].point[4] - (1e-3 / 2.0).squareRoot()) < 1e-15)
    #expect(ill.minima[0].value == -1e-6 / 8)
    #expect(IllConditionedSaddle(epsilon: 0.1).minima[0].point.last == 1)
    let mf = MatrixFactorization()
    #expect(mf.saddles[0].hessianEigenvalues.filter { $0 < 0 }.count == 3 * mf.rank)
    #expect(DeepLinearNetwork(depth: 3).saddles[0].kind == .degenerate)
    #expect(DeepLinearNetwork(depth: 2).saddles[0].kind == .saddle)
    #expect(DeepLinearNetwork(depth: 1).saddles.isEmpty)
  }
}
