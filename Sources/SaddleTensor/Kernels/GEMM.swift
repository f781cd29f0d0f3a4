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
    let workers = max(1, min(threads, m / 16))
    if workers <= 1 || m * n * k < 1 << 18 {
      multiplySerial(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, path: path, bias: bias)
      return
    }
    let rowsPerWorker = (m + workers - 1) / workers
    // Raw addresses cross the concurrency boundary; each worker writes disjoint rows of C.
    let (aBits, bBits, cBits) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
    let biasBits = UInt(bitPattern: bias)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let start = w * rowsPerWorker
      let rows = min(rowsPerWorker, m - start)
      guard rows > 0 else { return }
      let a = UnsafePointer<Float>(bitPattern: aBits)!
      let offsetA = transposeA ? start : start * lda
      multiplySerial(
        transposeA: transposeA, transposeB: transposeB, m: rows, n: n, k: k, alpha: alpha,
        a: a + offsetA, lda: lda, b: UnsafePointer<Float>(bitPattern: bBits)!, ldb: ldb,
        beta: beta, c: UnsafeMutablePointer<Float>(bitPattern: cBits)! + start * ldc, ldc: ldc,
        path: path, bias: UnsafePointer<Float>(bitPattern: biasBits))
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
