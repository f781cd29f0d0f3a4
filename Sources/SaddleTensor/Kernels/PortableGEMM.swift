/// The portable Swift GEMM: a 4×16 `SIMD16<Float>` register tile over a packed 16-column panel
/// of `B` (blocked by 256 along `k`). Used on CPUs without AVX2/FMA and as the reference the C
/// paths are tested against.
@usableFromInline
enum PortableGEMM {
  @usableFromInline static let blockK = 256

  @usableFromInline
  static func multiply(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
      for i in 0..<m {
        for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
      }
      return
    }
    withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: blockK) { panel in
      var k0 = 0
      while k0 < k {
        let kc = min(blockK, k - k0)
        let betaBlock: Float = k0 == 0 ? beta : 1
        var j0 = 0
        while j0 < n {
          let cols = min(16, n - j0)
          for p in 0..<kc {
            var v = SIMD16<Float>()
            for q in 0..<cols {
              v[q] = transposeB ? b[(j0 + q) * ldb + k0 + p] : b[(k0 + p) * ldb + j0 + q]
            }
            panel[p] = v
          }
          var i0 = 0
          while i0 < m {
            let rows = min(4, m - i0)
            tile(
              rows: rows, cols: cols, kc: kc, k0: k0, i0: i0, j0: j0, alpha: alpha,
              beta: betaBlock, transposeA: transposeA, a: a, lda: lda, panel: panel, c: c,
              ldc: ldc)
            i0 += 4
          }
          j0 += 16
        }
        k0 += kc
      }
    }
  }

  @inline(__always)
  static func tile(
    rows: Int, cols: Int, kc: Int, k0: Int, i0: Int, j0: Int, alpha: Float, beta: Float,
    transposeA: Bool, a: UnsafePointer<Float>, lda: Int,
    panel: UnsafeMutableBufferPointer<SIMD16<Float>>, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var acc2 = SIMD16<Float>()
    var acc3 = SIMD16<Float>()
    @inline(__always) func element(_ r: Int, _ p: Int) -> Float {
      guard r < rows else { return 0 }
      return transposeA ? a[(k0 + p) * lda + i0 + r] : a[(i0 + r) * lda + k0 + p]
    }
    for p in 0..<kc {
      let bv = panel[p]
      acc0.addProduct(element(0, p), bv)
      acc1.addProduct(element(1, p), bv)
      acc2.addProduct(element(2, p), bv)
      acc3.addProduct(element(3, p), bv)
    }
    let accs = (acc0, acc1, acc2, acc3)
    for r in 0..<rows {
      let acc: SIMD16<Float>
      switch r {
      case 0: acc = accs.0
      case 1: acc = accs.1
      case 2: acc = accs.2
      default: acc = accs.3
      }
      let row = c + (i0 + r) * ldc + j0
      for q in 0..<cols {
        let v = alpha * acc[q]
        row[q] = beta == 0 ? v : v + beta * row[q]
      }
    }
  }
}
