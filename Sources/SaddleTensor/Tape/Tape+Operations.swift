import _SaddleKernels

extension Tape {
  // MARK: - Linear algebra

  /// `C = A·B` (or `A·Bᵀ`): `A` is `(…, k)` viewed as a `rows×k` matrix, `B` is `k×n`
  /// (`n×k` when `transposeB`); the result is `(…, n)`.
  public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    let sa = shape(a)
    let sb = shape(b)
    precondition(sb.rank == 2, "matmul: B must be a matrix, got \(sb)")
    let k = sa.last
    let n = transposeB ? sb[0] : sb[1]
    precondition((transposeB ? sb[1] : sb[0]) == k, "matmul: \(sa) · \(sb)")
    var outShape = sa
    outShape.dimensions[sa.rank - 1] = n
    let out = output(
      outShape, .matmul(a, b, transposeB: transposeB),
      needsGradient: needsGradient(a) || needsGradient(b))
    GEMM.multiply(
      transposeB: transposeB, m: sa.rows, n: n, k: k, a: valuePointer(a), lda: k,
      b: valuePointer(b), ldb: sb[1], c: valuePointer(out), ldc: n, threads: threads,
      path: kernelPath)
    return out
  }

  /// An affine layer `y = x·W + b`: `x` is `(…, k)`, `W` is `k×n`, `b` is `(n)`; the result is
  /// `(…, n)` (the bias is added in the GEMM epilogue).
  public func linear(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
    let (sx, sw) = (shape(x), shape(weight))
    precondition(sw.rank == 2 && sw[0] == sx.last, "linear: \(sx) · \(sw)")
    let (m, k, n) = (sx.rows, sx.last, sw[1])
    precondition(shape(bias).count == n, "linear: bias \(shape(bias)) for width \(n)")
    var outShape = sx
    outShape.dimensions[sx.rank - 1] = n
    let out = output(
      outShape, .linear(x, weight: weight, bias: bias),
      needsGradient: needsGradient(x) || needsGradient(weight) || needsGradient(bias))
    GEMM.multiply(
      m: m, n: n, k: k, a: valuePointer(x), lda: k, b: valuePointer(weight), ldb: n,
      c: valuePointer(out), ldc: n, threads: threads, path: kernelPath, bias: valuePointer(bias))
    return out
  }

  /// `y = gelu(x)·W + b`: ``gelu(_:)`` followed by ``linear(_:weight:bias:)`` as one record,
  /// bit for bit the same values and gradients. Backward applies GELU's derivative in the
  /// epilogue of the `dY·Wᵀ` product, so the activation's gradient is never written out and
  /// read back (the separate pass cost ~3% of the reference Transformer's gradient).
  public func geluLinear(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
    let (sx, sw) = (shape(x), shape(weight))
    precondition(sw.rank == 2 && sw[0] == sx.last, "geluLinear: \(sx) · \(sw)")
    let (m, k, n) = (sx.rows, sx.last, sw[1])
    precondition(shape(bias).count == n, "geluLinear: bias \(shape(bias)) for width \(n)")
    let needsInput = needsGradient(x)
    let hidden = values.allocate(m * k)
    let derivative = needsInput ? scratch.allocate(m * k) : hidden
    var outShape = sx
    outShape.dimensions[sx.rank - 1] = n
    let out = output(
      outShape,
      .geluLinear(x, weight: weight, bias: bias, hidden: hidden, derivative: derivative),
      needsGradient: needsInput || needsGradient(weight) || needsGradient(bias))
    geluValues(m * k, valuePointer(x), hidden, derivative: needsInput ? derivative : nil)
    GEMM.multiply(
      m: m, n: n, k: k, a: hidden, lda: k, b: valuePointer(weight), ldb: n,
      c: valuePointer(out), ldc: n, threads: threads, path: kernelPath, bias: valuePointer(bias))
    return out
  }

  /// Batched `C[i] = A[i]·B[i]` (or `A[i]·B[i]ᵀ`) over the first dimension of rank-3 tensors.
  public func batchedMatmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    let sa = shape(a)
    let sb = shape(b)
    precondition(sa.rank == 3 && sb.rank == 3 && sa[0] == sb[0], "batchedMatmul: \(sa), \(sb)")
    let (batch, m, k) = (sa[0], sa[1], sa[2])
    let n = transposeB ? sb[1] : sb[2]
    precondition((transposeB ? sb[2] : sb[1]) == k, "batchedMatmul: \(sa) · \(sb)")
    let out = output(
      TensorShape(batch, m, n), .batchedMatmul(a, b, transposeB: transposeB),
      needsGradient: needsGradient(a) || needsGradient(b))
    let (pa, pb, pc) = (valuePointer(a), valuePointer(b), valuePointer(out))
    for i in 0..<batch {
      GEMM.multiply(
        transposeB: transposeB, m: m, n: n, k: k, a: pa + i * m * k, lda: k,
        b: pb + i * k * n, ldb: sb[2], c: pc + i * m * n, ldc: n, threads: threads,
        path: kernelPath)
    }
    return out
  }

  /// Swaps the last two dimensions of a rank-2 or rank-3 tensor (a copy).
  public func transpose(_ x: Tensor) -> Tensor {
    let s = shape(x)
    precondition(s.rank == 2 || s.rank == 3, "transpose: rank 2 or 3, got \(s)")
    let batch = s.rank == 3 ? s[0] : 1
    let (m, n) = (s[s.rank - 2], s[s.rank - 1])
    let outShape = s.rank == 3 ? TensorShape(batch, n, m) : TensorShape(n, m)
    let out = output(outShape, .transpose(x), needsGradient: needsGradient(x))
    Tape.transposeCopy(
      valuePointer(x), valuePointer(out), batch: batch, m: m, n: n, accumulate: false)
    return out
  }

  /// The same values under a new shape with the same element count (no copy).
  public func reshape(_ x: Tensor, _ newShape: TensorShape) -> Tensor {
    precondition(shape(x).count == newShape.count, "reshape: \(shape(x)) to \(newShape)")
    let gradient = needsGradient(x) ? gradients.allocate(newShape.count) : nil
    return append(
      Record(value: valuePointer(x), gradient: gradient, shape: newShape, operation: .reshape(x)))
  }

  static func transposeCopy(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, batch: Int, m: Int, n: Int,
    accumulate: Bool
  ) {
    for b in 0..<batch {
      let s = src + b * m * n
      let d = dst + b * m * n
      for i in 0..<m {
        for j in 0..<n {
          d[j * m + i] = accumulate ? d[j * m + i] + s[i * n + j] : s[i * n + j]
        }
      }
    }
  }

  // MARK: - Elementwise

  /// `a + b` for tensors of the same shape.
  public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(shape(a).count == shape(b).count, "add: \(shape(a)) + \(shape(b))")
    let out = output(shape(a), .add(a, b), needsGradient: needsGradient(a) || needsGradient(b))
    addVectors(
      shape(a).count, valuePointer(a), valuePointer(b), valuePointer(out), accumulate: false)
    return out
  }

  /// `x + b` with `b` repeated over the leading elements of `x` (`b.count` divides `x.count`):
  /// a bias add when `b` is `(n)` and `x` is `(…, n)`, a position add when `b` is `(T, d)`.
  public func addBroadcast(_ x: Tensor, _ b: Tensor) -> Tensor {
    let (count, block) = (shape(x).count, shape(b).count)
    precondition(count % block == 0, "addBroadcast: \(shape(b)) does not tile \(shape(x))")
    let out = output(
      shape(x), .addBroadcast(x, b), needsGradient: needsGradient(x) || needsGradient(b))
    let (px, pb, po) = (valuePointer(x), valuePointer(b), valuePointer(out))
    for r in 0..<(count / block) {
      addVectors(block, px + r * block, pb, po + r * block, accumulate: false)
    }
    return out
  }

  /// `s·x`.
  public func scale(_ x: Tensor, by s: Float) -> Tensor {
    let out = output(shape(x), .scale(x, s), needsGradient: needsGradient(x))
    Vector.map(shape(x).count, valuePointer(x), valuePointer(out)) { $0 * s }
    return out
  }

  /// `max(x, 0)` elementwise.
  public func relu(_ x: Tensor) -> Tensor {
    let out = output(shape(x), .relu(x), needsGradient: needsGradient(x))
    Vector.map(shape(x).count, valuePointer(x), valuePointer(out)) {
      $0.replacing(with: 0, where: $0 .< 0)
    }
    return out
  }

  /// `tanh x` elementwise (`FastMath.tanh(_:)`).
  public func tanh(_ x: Tensor) -> Tensor {
    let out = output(shape(x), .tanh(x), needsGradient: needsGradient(x))
    Vector.map(shape(x).count, valuePointer(x), valuePointer(out)) { FastMath.tanh($0) }
    return out
  }

  /// GELU with the tanh approximation, elementwise (``FastMath/gelu(_:)``); the derivative is
  /// stored during the forward pass when a gradient is needed.
  public func gelu(_ x: Tensor) -> Tensor {
    let count = shape(x).count
    let needs = needsGradient(x)
    let derivative = needs ? scratch.allocate(count) : valuePointer(x)
    let out = output(shape(x), .gelu(x, derivative: derivative), needsGradient: needs)
    geluValues(count, valuePointer(x), valuePointer(out), derivative: needs ? derivative : nil)
    return out
  }

  /// GELU of `count` values into `po`, and its derivative when `derivative` is given.
  func geluValues(
    _ count: Int, _ px: UnsafePointer<Float>, _ po: UnsafeMutablePointer<Float>,
    derivative: UnsafeMutablePointer<Float>?
  ) {
    if saddle_gelu(Int32(kernelPath.rawValue), count, px, po, derivative) == 0 { return }
    if let derivative {
      var i = 0
      while i + 16 <= count {
        let (v, d) = FastMath.geluWithDerivative(Vector.load(px + i))
        Vector.store(v, po + i)
        Vector.store(d, derivative + i)
        i += 16
      }
      if i < count {
        let n = count - i
        let (v, d) = FastMath.geluWithDerivative(Vector.load(px + i, count: n))
        Vector.store(v, po + i, count: n)
        Vector.store(d, derivative + i, count: n)
      }
    } else {
      Vector.map(count, px, po) { FastMath.gelu($0) }
    }
  }

  /// `eˣ` elementwise (`FastMath.exp(_:)`).
  public func exp(_ x: Tensor) -> Tensor {
    let out = output(shape(x), .exp(x), needsGradient: needsGradient(x))
    Vector.map(shape(x).count, valuePointer(x), valuePointer(out)) { FastMath.exp($0) }
    return out
  }

  /// `ln x` elementwise (`FastMath.log(_:)`); `x` must be positive.
  public func log(_ x: Tensor) -> Tensor {
    let out = output(shape(x), .log(x), needsGradient: needsGradient(x))
    Vector.map(shape(x).count, valuePointer(x), valuePointer(out)) { FastMath.log($0) }
    return out
  }

  // MARK: - Reductions

  /// `Σᵢ xᵢ` (accumulated in Double).
  public func sum(_ x: Tensor) -> Tensor {
    let out = output(.scalar, .sum(x), needsGradient: needsGradient(x))
    valuePointer(out)[0] = Float(Vector.sum(shape(x).count, valuePointer(x)))
    return out
  }

  /// `(1/n)·Σᵢ xᵢ` (accumulated in Double).
  public func mean(_ x: Tensor) -> Tensor {
    let out = output(.scalar, .mean(x), needsGradient: needsGradient(x))
    let n = shape(x).count
    valuePointer(out)[0] = Float(Vector.sum(n, valuePointer(x)) / Double(n))
    return out
  }

  // MARK: - Normalization and losses

  /// Softmax over the last dimension: `yᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x)`.
  public func softmax(_ x: Tensor) -> Tensor {
    let s = shape(x)
    let out = output(s, .softmax(x), needsGradient: needsGradient(x))
    softmaxRows(
      rows: s.rows, n: s.last, valuePointer(x), valuePointer(out), causal: false,
      logSumExp: nil)
    return out
  }

  /// Row-wise softmax of a `rows×n` block (rows may be causal: row `r` covers its first `r + 1`
  /// entries and zeros the rest), optionally writing each row's log-sum-exp.
  func softmaxRows(
    rows: Int, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    causal: Bool, logSumExp: UnsafeMutablePointer<Float>?
  ) {
    let status = saddle_softmax_rows(
      Int32(kernelPath.rawValue), rows, n, x, n, y, n, causal ? 1 : 0, logSumExp)
    if status == 0 { return }
    for r in 0..<rows {
      let length = causal ? min(r + 1, n) : n
      let lse = Tape.softmaxRow(x + r * n, y + r * n, length)
      (y + r * n + length).update(repeating: 0, count: n - length)
      logSumExp?[r] = lse
    }
  }

  /// Writes the softmax of `n` values and returns `log Σⱼ e^(xⱼ)` (the log-sum-exp).
  @inline(__always)
  static func softmaxRow(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int
  ) -> Float {
    var top = -Float.infinity
    for j in 0..<n { top = max(top, x[j]) }
    var total: Float = 0
    var j = 0
    while j + 16 <= n {
      let e = FastMath.exp(Vector.load(x + j) - top)
      Vector.store(e, y + j)
      total += e.sum()
      j += 16
    }
    if j < n {
      let m = n - j
      let e = FastMath.exp(Vector.load(x + j, count: m) - top)
      Vector.store(e, y + j, count: m)
      for l in 0..<m { total += e[l] }
    }
    let inverse = 1 / total
    Vector.map(n, y, y) { $0 * inverse }
    return top + FastMath.log(total)
  }

  /// Mean-style softmax cross-entropy fused with log-softmax:
  /// `scale · Σᵣ (logsumexp(xᵣ) − xᵣ[tᵣ])` over the rows `r` of `logits` (`(…, classes)`), with
  /// integer targets `t` (one per row; the pointer must stay valid until backward). Use
  /// `scale = 1/rows` for the mean.
  public func crossEntropy(
    logits: Tensor, targets: UnsafePointer<Int32>, scale: Float
  ) -> Tensor {
    let s = shape(logits)
    let (rows, n) = (s.rows, s.last)
    let probabilities = scratch.allocate(rows * n)
    let out = output(
      .scalar,
      .crossEntropy(logits, targets: targets, scale: scale, probabilities: probabilities),
      needsGradient: needsGradient(logits))
    let px = valuePointer(logits)
    let logSumExp = scratch.allocate(rows)
    softmaxRows(rows: rows, n: n, px, probabilities, causal: false, logSumExp: logSumExp)
    var total = 0.0
    for r in 0..<rows {
      let lse = logSumExp[r]
      let t = Int(targets[r])
      precondition(t >= 0 && t < n, "crossEntropy: target \(t) out of 0..<\(n)")
      total += Double(lse - px[r * n + t])
    }
    valuePointer(out)[0] = Float(total * Double(scale))
    return out
  }

  /// The class-weighted cross-entropy with class margins,
  /// `scale · Σᵣ w[tᵣ]·(logsumexp(x̃ᵣ) − x̃ᵣ[tᵣ])` with `x̃ᵣ = xᵣ − m[tᵣ]·e_{tᵣ}` (the target
  /// logit lowered by its class's margin), over the rows `r` of `logits` (`(…, classes)`).
  /// `weights` (one per class; `nil`: all 1) and `margins` (one per class; `nil`: all 0) are read
  /// during this call; `targets` and `weights` must stay valid until backward. With unit weights
  /// and zero margins this is ``crossEntropy(logits:targets:scale:)``. The gradient is
  /// `∂/∂xᵣ = scale·w[tᵣ]·(softmax(x̃ᵣ) − e_{tᵣ})`. Used for re-weighted losses (Cui et al. 2019,
  /// "Class-balanced loss based on effective number of samples", eq. 3) and LDAM (Cao et al.
  /// 2019, "Learning imbalanced datasets with label-distribution-aware margin loss", eq. 13).
  public func crossEntropy(
    logits: Tensor, targets: UnsafePointer<Int32>, scale: Float, weights: UnsafePointer<Float>?,
    margins: UnsafePointer<Float>?
  ) -> Tensor {
    let s = shape(logits)
    let (rows, n) = (s.rows, s.last)
    let probabilities = scratch.allocate(rows * n)
    let out = output(
      .scalar,
      .classWeightedCrossEntropy(
        logits, targets: targets, scale: scale, weights: weights, probabilities: probabilities),
      needsGradient: needsGradient(logits))
    var px = UnsafePointer(valuePointer(logits))
    if let margins {
      let shifted = scratch.allocate(rows * n)
      shifted.update(from: px, count: rows * n)
      for r in 0..<rows {
        let t = Int(targets[r])
        precondition(t >= 0 && t < n, "crossEntropy: target \(t) out of 0..<\(n)")
        shifted[r * n + t] -= margins[t]
      }
      px = UnsafePointer(shifted)
    }
    let logSumExp = scratch.allocate(rows)
    softmaxRows(rows: rows, n: n, px, probabilities, causal: false, logSumExp: logSumExp)
    var total = 0.0
    for r in 0..<rows {
      let t = Int(targets[r])
      precondition(t >= 0 && t < n, "crossEntropy: target \(t) out of 0..<\(n)")
      total += Double(weights?[t] ?? 1) * Double(logSumExp[r] - px[r * n + t])
    }
    valuePointer(out)[0] = Float(total * Double(scale))
    return out
  }

  /// `scale · Σᵢ (xᵢ − targetᵢ)²` (the target pointer must stay valid until backward).
  public func squaredError(_ x: Tensor, target: UnsafePointer<Float>, scale: Float) -> Tensor {
    let out = output(
      .scalar, .squaredError(x, target: target, scale: scale), needsGradient: needsGradient(x))
    let px = valuePointer(x)
    var total = 0.0
    for i in 0..<shape(x).count {
      let d = Double(px[i] - target[i])
      total += d * d
    }
    valuePointer(out)[0] = Float(total * Double(scale))
    return out
  }

  /// Layer normalization over the last dimension:
  /// `y = (x − μ)/√(σ² + ε) · gain + bias` (Ba, Kiros & Hinton 2016), biased variance.
  public func layerNorm(
    _ x: Tensor, gain: Tensor, bias: Tensor, epsilon: Float = 1e-5
  ) -> Tensor {
    let s = shape(x)
    let (rows, n) = (s.rows, s.last)
    precondition(shape(gain).count == n && shape(bias).count == n, "layerNorm: gain/bias size")
    let statistics = scratch.allocate(2 * rows)
    let needs = needsGradient(x) || needsGradient(gain) || needsGradient(bias)
    let out = output(
      s, .layerNorm(x, gain: gain, bias: bias, statistics: statistics), needsGradient: needs)
    let (px, pg, pb, po) = (
      valuePointer(x), valuePointer(gain), valuePointer(bias), valuePointer(out)
    )
    let status = saddle_layernorm_forward(
      Int32(kernelPath.rawValue), rows, n, px, pg, pb, epsilon, po, statistics)
    if status == 0 { return out }
    let inverseN = 1 / Float(n)
    for r in 0..<rows {
      let row = px + r * n
      let mean = Float(Vector.sum(n, row)) * inverseN
      var variance: Float = 0
      for j in 0..<n {
        let d = row[j] - mean
        variance += d * d
      }
      let rstd = 1 / (variance * inverseN + epsilon).squareRoot()
      statistics[2 * r] = mean
      statistics[2 * r + 1] = rstd
      let o = po + r * n
      for j in 0..<n { o[j] = (row[j] - mean) * rstd * pg[j] + pb[j] }
    }
    return out
  }

  /// Rows of `table` (`vocabulary×d`) gathered by `count` indices: the result is `(count, d)`
  /// (the index pointer must stay valid until backward).
  public func embedding(_ table: Tensor, indices: UnsafePointer<Int32>, count: Int) -> Tensor {
    let s = shape(table)
    let (vocabulary, d) = (s[0], s.last)
    let out = output(
      TensorShape(count, d), .embedding(table: table, indices: indices),
      needsGradient: needsGradient(table))
    let (pt, po) = (valuePointer(table), valuePointer(out))
    for i in 0..<count {
      let t = Int(indices[i])
      precondition(t >= 0 && t < vocabulary, "embedding: index \(t) out of 0..<\(vocabulary)")
      (po + i * d).update(from: pt + t * d, count: d)
    }
    return out
  }
}
