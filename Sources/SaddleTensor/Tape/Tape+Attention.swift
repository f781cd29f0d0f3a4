extension Tape {
  /// Causal multi-head self-attention from packed projections.
  ///
  /// `qkv` is `(batch·sequence, 3d)` holding `[Q | K | V]` per token; heads split `d` into
  /// `heads` slices of `d/heads`. Per sequence and head,
  /// `Y = softmax(Q·Kᵀ/√(d/heads) + M)·V` with `Mᵢⱼ = −∞` for `j > i`; the result is
  /// `(batch·sequence, d)` with heads concatenated. Probabilities are kept for backward.
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
    let (px, po) = (valuePointer(qkv), valuePointer(out))
    for b in 0..<batch {
      for h in 0..<heads {
        let q = px + b * t * 3 * width + h * headWidth
        let p = probabilities + (b * heads + h) * t * t
        GEMM.multiply(
          transposeB: true, m: t, n: t, k: headWidth, alpha: alpha, a: q, lda: 3 * width,
          b: q + width, ldb: 3 * width, c: p, ldc: t, path: kernelPath)
        softmaxRows(rows: t, n: t, p, p, causal: true, logSumExp: nil)
        GEMM.multiply(
          m: t, n: headWidth, k: t, a: p, lda: t, b: q + 2 * width, ldb: 3 * width,
          c: po + b * t * width + h * headWidth, ldc: width, path: kernelPath)
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
    let px = valuePointer(qkv)
    let dp = scratch.allocate(t * t)
    for b in 0..<batch {
      for h in 0..<heads {
        let q = px + b * t * 3 * width + h * headWidth
        let dq = dqkv + b * t * 3 * width + h * headWidth
        let p = probabilities + (b * heads + h) * t * t
        let dyh = dy + b * t * width + h * headWidth
        GEMM.multiply(
          transposeB: true, m: t, n: t, k: headWidth, a: dyh, lda: width, b: q + 2 * width,
          ldb: 3 * width, c: dp, ldc: t, path: kernelPath)
        for i in 0..<t {
          let (pr, dr) = (p + i * t, dp + i * t)
          var dot: Float = 0
          for j in 0...i { dot += pr[j] * dr[j] }
          for j in 0...i { dr[j] = alpha * pr[j] * (dr[j] - dot) }
          (dr + i + 1).update(repeating: 0, count: t - i - 1)
        }
        GEMM.multiply(
          m: t, n: headWidth, k: t, a: dp, lda: t, b: q + width, ldb: 3 * width, beta: beta,
          c: dq, ldc: 3 * width, path: kernelPath)
        GEMM.multiply(
          transposeA: true, m: t, n: headWidth, k: t, a: dp, lda: t, b: q, ldb: 3 * width,
          beta: beta, c: dq + width, ldc: 3 * width, path: kernelPath)
        GEMM.multiply(
          transposeA: true, m: t, n: headWidth, k: t, a: p, lda: t, b: dyh, ldb: width,
          beta: beta, c: dq + 2 * width, ldc: 3 * width, path: kernelPath)
      }
    }
  }
}
