import Testing

@testable import SaddleTensor

@Suite("GEMM")
struct GEMMTests {
  static let sizes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (7, 13, 5), (13, 33, 17), (32, 32, 16), (50, 70, 300), (145, 40, 9),
    // At most 16 columns (the AVX-512 16x16 tile), full and partial.
    (32, 16, 16), (37, 9, 20), (40, 16, 33),
  ]

  /// Every path this CPU can run: the portable Swift path always, the C paths it supports.
  static let supportedPaths = KernelPath.allCases.filter(\.isSupported)

  @Test(
    "every supported kernel path matches a float64 matmul for all transposes",
    arguments: supportedPaths)
  func pathsMatchReference(path: KernelPath) {
    for (m, n, k) in Self.sizes {
      for transposeA in [false, true] {
        for transposeB in [false, true] {
          let a = testValues(m * k, seed: m + k)
          let b = testValues(k * n, seed: n)
          let c0 = testValues(m * n, seed: 5)
          var c = c0
          let (alpha, beta): (Float, Float) = (0.75, 0.5)
          a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
              c.withUnsafeMutableBufferPointer { pc in
                GEMM.multiplySerial(
                  transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                  alpha: alpha, a: pa.baseAddress!, lda: transposeA ? m : k,
                  b: pb.baseAddress!, ldb: transposeB ? k : n, beta: beta,
                  c: pc.baseAddress!, ldc: n, path: path)
              }
            }
          }
          let reference = referenceMatmul(
            a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
          var worst = 0.0
          for i in 0..<(m * n) {
            let expected = Double(alpha) * reference[i] + Double(beta) * Double(c0[i])
            worst = max(worst, abs(Double(c[i]) - expected))
          }
          // Entries are sums of k products of magnitude ≤ 1 rounded in float32: the error
          // grows at most like k·2⁻²⁴ (≈ 1.8e-5 at k = 300); 4e-6·√k·… stays well above it.
          #expect(worst <= 1e-6 * Double(k) + 1e-6, "path \(path) m\(m) n\(n) k\(k)")
        }
      }
    }
  }

  @Test(
    "packed operands (A rows 4 KiB apart, B reused over many row tiles, 3 k blocks) match",
    arguments: supportedPaths)
  func packingPaths(path: KernelPath) {
    // (m, n, k, lda): A's rows 1024 floats apart make the C driver pack A; m, n ≥ 256 make it
    // pack every panel of B; k = 800 spans three k blocks of 384.
    let cases: [(m: Int, n: Int, k: Int, lda: Int)] = [
      (29, 45, 40, 1024), (256, 260, 9, 9), (13, 33, 800, 800), (257, 258, 20, 2048),
    ]
    for (m, n, k, lda) in cases {
      for transposeB in [false, true] {
        let stored = testValues(m * lda, seed: m + lda)
        let a = (0..<(m * k)).map { stored[($0 / k) * lda + $0 % k] }
        let b = testValues(k * n, seed: n)
        var c = [Float](repeating: .nan, count: m * n)
        stored.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              GEMM.multiplySerial(
                transposeA: false, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: transposeB ? k : n,
                beta: 0, c: pc.baseAddress!, ldc: n, path: path)
            }
          }
        }
        let reference = referenceMatmul(
          a, b, m: m, n: n, k: k, transposeA: false, transposeB: transposeB)
        var worst = 0.0
        for i in 0..<(m * n) { worst = max(worst, abs(Double(c[i]) - reference[i])) }
        #expect(worst <= 1e-6 * Double(k) + 1e-6, "path \(path) m\(m) n\(n) k\(k) lda\(lda)")
      }
    }
  }

  @Test("beta zero ignores NaN in C, and two threads give the single-thread result")
  func betaZeroAndThreads() {
    let (m, n, k) = (96, 80, 64)
    let a = testValues(m * k, seed: 1)
    let b = testValues(k * n, seed: 2)
    var outputs: [[Float]] = []
    for threads in [1, 2] {
      var c = [Float](repeating: .nan, count: m * n)
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          c.withUnsafeMutableBufferPointer { pc in
            GEMM.multiply(
              m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
              c: pc.baseAddress!, ldc: n, threads: threads)
          }
        }
      }
      outputs.append(c)
    }
    let (c1, c2) = (outputs[0], outputs[1])
    #expect(c1.allSatisfy { $0.isFinite })
    // Rows are split between workers, each row computed by the same kernel: bitwise equal.
    #expect(c1 == c2)
  }

  @Test(
    "a product of at most 16 columns equals those columns of a wider product bit for bit",
    arguments: supportedPaths)
  func narrowTileMatchesWide(path: KernelPath) {
    // The AVX-512 path computes n ≤ 16 with its 16x16 tile and wider products with 12x32; each
    // entry is the same k-ordered FMA chain, so the tile choice must not change any bit.
    let (m, k, wide) = (29, 40, 48)
    for (narrow, transposeB) in [(16, false), (11, false), (16, true), (5, true)] {
      let a = testValues(m * k, seed: 21)
      let b = testValues(k * wide, seed: 22)
      let bias = testValues(wide, seed: 23)
      // The narrow B is the first `narrow` columns of the wide one (rows when transposed).
      let bNarrow =
        transposeB
        ? Array(b[0..<(narrow * k)])
        : (0..<k).flatMap { r in b[(r * wide)..<(r * wide + narrow)] }
      var cWide = testValues(m * wide, seed: 24)
      var cNarrow = (0..<m).flatMap { r in cWide[(r * wide)..<(r * wide + narrow)] }
      for (c, n, bb) in [(0, wide, b), (1, narrow, bNarrow)] {
        a.withUnsafeBufferPointer { pa in
          bb.withUnsafeBufferPointer { pb in
            bias.withUnsafeBufferPointer { pbias in
              func run(_ pc: UnsafeMutablePointer<Float>) {
                GEMM.multiplySerial(
                  transposeA: false, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                  a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposeB ? k : n,
                  beta: 0.25, c: pc, ldc: n, path: path, bias: pbias.baseAddress!)
              }
              if c == 0 {
                cWide.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
              } else {
                cNarrow.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
              }
            }
          }
        }
      }
      let expected = (0..<m).flatMap { r in cWide[(r * wide)..<(r * wide + narrow)] }
      #expect(cNarrow == expected, "path \(path) n \(narrow) transposeB \(transposeB)")
    }
  }

  @Test(
    "an elementwise factor in the epilogue equals a separate multiplication bit for bit",
    arguments: supportedPaths)
  func elementwiseFactor(path: KernelPath) {
    // k = 300 spans two depth blocks of 256 (the factor applies after the last one); n = 13 and
    // 45 have partial tiles; 2 threads split the rows.
    for (m, n, k, transposeB) in [(37, 45, 300, true), (50, 13, 64, false), (64, 40, 9, true)] {
      let a = testValues(m * k, seed: 31)
      let b = testValues(k * n, seed: 32)
      let factor = testValues(m * (n + 3), seed: 33)  // row stride n + 3
      var separate = [Float](repeating: .nan, count: m * n)
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          separate.withUnsafeMutableBufferPointer { pc in
            GEMM.multiplySerial(
              transposeA: false, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
              a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposeB ? k : n, beta: 0,
              c: pc.baseAddress!, ldc: n, path: path)
          }
        }
      }
      for i in 0..<m {
        for j in 0..<n { separate[i * n + j] *= factor[i * (n + 3) + j] }
      }
      for threads in [1, 2] {
        var fused = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            factor.withUnsafeBufferPointer { pf in
              fused.withUnsafeMutableBufferPointer { pc in
                GEMM.multiply(
                  transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!,
                  lda: k, b: pb.baseAddress!, ldb: transposeB ? k : n, c: pc.baseAddress!, ldc: n,
                  elementwiseFactor: pf.baseAddress!, ldm: n + 3, threads: threads, path: path)
              }
            }
          }
        }
        #expect(fused == separate, "path \(path) m\(m) n\(n) k\(k) threads \(threads)")
      }
    }
  }

  @Test("a fused bias is added to every row on every supported path", arguments: supportedPaths)
  func fusedBias(path: KernelPath) {
    let (m, n, k) = (13, 45, 7)
    let a = testValues(m * k, seed: 3)
    let b = testValues(k * n, seed: 4)
    let bias = testValues(n, seed: 8)
    let c0 = testValues(m * n, seed: 9)
    let reference = referenceMatmul(a, b, m: m, n: n, k: k, transposeA: false, transposeB: false)
    for beta: Float in [0, 1] {
      var c = c0
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          bias.withUnsafeBufferPointer { pbias in
            c.withUnsafeMutableBufferPointer { pc in
              GEMM.multiplySerial(
                transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 2,
                a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, beta: beta,
                c: pc.baseAddress!, ldc: n, path: path, bias: pbias.baseAddress!)
            }
          }
        }
      }
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<n {
          let expected =
            2 * reference[i * n + j] + Double(beta) * Double(c0[i * n + j]) + Double(bias[j])
          worst = max(worst, abs(Double(c[i * n + j]) - expected))
        }
      }
      // k = 7 products of magnitude ≤ 1 plus two terms ≤ 1: a few float32 ulps of ~10.
      #expect(worst < 1e-5, "path \(path) beta \(beta)")
    }
  }
}
