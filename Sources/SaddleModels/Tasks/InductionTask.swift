import SaddleCore

/// In-context copying, the task on which attention models form *induction heads*: each row is a
/// block of `P` distinct random tokens repeated until the row is full, with the period `P`
/// drawn per row from `periods`.
///
/// Only targets whose token is a repetition are scored: at position `t ≥ P` the current token
/// `x_t = x_{t−P}` occurred before, and the next one is `x_{t+1} = x_{t−P+1}` — "A B … A → B".
/// Because `P` varies per row, position alone cannot predict it; the model must find the earlier
/// occurrence of the current token and copy its successor (a previous-token head feeding an
/// induction head, Olsson et al. 2022, "In-context learning and induction heads"). Training
/// shows the well-documented loss plateau near `log V` (or `log P` once the model copies
/// tokens of the context without their order) followed by an abrupt drop when the induction
/// circuit forms (Olsson et al. 2022; Reddy 2024, "The mechanistic basis of data dependence and
/// abrupt learning in an in-context classification task").
public struct InductionTask: SequenceTask, Hashable {
  /// The number of token classes `V`.
  public let vocabularySize: Int
  /// The predicted positions per row `T`.
  public let sequenceLength: Int
  /// The periods `P` a row may have (each row draws one uniformly).
  public let periods: ClosedRange<Int>

  /// A task with `V` token classes, `T` predicted positions and periods in `periods`.
  ///
  /// - Precondition: `1 ≤ periods.lowerBound`, `periods.upperBound ≤ min(V, T − 1)` (the tokens
  ///   of a period are distinct and at least one target is scored per row).
  public init(
    vocabularySize: Int = 64, sequenceLength: Int = 32, periods: ClosedRange<Int> = 8...16
  ) {
    precondition(periods.lowerBound >= 1, "InductionTask: periods must start at 1 or more")
    precondition(
      periods.upperBound <= vocabularySize,
      "InductionTask: the period (\(periods.upperBound)) cannot exceed the vocabulary "
        + "(\(vocabularySize)): the tokens of a period are distinct")
    precondition(
      periods.upperBound < sequenceLength,
      "InductionTask: the period (\(periods.upperBound)) must be below the sequence length "
        + "(\(sequenceLength)) so that some target repeats")
    self.vocabularySize = vocabularySize
    self.sequenceLength = sequenceLength
    self.periods = periods
  }

  public func batch(rows: Int, step: Int, seed: UInt64) -> TokenBatch {
    var generator = TaskRandom.generator(seed: seed, step: step, stream: TaskRandom.training)
    return make(rows: rows, using: &generator)
  }

  public func evaluationBatch(rows: Int, seed: UInt64) -> TokenBatch {
    var generator = TaskRandom.generator(seed: seed, step: 0, stream: TaskRandom.evaluation)
    return make(rows: rows, using: &generator)
  }

  /// The period of row `row` of `batch`: the smallest `P` with `x_P = x_0` (tokens of a period
  /// are distinct, so this recovers the drawn period).
  public func period(ofRow row: Int, in batch: TokenBatch) -> Int {
    let width = sequenceLength + 1
    let first = batch.tokens[row * width]
    return (1..<width).first { batch.tokens[row * width + $0] == first } ?? width
  }

  private func make(rows: Int, using generator: inout SeededGenerator) -> TokenBatch {
    let (t, v) = (sequenceLength, vocabularySize)
    var tokens = [Int32](repeating: 0, count: rows * (t + 1))
    var scored = [Bool](repeating: false, count: rows * t)
    var pool = (0..<Int32(v)).map { $0 }
    for r in 0..<rows {
      let period = periods.lowerBound + generator.nextIndex(below: periods.count)
      // A partial Fisher–Yates shuffle draws `period` distinct tokens.
      for i in 0..<period {
        let j = i + generator.nextIndex(below: v - i)
        pool.swapAt(i, j)
      }
      for i in 0...t { tokens[r * (t + 1) + i] = pool[i % period] }
      for position in period..<t { scored[r * t + position] = true }
    }
    return TokenBatch(rows: rows, sequenceLength: t, tokens: tokens, scored: scored)
  }
}
