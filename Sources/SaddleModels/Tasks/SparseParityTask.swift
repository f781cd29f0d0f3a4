import SaddleCore

/// Sparse parity: inputs `x ∈ {−1, +1}ⁿ` uniform, label `y = 1` when an odd number of the `k`
/// relevant bits are `−1` (`∏_{i∈S} xᵢ = −1`), else `0`.
///
/// No single bit (nor any set of fewer than `k`) correlates with the label, so gradient
/// descent on an MLP sits on a long loss plateau at `log 2` before it finds the support `S`
/// and the loss drops suddenly (Barak, Edelman, Goel, Kakade, Malach & Zhang 2022, "Hidden
/// progress in deep learning: SGD learns parities near the computational limit").
public struct SparseParityTask: ClassificationTask, Hashable {
  /// The number of input bits `n`.
  public let bitCount: Int
  /// The relevant bits `S` (sorted, `k` of them).
  public let relevantBits: [Int]
  /// Examples in the held-out set.
  public let evaluationCount: Int

  public var inputWidth: Int { bitCount }
  public var classCount: Int { 2 }

  /// A task on `bits` inputs with `relevant` bits drawn without replacement from `taskSeed`.
  public init(bits: Int = 20, relevant: Int = 3, taskSeed: UInt64 = 0, evaluationCount: Int = 1024)
  {
    precondition(bits >= 1, "SparseParityTask: bits must be ≥ 1")
    precondition(relevant >= 1 && relevant <= bits, "SparseParityTask: need 1 ≤ relevant ≤ bits")
    var generator = TaskRandom.generator(seed: taskSeed, step: 0, stream: TaskRandom.structure)
    var pool = Array(0..<bits)
    for i in 0..<relevant { pool.swapAt(i, i + generator.nextIndex(below: bits - i)) }
    self.init(
      bits: bits, relevantBits: pool[0..<relevant].sorted(), evaluationCount: evaluationCount)
  }

  /// A task on `bits` inputs whose label is the parity of `relevantBits`.
  public init(bits: Int, relevantBits: [Int], evaluationCount: Int = 1024) {
    precondition(
      !relevantBits.isEmpty && relevantBits.allSatisfy { (0..<bits).contains($0) }
        && Set(relevantBits).count == relevantBits.count,
      "SparseParityTask: relevant bits must be distinct indices in 0..<bits")
    precondition(evaluationCount >= 1, "SparseParityTask: evaluationCount must be ≥ 1")
    bitCount = bits
    self.relevantBits = relevantBits.sorted()
    self.evaluationCount = evaluationCount
  }

  /// The label of `x`: `1` if `∏_{i∈S} xᵢ < 0`, else `0`.
  public func label(of x: some Collection<Float>) -> Int32 {
    let values = Array(x)
    var negatives = 0
    for i in relevantBits where values[i] < 0 { negatives += 1 }
    return Int32(negatives & 1)
  }

  public func batch(size: Int, step: Int, seed: UInt64) -> ClassificationBatch {
    var generator = TaskRandom.generator(seed: seed, step: step, stream: TaskRandom.training)
    return make(size, using: &generator)
  }

  public func evaluationBatch(seed: UInt64) -> ClassificationBatch {
    var generator = TaskRandom.generator(seed: seed, step: 0, stream: TaskRandom.evaluation)
    return make(evaluationCount, using: &generator)
  }

  private func make(_ count: Int, using generator: inout SeededGenerator) -> ClassificationBatch {
    var inputs = [Float](repeating: 0, count: count * bitCount)
    var labels = [Int32](repeating: 0, count: count)
    for e in 0..<count {
      var bits: UInt64 = 0
      var negatives = 0
      for i in 0..<bitCount {
        if i % 64 == 0 { bits = generator.next() }
        let negative = bits & 1 == 1
        bits >>= 1
        inputs[e * bitCount + i] = negative ? -1 : 1
        if negative && relevantBits.contains(i) { negatives += 1 }
      }
      labels[e] = Int32(negatives & 1)
    }
    return ClassificationBatch(inputWidth: bitCount, inputs: inputs, labels: labels)
  }
}
