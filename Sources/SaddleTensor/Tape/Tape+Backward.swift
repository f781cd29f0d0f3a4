import _SaddleKernels

extension Tape {
  /// The gradient buffer of `t` cleared if this is its first contribution, for scatter-style
  /// accumulation; `nil` when `t` needs no gradient.
  func accumulator(_ t: Tensor) -> UnsafeMutablePointer<Float>? {
    guard let (g, accumulate) = gradientTarget(t) else { return nil }
    if !accumulate { g.update(repeating: 0, count: shape(t).count) }
    return g
  }

  /// `y = a + b` (or `y += a + b`) over `n` floats on the tape's kernel path.
  func addVectors(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    if saddle_binary(Int32(kernelPath.rawValue), 0, n, a, b, y, accumulate ? 1 : 0) == 0 { return }
    Vector.zip(n, a, b, y, accumulate: accumulate, +)
  }

  /// `y = a·b` (or `y += a·b`) over `n` floats on the tape's kernel path.
  func multiplyVectors(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    if saddle_binary(Int32(kernelPath.rawValue), 1, n, a, b, y, accumulate ? 1 : 0) == 0 { return }
    Vector.zip(n, a, b, y, accumulate: accumulate) { $0 * $1 }
  }

  /// `dy` copied to `y` (or added to it) over `n` floats.
  func copyVector(
    _ n: Int, _ dy: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    if accumulate {
      addVectors(n, dy, y, y, accumulate: false)
    } else {
      y.update(from: dy, count: n)
    }
  }

  /// `y[j] += Σᵣ x[r·n + j]` over `rows` rows (added in order) on the tape's kernel path.
  func addRowSums(rows: Int, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    if saddle_sum_rows(Int32(kernelPath.rawValue), rows, n, x, y) == 0 { return }
    for r in 0..<rows { Vector.copy(n, x + r * n, y, accumulate: true) }
  }

  /// Passes `output`'s finished gradient buffer to its input `t` instead of copying it, when `t`
  /// has received no contribution yet and owns its buffer (not a parameter): the two records
  /// swap buffers, so every record still has a buffer of its own and later contributions to `t`
  /// accumulate in place. `output`'s gradient is then no longer available (``gradient(_:)``
  /// returns `nil` for it). Returns whether the buffer was passed.
  func passGradient(of output: Tensor, to t: Tensor) -> Bool {
    let (i, o) = (t.index, output.index)
    guard let own = records[i].gradient, !records[i].gradientReady, !records[i].isParameter,
      let g = records[o].gradient, records[i].shape.count == records[o].shape.count
    else { return false }
    records[i].gradient = g
    records[i].gradientReady = true
    records[o].gradient = own
    records[o].gradientReady = false
    return true
  }

  /// Propagates the gradient `dy` of one record to its inputs.
  func backward(
    _ operation: Operation, output: Tensor, gradient dy: UnsafeMutablePointer<Float>,
    shape outShape: TensorShape
  ) {
    let count = outShape.count
    switch operation {
    case .leaf:
      return

    case .matmul(let a, let b, let transposeB):
      let sb = shape(b)
      let (m, k, n) = (shape(a).rows, shape(a).last, outShape.last)
      if let (da, acc) = gradientTarget(a) {
        // dA = dC·op(B)ᵀ
        GEMM.multiply(
          transposeB: !transposeB, m: m, n: k, k: n, a: dy, lda: n, b: valuePointer(b),
          ldb: sb[1], beta: acc ? 1 : 0, c: da, ldc: k, threads: threads, path: kernelPath)
      }
      if let (db, acc) = gradientTarget(b) {
        if transposeB {  // dB = dCᵀ·A  (n×k)
          GEMM.multiply(
            transposeA: true, m: n, n: k, k: m, a: dy, lda: n, b: valuePointer(a), ldb: k,
            beta: acc ? 1 : 0, c: db, ldc: k, threads: threads, path: kernelPath)
        } else {  // dB = Aᵀ·dC  (k×n)
          GEMM.multiply(
            transposeA: true, m: k, n: n, k: m, a: valuePointer(a), lda: k, b: dy, ldb: n,
            beta: acc ? 1 : 0, c: db, ldc: n, threads: threads, path: kernelPath)
        }
      }

    case .linear(let x, let weight, let bias):
      let (m, k, n) = (shape(x).rows, shape(x).last, outShape.last)
      if let (dx, acc) = gradientTarget(x) {
        GEMM.multiply(
          transposeB: true, m: m, n: k, k: n, a: dy, lda: n, b: valuePointer(weight), ldb: n,
          beta: acc ? 1 : 0, c: dx, ldc: k, threads: threads, path: kernelPath)
      }
      if let (dw, acc) = gradientTarget(weight) {
        GEMM.multiply(
          transposeA: true, m: k, n: n, k: m, a: valuePointer(x), lda: k, b: dy, ldb: n,
          beta: acc ? 1 : 0, c: dw, ldc: n, threads: threads, path: kernelPath)
      }
      if let db = accumulator(bias) { addRowSums(rows: m, n: n, dy, db) }

    case .geluLinear(let x, let weight, let bias, let hidden, let derivative):
      let (m, k, n) = (shape(x).rows, shape(x).last, outShape.last)
      if let (dx, acc) = gradientTarget(x) {
        // dX = (dY·Wᵀ) ⊙ gelu′(X), the factor applied in the GEMM epilogue; when dX already
        // holds a contribution, the product goes to scratch first and is added.
        let target = acc ? scratch.allocate(m * k) : dx
        GEMM.multiply(
          transposeB: true, m: m, n: k, k: n, a: dy, lda: n, b: valuePointer(weight), ldb: n,
          c: target, ldc: k, elementwiseFactor: derivative, ldm: k, threads: threads,
          path: kernelPath)
        if acc { addVectors(m * k, target, dx, dx, accumulate: false) }
      }
      if let (dw, acc) = gradientTarget(weight) {
        GEMM.multiply(
          transposeA: true, m: k, n: n, k: m, a: hidden, lda: k, b: dy, ldb: n,
          beta: acc ? 1 : 0, c: dw, ldc: n, threads: threads, path: kernelPath)
      }
      if let db = accumulator(bias) { addRowSums(rows: m, n: n, dy, db) }

    case .batchedMatmul(let a, let b, let transposeB):
      let (sa, sb) = (shape(a), shape(b))
      let (batch, m, k, n) = (sa[0], sa[1], sa[2], outShape[2])
      let (pa, pb) = (valuePointer(a), valuePointer(b))
      if let (da, acc) = gradientTarget(a) {
        for i in 0..<batch {
          GEMM.multiply(
            transposeB: !transposeB, m: m, n: k, k: n, a: dy + i * m * n, lda: n,
            b: pb + i * k * n, ldb: sb[2], beta: acc ? 1 : 0, c: da + i * m * k, ldc: k,
            threads: threads, path: kernelPath)
        }
      }
      if let (db, acc) = gradientTarget(b) {
        for i in 0..<batch {
          if transposeB {
            GEMM.multiply(
              transposeA: true, m: n, n: k, k: m, a: dy + i * m * n, lda: n, b: pa + i * m * k,
              ldb: k, beta: acc ? 1 : 0, c: db + i * k * n, ldc: k, threads: threads,
              path: kernelPath)
          } else {
            GEMM.multiply(
              transposeA: true, m: k, n: n, k: m, a: pa + i * m * k, lda: k, b: dy + i * m * n,
              ldb: n, beta: acc ? 1 : 0, c: db + i * k * n, ldc: n, threads: threads,
              path: kernelPath)
          }
        }
      }

    case .add(let a, let b):
      // The residual stream's gradient moves to `a` without a copy; `b` gets a copy (or the
      // sum, when `b` is `a`: then `dy` is `a`'s buffer and is doubled in place).
      if !passGradient(of: output, to: a), let (da, acc) = gradientTarget(a) {
        copyVector(count, dy, da, accumulate: acc)
      }
      if let (db, acc) = gradientTarget(b) { copyVector(count, dy, db, accumulate: acc) }

    case .addBroadcast(let x, let b):
      // The bias first: passing the buffer to `x` below leaves `dy` valid (it becomes `x`'s).
      if let db = accumulator(b) {
        let block = shape(b).count
        addRowSums(rows: count / block, n: block, dy, db)
      }
      if !passGradient(of: output, to: x), let (dx, acc) = gradientTarget(x) {
        copyVector(count, dy, dx, accumulate: acc)
      }

    case .scale(let x, let s):
      if let (dx, acc) = gradientTarget(x) {
        Vector.zip(count, dy, dy, dx, accumulate: acc) { g, _ in g * s }
      }

    case .relu(let x):
      if let (dx, acc) = gradientTarget(x) {
        Vector.zip(count, dy, valuePointer(x), dx, accumulate: acc) { g, v in
          g.replacing(with: 0, where: v .<= 0)
        }
      }

    case .tanh(let x):
      if let (dx, acc) = gradientTarget(x) {
        Vector.zip(count, dy, valuePointer(output), dx, accumulate: acc) { g, y in
          g * (1 - y * y)
        }
      }

    case .gelu(let x, let derivative):
      if let (dx, acc) = gradientTarget(x) {
        multiplyVectors(count, dy, derivative, dx, accumulate: acc)
      }

    case .exp(let x):
      if let (dx, acc) = gradientTarget(x) {
        Vector.zip(count, dy, valuePointer(output), dx, accumulate: acc) { $0 * $1 }
      }

    case .log(let x):
      if let (dx, acc) = gradientTarget(x) {
        Vector.zip(count, dy, valuePointer(x), dx, accumulate: acc) { $0 / $1 }
      }

    case .softmax(let x):
      if let (dx, acc) = gradientTarget(x) {
        let (n, y) = (outShape.last, valuePointer(output))
        for r in 0..<outShape.rows {
          let (yr, gr, dr) = (y + r * n, dy + r * n, dx + r * n)
          var dot: Float = 0
          for j in 0..<n { dot += yr[j] * gr[j] }
          for j in 0..<n {
            let v = yr[j] * (gr[j] - dot)
            dr[j] = acc ? dr[j] + v : v
          }
        }
      }

    case .crossEntropy(let logits, let targets, let scale, let probabilities):
      if let (dx, acc) = gradientTarget(logits) {
        let s = shape(logits)
        let (rows, n) = (s.rows, s.last)
        let g = dy[0] * scale
        Vector.zip(s.count, probabilities, probabilities, dx, accumulate: acc) { p, _ in g * p }
        for r in 0..<rows { dx[r * n + Int(targets[r])] -= g }
      }

    case .classWeightedCrossEntropy(let logits, let targets, let scale, let weights, let p):
      if let (dx, acc) = gradientTarget(logits) {
        let s = shape(logits)
        let (rows, n) = (s.rows, s.last)
        let g = dy[0] * scale
        for r in 0..<rows {
          let t = Int(targets[r])
          let gr = g * (weights?[t] ?? 1)
          for j in 0..<n {
            let v = gr * (p[r * n + j] - (j == t ? 1 : 0))
            dx[r * n + j] = acc ? dx[r * n + j] + v : v
          }
        }
      }

    case .squaredError(let x, let target, let scale):
      if let (dx, acc) = gradientTarget(x) {
        let g = 2 * dy[0] * scale
        Vector.zip(shape(x).count, valuePointer(x), target, dx, accumulate: acc) { v, t in
          g * (v - t)
        }
      }

    case .layerNorm(let x, let gain, let bias, let statistics):
      layerNormBackward(
        x, gain: gain, bias: bias, statistics: statistics, gradient: dy, shape: outShape)

    case .embedding(let table, let indices):
      if let dt = accumulator(table) {
        let d = outShape.last
        for i in 0..<outShape.rows {
          Vector.copy(d, dy + i * d, dt + Int(indices[i]) * d, accumulate: true)
        }
      }

    case .attention(let qkv, let batch, let sequence, let heads, let probabilities):
      attentionBackward(
        qkv, batch: batch, sequence: sequence, heads: heads, probabilities: probabilities,
        gradient: dy)

    case .reshape(let x):
      if let (dx, acc) = gradientTarget(x) { Vector.copy(count, dy, dx, accumulate: acc) }

    case .transpose(let x):
      if let (dx, acc) = gradientTarget(x) {
        let s = outShape
        let batch = s.rank == 3 ? s[0] : 1
        Tape.transposeCopy(
          dy, dx, batch: batch, m: s[s.rank - 2], n: s[s.rank - 1], accumulate: acc)
      }

    case .sum(let x):
      if let (dx, acc) = gradientTarget(x) {
        let g = dy[0]
        Vector.zip(shape(x).count, dx, dx, dx, accumulate: false) { d, _ in
          acc ? d + g : .init(repeating: g)
        }
      }

    case .mean(let x):
      if let (dx, acc) = gradientTarget(x) {
        let g = dy[0] / Float(shape(x).count)
        Vector.zip(shape(x).count, dx, dx, dx, accumulate: false) { d, _ in
          acc ? d + g : .init(repeating: g)
        }
      }
    }
  }

  private func layerNormBackward(
    _ x: Tensor, gain: Tensor, bias: Tensor, statistics: UnsafeMutablePointer<Float>,
    gradient dy: UnsafeMutablePointer<Float>, shape s: TensorShape
  ) {
    let (rows, n) = (s.rows, s.last)
    let (px, pg) = (valuePointer(x), valuePointer(gain))
    let dGain = accumulator(gain)
    let dBias = accumulator(bias)
    let dxTarget = gradientTarget(x)
    let status = saddle_layernorm_backward(
      Int32(kernelPath.rawValue), rows, n, px, pg, statistics, dy, dxTarget?.pointer,
      dxTarget?.accumulate == true ? 1 : 0, dGain, dBias)
    if status == 0 { return }
    let inverseN = 1 / Float(n)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n) { buffer in
      let xhat = buffer.baseAddress!
      let dxhat = xhat + n
      for r in 0..<rows {
        let (mean, rstd) = (statistics[2 * r], statistics[2 * r + 1])
        let (xr, gr) = (px + r * n, dy + r * n)
        var sumD: Float = 0
        var sumDX: Float = 0
        for j in 0..<n {
          let h = (xr[j] - mean) * rstd
          xhat[j] = h
          let d = gr[j] * pg[j]
          dxhat[j] = d
          sumD += d
          sumDX += d * h
        }
        if let dGain { for j in 0..<n { dGain[j] += gr[j] * xhat[j] } }
        if let dBias { for j in 0..<n { dBias[j] += gr[j] } }
        if let (dx, acc) = dxTarget {
          let dr = dx + r * n
          let (meanD, meanDX) = (sumD * inverseN, sumDX * inverseN)
          for j in 0..<n {
            let v = rstd * (dxhat[j] - meanD - xhat[j] * meanDX)
            dr[j] = acc ? dr[j] + v : v
          }
        }
      }
    }
  }
}
