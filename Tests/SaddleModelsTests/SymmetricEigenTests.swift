import SaddleCore
import SaddleModels
import Testing

@Suite("SymmetricEigen")
struct SymmetricEigenTests {
  @Test("a 2×2 matrix has the closed-form eigenvalues")
  func twoByTwo() {
    let eigen = SymmetricEigen([[2, 1], [1, 2]])
    #expect(abs(eigen.values[0] - 1) < 1e-14)
    #expect(abs(eigen.values[1] - 3) < 1e-14)
  }

  // A = Q·diag(λ)·Qᵀ rebuilt from the decomposition, and QᵀQ = I, to rounding (1e-12).
  @Test("a random symmetric matrix is diagonalized by orthonormal eigenvectors")
  func reconstructs() {
    var generator = SeededGenerator(seed: 9)
    let n = 12
    var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
      for j in i..<n {
        a[i][j] = generator.nextGaussian()
        a[j][i] = a[i][j]
      }
    }
    let eigen = SymmetricEigen(a)
    #expect(zip(eigen.values, eigen.values.dropFirst()).allSatisfy { $0 <= $1 })
    for i in 0..<n {
      for j in 0..<n {
        var rebuilt = 0.0
        var gram = 0.0
        for k in 0..<n {
          rebuilt += eigen.vectors[k][i] * eigen.values[k] * eigen.vectors[k][j]
          gram += eigen.vectors[i][k] * eigen.vectors[j][k]
        }
        #expect(abs(rebuilt - a[i][j]) < 1e-12)
        #expect(abs(gram - (i == j ? 1 : 0)) < 1e-12)
      }
    }
  }
}
