import SaddleCore

/// Random streams of the data generators: one independent generator per `(seed, step, stream)`.
enum TaskRandom {
  /// The stream of training batches.
  static let training: UInt64 = 0x7261_696E
  /// The stream of held-out evaluation data (never equal to a training batch's stream).
  static let evaluation: UInt64 = 0x6576_616C
  /// The stream of a task's fixed structure (relevant bits, class means, ground truths).
  static let structure: UInt64 = 0x7374_7275

  /// A generator for batch `step` of `seed` on `stream` (SplitMix64 mixing of the three).
  static func generator(seed: UInt64, step: Int, stream: UInt64) -> SeededGenerator {
    SeededGenerator(seed: mixSeed(mixSeed(seed, stream), UInt64(bitPattern: Int64(step))))
  }
}

extension SeededGenerator {
  /// A uniform integer in `0..<bound` (Lemire's multiply-shift; bias below 2⁻³² for the small
  /// bounds of the tasks).
  mutating func nextIndex(below bound: Int) -> Int {
    Int((UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)) >> 32)
  }
}
