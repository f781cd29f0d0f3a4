import Dispatch

/// A decoder-only Transformer language model evaluated on flat parameter buffers.
///
/// Architecture (GPT-2 style, as in `scripts/reference/transformer_reference.py`):
/// `x = E_tok[tokens] + E_pos`; per block `x += Attn(LN₁(x))`, `x += W₂·gelu(W₁·LN₂(x) + b₁) + b₂`;
/// `logits = LN_f(x)·W_head + b_head`; loss = mean next-token cross-entropy over `B·T` tokens.
///
/// The batch is split into two fixed shards, each with its own ``Tape``; with `threads ≥ 2`
/// the shards run concurrently, and the shard gradients are always summed in the same order,
/// so results do not depend on the thread count. After the first call nothing is allocated.
/// Not thread-safe: one instance serves one caller at a time.
public final class TransformerLM {
  /// The sizes of the model.
  public let configuration: TransformerConfiguration
  /// Worker threads used per call (1 or 2 are meaningful).
  public let threads: Int

  private let shards: [Shard]
  private let offsets: [Int]
  private let shardGradient: UnsafeMutableBufferPointer<Float>

  /// A model with `threads` workers and the default kernel path.
  public convenience init(_ configuration: TransformerConfiguration, threads: Int = 2) {
    self.init(configuration, threads: threads, kernelPath: .selected)
  }

  /// A model with `threads` workers on an explicit GEMM kernel path.
  public init(_ configuration: TransformerConfiguration, threads: Int, kernelPath: KernelPath) {
    self.configuration = configuration
    self.threads = max(1, threads)
    var offsets: [Int] = []
    var offset = 0
    for segment in configuration.segments {
      offsets.append(offset)
      offset += segment.shape.reduce(1, *)
    }
    self.offsets = offsets
    parameterCount = offset
    let shardCount = configuration.batchSize >= 2 ? 2 : 1
    var shards: [Shard] = []
    var start = 0
    for s in 0..<shardCount {
      let rows = (configuration.batchSize - start) / (shardCount - s)
      shards.append(
        Shard(configuration: configuration, firstRow: start, rows: rows, kernelPath: kernelPath))
      start += rows
    }
    self.shards = shards
    shardGradient = .allocate(capacity: shardCount > 1 ? offset * (shardCount - 1) : 1)
  }

  deinit { shardGradient.deallocate() }

  /// The number of parameters (110,400 for ``TransformerConfiguration/reference``).
  public let parameterCount: Int

  /// The parameter segments in flat-buffer order.
  public var segments: [(name: String, shape: [Int])] { configuration.segments }

  /// Writes the initial parameters: weights and embeddings `N(0, σ²)` with
  /// `σ = initializationScale` (0.02), LayerNorm gains 1, biases 0; deterministic in `seed`.
  public func initializeParameters(_ p: UnsafeMutableBufferPointer<Float>, seed: UInt64) {
    precondition(p.count >= parameterCount, "initializeParameters: buffer too small")
    var sampler = NormalSampler(seed: seed)
    let scale = Double(configuration.initializationScale)
    for (segment, offset) in zip(segments, offsets) {
      let count = segment.shape.reduce(1, *)
      let value: Float? =
        segment.name.hasSuffix(".gain") ? 1 : (segment.name.hasSuffix(".bias") ? 0 : nil)
      for i in 0..<count { p[offset + i] = value ?? Float(scale * sampler.next()) }
    }
  }

  /// The mean next-token cross-entropy on `tokens` (`batchSize × (sequenceLength + 1)`, row-major;
  /// row `b` predicts `tokens[b, t + 1]` from `tokens[b, 0...t]`).
  public func loss(parameters: UnsafeBufferPointer<Float>, tokens: UnsafeBufferPointer<Int32>)
    -> Double
  {
    evaluate(parameters: parameters, tokens: tokens, gradient: nil)
  }

  /// The loss and its gradient with respect to every parameter, written to `gradient` (same
  /// layout as `parameters`; overwritten, not accumulated).
  public func lossAndGradient(
    parameters: UnsafeBufferPointer<Float>, tokens: UnsafeBufferPointer<Int32>,
    gradient: UnsafeMutableBufferPointer<Float>
  ) -> Double {
    precondition(gradient.count >= parameterCount, "lossAndGradient: gradient buffer too small")
    return evaluate(parameters: parameters, tokens: tokens, gradient: gradient.baseAddress!)
  }

  private func evaluate(
    parameters: UnsafeBufferPointer<Float>, tokens: UnsafeBufferPointer<Int32>,
    gradient: UnsafeMutablePointer<Float>?
  ) -> Double {
    let c = configuration
    precondition(parameters.count >= parameterCount, "parameter buffer too small")
    precondition(tokens.count >= c.batchSize * c.tokensPerSequence, "token buffer too small")
    let p = parameters.baseAddress!
    let n = parameterCount
    let work = ShardWork(
      shards: shards, offsets: offsets, parameters: p, tokens: tokens.baseAddress!,
      gradient: gradient, shardGradient: shardGradient.baseAddress!, parameterCount: n,
      normalizer: 1 / Float(c.batchSize * c.sequenceLength))
    if threads > 1 && shards.count > 1 {
      DispatchQueue.concurrentPerform(iterations: shards.count) { work.run($0) }
    } else {
      for s in shards.indices { work.run(s) }
    }
    if let gradient {
      for s in 1..<max(shards.count, 1) {
        Vector.copy(n, shardGradient.baseAddress! + (s - 1) * n, gradient, accumulate: true)
      }
    }
    var total = 0.0
    for shard in shards { total += shard.loss }
    return total
  }
}

/// The addresses one evaluation shares between shard workers; each worker touches only its own
/// shard, its own gradient slice and read-only inputs.
private struct ShardWork: @unchecked Sendable {
  let shards: [TransformerLM.Shard]
  let offsets: [Int]
  let parameters: UnsafePointer<Float>
  let tokens: UnsafePointer<Int32>
  let gradient: UnsafeMutablePointer<Float>?
  let shardGradient: UnsafeMutablePointer<Float>
  let parameterCount: Int
  let normalizer: Float

  func run(_ s: Int) {
    let g = gradient.map { s == 0 ? $0 : shardGradient + (s - 1) * parameterCount }
    shards[s].evaluate(
      offsets: offsets, parameters: parameters, tokens: tokens, gradient: g,
      normalizer: normalizer)
  }
}

/// Hands out the parameter segments in flat-buffer order as tape parameters (a struct, so
/// walking it allocates nothing).
private struct ParameterCursor {
  let tape: Tape
  let offsets: [Int]
  let parameters: UnsafePointer<Float>
  let gradient: UnsafeMutablePointer<Float>?
  var segment = 0

  mutating func next(_ shape: TensorShape) -> Tensor {
    let o = offsets[segment]
    segment += 1
    return tape.parameter(parameters + o, shape: shape, gradient: gradient.map { $0 + o })
  }
}

extension TransformerLM {
  /// Records the network's forward graph on `tape` for `rows` sequences of input tokens and
  /// returns the logits: `x = E_tok[inputs] + E_pos`, the blocks, then `LN_f(x)·W_head + b_head`.
  ///
  /// Parameters are read from `parameters` at `offsets` (the segments in flat-buffer order);
  /// their gradients accumulate into `gradient` at the same offsets when the tape runs
  /// backward. With `gathering`, only the listed rows of the residual stream (flat
  /// `row · T + position` indices) reach the final LayerNorm and head, so unscored positions
  /// cost nothing there. The one graph of the model: ``TransformerLM`` and masked evaluations
  /// (`SaddleModels`' Transformer models) both record it here, so they agree bit for bit.
  public static func recordLogits(
    on tape: Tape, configuration c: TransformerConfiguration, offsets: [Int],
    parameters: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>?,
    inputs: UnsafePointer<Int32>, rows: Int,
    gathering gather: (indices: UnsafePointer<Int32>, count: Int)? = nil
  ) -> Tensor {
    let (t, d, f, v) = (c.sequenceLength, c.modelWidth, c.mlpWidth, c.vocabularySize)
    var cursor = ParameterCursor(
      tape: tape, offsets: offsets, parameters: parameters, gradient: gradient)
    let tokenTable = cursor.next(TensorShape(v, d))
    let positionTable = cursor.next(TensorShape(t, d))
    var x = tape.addBroadcast(
      tape.embedding(tokenTable, indices: inputs, count: rows * t), positionTable)
    let eps = c.layerNormEpsilon
    for _ in 0..<c.layerCount {
      let (g1, b1) = (cursor.next(TensorShape(d)), cursor.next(TensorShape(d)))
      let (wqkv, bqkv) = (cursor.next(TensorShape(d, 3 * d)), cursor.next(TensorShape(3 * d)))
      let (wo, bo) = (cursor.next(TensorShape(d, d)), cursor.next(TensorShape(d)))
      let (g2, b2) = (cursor.next(TensorShape(d)), cursor.next(TensorShape(d)))
      let (w1, bias1) = (cursor.next(TensorShape(d, f)), cursor.next(TensorShape(f)))
      let (w2, bias2) = (cursor.next(TensorShape(f, d)), cursor.next(TensorShape(d)))
      var h = tape.layerNorm(x, gain: g1, bias: b1, epsilon: eps)
      let qkv = tape.linear(h, weight: wqkv, bias: bqkv)
      let a = tape.causalSelfAttention(qkv, batch: rows, sequence: t, heads: c.headCount)
      x = tape.add(x, tape.linear(a, weight: wo, bias: bo))
      h = tape.layerNorm(x, gain: g2, bias: b2, epsilon: eps)
      let preActivation = tape.linear(h, weight: w1, bias: bias1)
      x = tape.add(x, tape.geluLinear(preActivation, weight: w2, bias: bias2))
    }
    if let gather { x = tape.embedding(x, indices: gather.indices, count: gather.count) }
    let (gf, bf) = (cursor.next(TensorShape(d)), cursor.next(TensorShape(d)))
    let (wh, bh) = (cursor.next(TensorShape(d, v)), cursor.next(TensorShape(v)))
    x = tape.layerNorm(x, gain: gf, bias: bf, epsilon: eps)
    return tape.linear(x, weight: wh, bias: bh)
  }

  /// One fixed slice of the batch with its own tape and index buffers.
  final class Shard {
    let configuration: TransformerConfiguration
    let firstRow: Int
    let rows: Int
    let tape: Tape
    let inputs: UnsafeMutablePointer<Int32>
    let targets: UnsafeMutablePointer<Int32>
    var loss = 0.0

    init(configuration: TransformerConfiguration, firstRow: Int, rows: Int, kernelPath: KernelPath)
    {
      self.configuration = configuration
      self.firstRow = firstRow
      self.rows = rows
      tape = Tape(threads: 1, kernelPath: kernelPath)
      inputs = .allocate(capacity: max(1, rows * configuration.sequenceLength))
      targets = .allocate(capacity: max(1, rows * configuration.sequenceLength))
    }

    deinit {
      inputs.deallocate()
      targets.deallocate()
    }

    func evaluate(
      offsets: [Int], parameters: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
      gradient: UnsafeMutablePointer<Float>?, normalizer: Float
    ) {
      let c = configuration
      let t = c.sequenceLength
      for r in 0..<rows {
        let row = tokens + (firstRow + r) * c.tokensPerSequence
        (inputs + r * t).update(from: row, count: t)
        (targets + r * t).update(from: row + 1, count: t)
      }
      let tape = self.tape
      tape.reset()
      let logits = TransformerLM.recordLogits(
        on: tape, configuration: c, offsets: offsets, parameters: parameters,
        gradient: gradient, inputs: inputs, rows: rows)
      let lossTensor = tape.crossEntropy(logits: logits, targets: targets, scale: normalizer)
      loss = Double(tape.scalar(lossTensor))
      if gradient != nil { tape.backward(from: lossTensor) }
    }
  }
}
