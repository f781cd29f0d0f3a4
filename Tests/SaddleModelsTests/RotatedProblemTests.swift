import SaddleCore
import SaddleModels
import Testing

@Suite("Rotated problems")
struct RotatedProblemTests {
  let problem = RotatedProblem(IllConditionedSaddle(dimension: 6, epsilon: 0.1), seed: 3)

  @Test("the rotation is orthogonal: QᵀQ = I to 1e-12")
  func orthogonal() {
    let q = problem.rotation
    for i in 0..<6 {
      for j in 0..<6 {
        let dot = (0..<6).reduce(0.0) { $0 + q[$1][i] * q[$1][j] }
        #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
      }
    }
  }

  @Test("the gradient matches central differences of the value")
  func gradient() {
    let x = [0.3, -0.2, 0.1, 0.5, -0.4, 0.25]
    let g = problem.gradient(at: x)
    let h = 1e-6
    for i in 0..<6 {
      var plus = x
      var minus = x
      plus[i] += h
      minus[i] -= h
      let fd = (problem.value(at: plus) - problem.value(at: minus)) / (2 * h)
      // Central differences of a smooth quartic: truncation error O(h²·f‴) ≈ 1e-12, rounding
      // ≈ 1e-16/h ≈ 1e-10.
      #expect(abs(fd - g[i]) < 1e-8)
    }
  }

  @Test("the saddle keeps its value and spectrum; the Hessian there has the base eigenvalues")
  func saddle() throws {
    let saddle = try #require(problem.saddles.first)
    #expect(saddle.value == 0)
    let eigen = SymmetricEigen(problem.hessian(at: saddle.point))
    let expected = [-0.1, 1, 1, 1, 1, 1]
    for (a, b) in zip(eigen.values, expected) { #expect(abs(a - b) < 1e-12) }
    // The escape direction is no longer a coordinate axis.
    let v = eigen.vectors.map { $0[0] }
    #expect(v.map { abs($0) }.max()! < 0.99)
  }
}
