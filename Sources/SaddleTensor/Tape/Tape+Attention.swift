import _SaddleKernels

extension Tape {
  /// Rows per block of the causal attention products: row block `[i₀, i₁)` of `Q·Kᵀ` needs only
  /// the key columns `[0, i₁)`, so the masked upper triangle is skipped block-wise. 16 rows are
  /// two AVX-512 8-row tiles and one 16-lane vector of the softmax kernels (whose row tails then
  /// take the same path as in a full-square call); measured at 1 thread, blocks of 16 made the
  /// 10.8 M-parameter model's gradient (T = 256) 3.5% faster than blocks of 48 (782 against
  /// 810 ms) and left T = 32 and T = 64 unchanged within noise.
  @usableFromInline static let attentionBlock = 16

  /// Causal multi-head self-attention from packed projections.
  ///
  /// `qkv` is `(batch·sequence, 3d)` holding `[Q | K | V]` per token; heads split `d` into
  /// `heads` slices of `d/heads`. Per sequence and head,
  /// `Y = softmax(Q·Kᵀ/√(d/heads) + M)·V` with `Mᵢⱼ = −∞` for `j > i`; the result is
  /// `(batch·sequence, d)` with heads concatenated. Probabilities are kept for backward.
  ///
  /// Only the unmasked part is computed: for each block of `attentionBlock` (16) query rows the
  /// products run over the keys up to the block's last row. Masked probabilities are exactly 0,
  /// so the skipped terms would have added exact zeros: for sequences of up to 256 tokens (one
  /// GEMM depth block) the results equal the full-square computation bit for bit.
  public func causalSelfAttention(
    _ qkv: Tensor, batch: Int, sequence: Int, heads: Int
  ) -> Tensor {
    let s = shape(qkv)
    let width = s.last / 3
    precondition(s.last == 3 * width && s.rows == batch * sequence, "attention: qkv \(s)")
    precondition(width % heads == 0, "attention: \(width) not divisible by \(heads) heads")
    let t = sequence
    let probabilities = scratch.allocate(batch * heads * t * t)
    let out = output(
      TensorShape(batch * sequence, width),
      .attention(qkv, batch: batch, sequence: sequence, heads: heads, probabilities: probabilities),
      needsGradient: needsGradient(qkv))
    let headWidth = width / heads
    let alpha = 1 / Float(headWidth).squareRoot()
    let ld = 3 * width
    let (px, po) = (valuePointer(qkv), valuePointer(out))
    let block = Tape.attentionBlock
    for b in 0..<batch {
      for h in 0..<heads {
        let q = px + b * t * ld + h * headWidth
        let p = probabilities + (b * heads + h) * t * t
        let y = po + b * t * width + h * headWidth
        for i0 in stride(from: 0, to: t, by: block) {
          let i1 = min(t, i0 + block)
          let rows = i1 - i0
          // S[i₀..<i₁, 0..<i₁] = α·Q·Kᵀ, its causal softmax, then Y = P·V over the same keys.
          GEMM.multiply(
            transposeB: true, m: rows, n: i1, k: headWidth, alpha: alpha, a: q + i0 * ld,
            lda: ld, b: q + width, ldb: ld, c: p + i0 * t, ldc: t, path: kernelPath)
          causalSoftmax(rows: rows, first: i0, n: i1, p + i0 * t, ld: t)
          GEMM.multiply(
            m: rows, n: headWidth, k: i1, a: p + i0 * t, lda: t, b: q + 2 * width, ldb: ld,
            c: y + i0 * width, ldc: width, path: kernelPath)
        }
      }
    }
    return out
  }

  func attentionBackward(
    _ qkv: Tensor, batch: Int, sequence t: Int, heads: Int,
    probabilities: UnsafeMutablePointer<Float>, gradient dy: UnsafeMutablePointer<Float>
  ) {
    guard let (dqkv, accumulate) = gradientTarget(qkv) else { return }
    let width = shape(qkv).last / 3
    let headWidth = width / heads
    let alpha = 1 / Float(headWidth).squareRoot()
    let beta: Float = accumulate ? 1 : 0
    let ld = 3 * width
    let px = valuePointer(qkv)
    let dp = scratch.allocate(t * t)
    let block = Tape.attentionBlock
    for b in 0..<batch {
      for h in 0..<heads {
        let q = px + b * t * ld + h * headWidth
        let (k, v) = (q + width, q + 2 * width)
        let dq = dqkv + b * t * ld + h * headWidth
        let (dk, dv) = (dq + width, dq + 2 * width)
        let p = probabilities + (b * heads + h) * t * t
        let dyh = dy + b * t * width + h * headWidth
        // Query blocks: dP = dY·Vᵀ and dS = α·P ⊙ (dP − rowsum(P ⊙ dP)) over the keys
        // [0, i₁) (zero above the diagonal), then dQ = dS·K.
        for i0 in stride(from: 0, to: t, by: block) {
          let i1 = min(t, i0 + block)
          let rows = i1 - i0
          GEMM.multiply(
            transposeB: true, m: rows, n: i1, k: headWidth, a: dyh + i0 * width, lda: width,
            b: v, ldb: ld, c: dp + i0 * t, ldc: t, path: kernelPath)
          causalSoftmaxBackward(
            rows: rows, first: i0, n: i1, alpha: alpha, p + i0 * t, dp + i0 * t, ld: t)
          GEMM.multiply(
            m: rows, n: headWidth, k: i1, a: dp + i0 * t, lda: t, b: k, ldb: ld, beta: beta,
            c: dq + i0 * ld, ldc: ld, path: kernelPath)
        }
        // Key blocks [j₀, j₁): only queries i ≥ j₀ attend to them, so dK = dSᵀ·Q and
        // dV = Pᵀ·dY run over the queries [j₀, T).
        for j0 in stride(from: 0, to: t, by: block) {
          let rows = min(t, j0 + block) - j0
          GEMM.multiply(
            transposeA: true, m: rows, n: headWidth, k: t - j0, a: dp + j0 * t + j0, lda: t,
            b: q + j0 * ld, ldb: ld, beta: beta, c: dk + j0 * ld, ldc: ld, path: kernelPath)
          GEMM.multiply(
            transposeA: true, m: rows, n: headWidth, k: t - j0, a: p + j0 * t + j0, lda: t,
            b: dyh + j0 * width, ldb: width, beta: beta, c: dv + j0 * ld, ldc: ld,
            path: kernelPath)
        }
      }
    }
  }

  /// Causal softmax in place of the rows `first..<first + rows` of a causal matrix, restricted
  /// to its first `n` columns: row `i` covers columns `0...i` and is zero on `(i, n)`.
  func causalSoftmax(
    rows: Int, first: Int, n: Int, _ s: UnsafeMutablePointer<Float>, ld: Int
  ) {
    if saddle_causal_softmax_block(Int32(kernelPath.rawValue), rows, first, n, s, ld) == 0 {
      return
    }
    for r in 0..<rows {
      let row = s + r * ld
      let length = min(first + r + 1, n)
      _ = Tape.softmaxRow(row, row, length)
      (row + length).update(repeating: 0, count: n - length)
    }
  }

  /// The causal softmax backward in place on `d` for the same rows as ``causalSoftmax``:
  /// `dᵢⱼ ← α·pᵢⱼ·(dᵢⱼ − Σₗ pᵢₗ·dᵢₗ)` for `j ≤ i`, and 0 on `(i, n)`.
  func causalSoftmaxBackward(
    rows: Int, first: Int, n: Int, alpha: Float, _ p: UnsafePointer<Float>,
    _ d: UnsafeMutablePointer<Float>, ld: Int
  ) {
    let status = saddle_causal_softmax_backward_block(
      Int32(kernelPath.rawValue), rows, first, n, alpha, p, ld, d, ld)
    if status == 0 { return }
    for r in 0..<rows {
      let (pr, dr) = (p + r * ld, d + r * ld)
      let length = min(first + r + 1, n)
      var dot: Float = 0
      for j in 0..<length { dot += pr[j] * dr[j] }
      for j in 0..<length { dr[j] = alpha * pr[j] * (dr[j] - dot) }
      (dr + length).update(repeating: 0, count: n - length)
    }
  }
}
