import Dispatch
import _SaddleKernels

/// Row-major single-precision matrix multiply: `C = α·op(A)·op(B) + β·C (+ 1·biasᵀ)`.
///
/// `op(A)` is `m×k` (stored `k×m` when `transposeA`), `op(B)` is `k×n` (stored `n×k` when
/// `transposeB`); leading dimensions are row strides in elements. When `β = 0`, `C` is not
/// read. Microkernels work on packed panels; the C paths keep their pack buffers thread-local,
/// so a steady-state call allocates nothing.
public enum GEMM {
  /// Multiplies on ``KernelPath/selected``, splitting the rows of `C` over `threads` workers
  /// when the product is large enough to pay for the dispatch.
  ///
  /// - Parameters:
  ///   - transposeA: Whether `A` is stored transposed (`k×m`).
  ///   - transposeB: Whether `B` is stored transposed (`n×k`).
  ///   - m: Rows of `C`.
  ///   - n: Columns of `C`.
  ///   - k: The contracted dimension.
  ///   - alpha: Scale of the product.
  ///   - a: First operand.
  ///   - lda: Row stride of `A` as stored.
  ///   - b: Second operand.
  ///   - ldb: Row stride of `B` as stored.
  ///   - beta: Scale of the previous `C` (`0` ignores it).
  ///   - c: Result.
  ///   - ldc: Row stride of `C`.
  ///   - threads: Worker count (rows are split in contiguous blocks).
  ///   - path: The kernel path (defaults to ``KernelPath/selected``).
  ///   - bias: An optional row of `n` values added to every row of `C`.
  @inlinable
  public static func multiply(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    threads: Int = 1, path: KernelPath = .selected, bias: UnsafePointer<Float>? = nil
  ) {
    // Raw addresses cross the concurrency boundary; each block writes disjoint rows of C.
    let (aBits, bBits, cBits) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
    let biasBits = UInt(bitPattern: bias)
    forEachRowBlock(m: m, n: n, k: k, threads: threads) { start, rows in
      multiplySerial(
        transposeA: transposeA, transposeB: transposeB, m: rows, n: n, k: k, alpha: alpha,
        a: UnsafePointer<Float>(bitPattern: aBits)! + (transposeA ? start : start * lda),
        lda: lda, b: UnsafePointer<Float>(bitPattern: bBits)!, ldb: ldb, beta: beta,
        c: UnsafeMutablePointer<Float>(bitPattern: cBits)! + start * ldc, ldc: ldc, path: path,
        bias: UnsafePointer<Float>(bitPattern: biasBits))
    }
  }

  /// Runs `body(start, rows)` over contiguous blocks of C's rows, one per worker on up to
  /// `threads` workers (at least 16 rows each), or once over all `m` rows when the product is
  /// small (`m·n·k < 2¹⁸`).
  @inlinable
  static func forEachRowBlock(
    m: Int, n: Int, k: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void
  ) {
    let workers = max(1, min(threads, m / 16))
    if workers <= 1 || m * n * k < 1 << 18 {
      body(0, m)
      return
    }
    let rowsPerWorker = (m + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let start = w * rowsPerWorker
      let rows = min(rowsPerWorker, m - start)
      if rows > 0 { body(start, rows) }
    }
  }

  /// `C = (α·op(A)·op(B)) ⊙ M` (`M` is `m×n` with row stride `ldm`; `C` is not read): the
  /// product with an elementwise factor applied to each finished tile in the GEMM's epilogue, as
  /// in a gradient through an activation, `dX = (dY·Wᵀ) ⊙ f′(Z)`. Every entry rounds as
  /// ``multiply(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:path:bias:)``
  /// followed by a separate multiplication would; rows are split over `threads` workers as there.
  @inlinable
  public static func multiply(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, elementwiseFactor factor: UnsafePointer<Float>,
    ldm: Int, threads: Int = 1, path: KernelPath = .selected
  ) {
    let (aBits, bBits, cBits) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
    let factorBits = UInt(bitPattern: factor)
    forEachRowBlock(m: m, n: n, k: k, threads: threads) { start, rows in
      multiplySerial(
        transposeA: transposeA, transposeB: transposeB, m: rows, n: n, k: k, alpha: alpha,
        a: UnsafePointer<Float>(bitPattern: aBits)! + (transposeA ? start : start * lda),
        lda: lda, b: UnsafePointer<Float>(bitPattern: bBits)!, ldb: ldb,
        c: UnsafeMutablePointer<Float>(bitPattern: cBits)! + start * ldc, ldc: ldc,
        elementwiseFactor: UnsafePointer<Float>(bitPattern: factorBits)! + start * ldm, ldm: ldm,
        path: path)
    }
  }

  /// The single-threaded form of the elementwise-factor multiply on an explicit path.
  @inlinable
  public static func multiplySerial(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, elementwiseFactor factor: UnsafePointer<Float>,
    ldm: Int, path: KernelPath
  ) {
    if path != .portable {
      let status = saddle_sgemm_multiply_path(
        Int32(path.rawValue), transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b,
        ldb, c, ldc, factor, ldm)
      if status == 0 { return }
    }
    multiplySerial(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
      lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc, path: .portable)
    for i in 0..<m {
      for j in 0..<n { c[i * ldc + j] *= factor[i * ldm + j] }
    }
  }

  /// Single-threaded multiply on an explicit path (falls back to ``KernelPath/portable`` when
  /// the CPU lacks `path`).
  @inlinable
  public static func multiplySerial(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, path: KernelPath,
    bias: UnsafePointer<Float>? = nil
  ) {
    if path != .portable {
      let status = saddle_sgemm_bias_path(
        Int32(path.rawValue), transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha,
        a, lda, b, ldb, beta, c, ldc, bias)
      if status == 0 { return }
    }
    var beta = beta
    if let bias {
      for i in 0..<m {
        let row = c + i * ldc
        for j in 0..<n { row[j] = (beta == 0 ? 0 : beta * row[j]) + bias[j] }
      }
      beta = 1
    }
    PortableGEMM.multiply(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }
}
