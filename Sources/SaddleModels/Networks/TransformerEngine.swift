import Dispatch
import SaddleTensor

/// Loss, gradient and accuracy of a ``TransformerLM``-shaped network on a ``TokenBatch`` whose
/// loss may be restricted to scored targets.
///
/// Unmasked training batches of the configured size go straight to the engine's
/// ``TransformerLM``. Masked batches (and evaluations, which need the logits) record the same
/// graph (`TransformerLM.recordLogits`, the model's one graph) on the engine's own ``Tape`` —
/// so on an unmasked batch the two paths agree bit for bit — and gather the scored rows of the
/// residual stream (`Tape.embedding` used as a row gather) before the final LayerNorm and head,
/// so unscored positions cost nothing there. The batch is split into two fixed shards with their own tapes;
/// with `threads ≥ 2` they run concurrently and their gradients are summed in a fixed order, so
/// results do not depend on the thread count. Not thread-safe.
final class TransformerEngine {
  let configuration: TransformerConfiguration
  let threads: Int
  let network: TransformerLM
  let offsets: [Int]
  private let shards: [MaskedShard]
  private let shardGradient: UnsafeMutablePointer<Float>

  init(configuration: TransformerConfiguration, threads: Int) {
    self.configuration = configuration
    self.threads = max(1, threads)
    network = TransformerLM(configuration, threads: threads)
    var offsets: [Int] = []
    var offset = 0
    for segment in configuration.segments {
      offsets.append(offset)
      offset += segment.shape.reduce(1, *)
    }
    self.offsets = offsets
    shards = [MaskedShard(configuration), MaskedShard(configuration)]
    shardGradient = .allocate(capacity: max(offset, 1))
  }

  deinit { shardGradient.deallocate() }

  /// The summed cross-entropy over scored targets divided by their number, the number of
  /// scored targets whose argmax logit is right (when `countCorrect`), and that number.
  func evaluate(
    parameters: UnsafeBufferPointer<Float>, batch: TokenBatch,
    gradient: UnsafeMutableBufferPointer<Float>?, countCorrect: Bool = false
  ) -> (loss: Double, correct: Int, scored: Int) {
    let c = configuration
    precondition(
      batch.sequenceLength == c.sequenceLength,
      "TransformerModel: batch sequence length \(batch.sequenceLength) ≠ \(c.sequenceLength)")
    precondition(parameters.count == c.parameterCount, "TransformerModel: wrong parameter count")
    if batch.scored == nil && batch.rows == c.batchSize && !countCorrect {
      let loss = batch.tokens.withUnsafeBufferPointer { tokens in
        if let gradient {
          network.lossAndGradient(parameters: parameters, tokens: tokens, gradient: gradient)
        } else {
          network.loss(parameters: parameters, tokens: tokens)
        }
      }
      return (loss, 0, batch.rows * c.sequenceLength)
    }
    let scored = batch.scoredCount
    let shardCount = batch.rows >= 2 ? 2 : 1
    var first = 0
    for s in 0..<shardCount {
      let rows = (batch.rows - first) / (shardCount - s)
      shards[s].prepare(batch: batch, firstRow: first, rows: rows)
      first += rows
    }
    let work = MaskedShardWork(
      shards: Array(shards[0..<shardCount]), offsets: offsets,
      parameters: parameters.baseAddress!, gradient: gradient?.baseAddress,
      shardGradient: shardGradient, normalizer: 1 / Float(max(scored, 1)),
      countCorrect: countCorrect)
    if threads > 1 && shardCount > 1 {
      DispatchQueue.concurrentPerform(iterations: shardCount) { work.run($0) }
    } else {
      for s in 0..<shardCount { work.run(s) }
    }
    if let gradient, shardCount > 1 {
      let n = c.parameterCount
      for i in 0..<n { gradient[i] += shardGradient[i] }
    }
    var (loss, correct) = (0.0, 0)
    for shard in shards[0..<shardCount] {
      loss += shard.loss
      correct += shard.correct
    }
    return (loss, correct, scored)
  }
}

/// The addresses one evaluation shares between shard workers; each worker touches only its own
/// shard, its own gradient buffer and read-only inputs.
private struct MaskedShardWork: @unchecked Sendable {
  let shards: [MaskedShard]
  let offsets: [Int]
  let parameters: UnsafePointer<Float>
  let gradient: UnsafeMutablePointer<Float>?
  let shardGradient: UnsafeMutablePointer<Float>
  let normalizer: Float
  let countCorrect: Bool

  func run(_ s: Int) {
    shards[s].evaluate(
      offsets: offsets, parameters: parameters,
      gradient: gradient.map { s == 0 ? $0 : shardGradient }, normalizer: normalizer,
      countCorrect: countCorrect)
  }
}

/// One slice of a batch with its own tape and index buffers (grown on demand, then reused).
private final class MaskedShard {
  let configuration: TransformerConfiguration
  let tape = Tape(threads: 1)
  private var capacity = 0
  private var inputs = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  private var positions = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  private var targets = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  private var rows = 0
  private var scoredCount = 0
  private var gathers = false
  var loss = 0.0
  var correct = 0

  init(_ configuration: TransformerConfiguration) { self.configuration = configuration }

  deinit {
    inputs.deallocate()
    positions.deallocate()
    targets.deallocate()
  }

  /// Copies rows `firstRow..<firstRow + rows` of `batch`: inputs, and the flat indices and
  /// targets of the scored positions.
  func prepare(batch: TokenBatch, firstRow: Int, rows: Int) {
    let t = configuration.sequenceLength
    if rows * t > capacity {
      capacity = rows * t
      for pointer in [inputs, positions, targets] { pointer.deallocate() }
      inputs = .allocate(capacity: capacity)
      positions = .allocate(capacity: capacity)
      targets = .allocate(capacity: capacity)
    }
    self.rows = rows
    gathers = batch.scored != nil
    var k = 0
    batch.tokens.withUnsafeBufferPointer { tokens in
      for r in 0..<rows {
        let row = tokens.baseAddress! + (firstRow + r) * (t + 1)
        (inputs + r * t).update(from: row, count: t)
        for position in 0..<t where batch.isScored(row: firstRow + r, position: position) {
          positions[k] = Int32(r * t + position)
          targets[k] = row[position + 1]
          k += 1
        }
      }
    }
    scoredCount = k
  }

  func evaluate(
    offsets: [Int], parameters: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>?,
    normalizer: Float, countCorrect: Bool
  ) {
    let c = configuration
    let v = c.vocabularySize
    correct = 0
    guard scoredCount > 0 else {
      loss = 0
      gradient?.update(repeating: 0, count: c.parameterCount)
      return
    }
    tape.reset()
    let logits = TransformerLM.recordLogits(
      on: tape, configuration: c, offsets: offsets, parameters: parameters, gradient: gradient,
      inputs: inputs, rows: rows,
      gathering: gathers ? (UnsafePointer(positions), scoredCount) : nil)
    let lossTensor = tape.crossEntropy(logits: logits, targets: targets, scale: normalizer)
    loss = Double(tape.scalar(lossTensor))
    if countCorrect {
      let z = tape.value(logits)
      for k in 0..<scoredCount {
        var best = 0
        for j in 1..<v where z[k * v + j] > z[k * v + best] { best = j }
        if best == Int(targets[k]) { correct += 1 }
      }
    }
    if gradient != nil { tape.backward(from: lossTensor) }
  }
}
