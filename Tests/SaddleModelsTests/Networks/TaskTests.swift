import Foundation
import SaddleModels
import Testing

@Suite("Data generators")
struct TaskTests {
  @Test("induction batches are deterministic in (step, seed) and differ across steps and seeds")
  func inductionDeterminism() {
    let task = InductionTask(vocabularySize: 16, sequenceLength: 12, periods: 3...6)
    let a = task.batch(rows: 5, step: 7, seed: 3)
    #expect(a == task.batch(rows: 5, step: 7, seed: 3))
    #expect(a != task.batch(rows: 5, step: 8, seed: 3))
    #expect(a != task.batch(rows: 5, step: 7, seed: 4))
    #expect(task.evaluationBatch(rows: 5, seed: 3) == task.evaluationBatch(rows: 5, seed: 3))
    #expect(task.evaluationBatch(rows: 5, seed: 3) != task.batch(rows: 5, step: 0, seed: 3))
  }

  @Test("every scored induction target is the successor of the current token's earlier occurrence")
  func inductionTargetsArePredictable() throws {
    let task = InductionTask(vocabularySize: 16, sequenceLength: 20, periods: 3...9)
    let batch = task.batch(rows: 64, step: 1, seed: 0)
    let width = task.sequenceLength + 1
    var periodsSeen: Set<Int> = []
    for r in 0..<batch.rows {
      let row = Array(batch.tokens[(r * width)..<((r + 1) * width)])
      let period = task.period(ofRow: r, in: batch)
      periodsSeen.insert(period)
      #expect(task.periods.contains(period))
      #expect(Set(row[0..<period]).count == period, "the tokens of a period are distinct")
      for t in 0..<task.sequenceLength {
        #expect(batch.isScored(row: r, position: t) == (t >= period))
        guard batch.isScored(row: r, position: t) else { continue }
        // "A B … A → B": the current token occurred exactly once before, at t − P, and the
        // target is the token that followed it.
        let earlier = try #require(row[0..<t].lastIndex(of: row[t]))
        #expect(earlier == t - period)
        #expect(batch.target(row: r, position: t) == row[earlier + 1])
      }
    }
    #expect(periodsSeen == Set(task.periods), "64 rows draw every period of 3…9")
  }

  @Test("sparse parity labels are the parity of the relevant bits; the bits are uniform")
  func parityLabels() {
    let task = SparseParityTask(bits: 10, relevant: 3, taskSeed: 5)
    #expect(task.relevantBits.count == 3 && Set(task.relevantBits).count == 3)
    let batch = task.batch(size: 2000, step: 2, seed: 1)
    #expect(batch == task.batch(size: 2000, step: 2, seed: 1))
    #expect(batch != task.batch(size: 2000, step: 3, seed: 1))
    var ones = 0
    for e in 0..<batch.count {
      let x = batch.inputs[(e * 10)..<((e + 1) * 10)]
      #expect(x.allSatisfy { $0 == 1 || $0 == -1 })
      let product = task.relevantBits.reduce(Float(1)) { $0 * x[x.startIndex + $1] }
      #expect(batch.labels[e] == (product < 0 ? 1 : 0))
      ones += Int(batch.labels[e])
    }
    // Labels are Bernoulli(1/2): 2000 draws have standard deviation 22, so ±150 is ~7σ.
    #expect(abs(ones - 1000) < 150)
    let fixed = SparseParityTask(bits: 4, relevantBits: [0, 2])
    #expect(fixed.label(of: [-1, -1, 1, 1] as [Float]) == 1)
    #expect(fixed.label(of: [-1, 1, -1, 1] as [Float]) == 0)
  }

  @Test("imbalanced mixtures follow their priors in training and are balanced held out")
  func imbalancedPriors() {
    let task = ImbalancedGaussianMixtureTask(
      classes: 3, dimension: 4, imbalance: 10, separation: 3, evaluationPerClass: 50)
    #expect(abs(task.priors.reduce(0, +) - 1) < 1e-12)
    #expect(abs(task.priors[0] / task.priors[2] - 10) < 1e-9)
    let batch = task.batch(size: 20_000, step: 0, seed: 0)
    #expect(batch == task.batch(size: 20_000, step: 0, seed: 0))
    var counts = [0, 0, 0]
    for label in batch.labels { counts[Int(label)] += 1 }
    for c in 0..<3 {
      // Binomial(20000, π) has standard deviation ≤ 71; 5σ = 355 examples.
      #expect(abs(Double(counts[c]) - 20_000 * task.priors[c]) < 355, "class \(c)")
    }
    let held = task.evaluationBatch(seed: 0)
    #expect(held.labels == (0..<150).map { Int32($0 / 50) })
    // The class means have norm `separation`.
    for c in 0..<3 {
      let mean = task.means[(c * 4)..<((c + 1) * 4)]
      #expect(abs(mean.reduce(0) { $0 + Double($1 * $1) }.squareRoot() - 3) < 1e-5)
    }
  }

  @Test("the character task reads a UTF-8 file and round-trips its text")
  func characterTaskReadsFile() throws {
    let text = "héllo, wörld — the quick brown fox jumps over the lazy dog. "
    let url = temporaryFile("corpus.txt", contents: Data(text.utf8))
    defer { try? FileManager.default.removeItem(at: url) }
    let task = try CharacterLanguageTask(contentsOf: url.path, sequenceLength: 8)
    #expect(task.vocabularySize == Set(text.unicodeScalars).count)
    #expect(task.decode(task.tokens) == text)
    let batch = task.batch(rows: 4, step: 0, seed: 0)
    #expect(batch == task.batch(rows: 4, step: 0, seed: 0))
    #expect(batch.scored == nil)
    // Every window is a substring of the text; held-out windows come from its last part.
    for r in 0..<4 {
      let window = task.decode(batch.tokens[(r * 9)..<((r + 1) * 9)])
      #expect(text.contains(window))
    }
    let held = task.evaluationBatch(rows: 3, seed: 0)
    for r in 0..<3 {
      let window = Array(held.tokens[(r * 9)..<((r + 1) * 9)])
      let found = (task.trainingCount...(task.tokens.count - 9)).contains {
        Array(task.tokens[$0..<($0 + 9)]) == window
      }
      #expect(found)
    }
  }

  @Test("the character task rejects a missing, empty, non-UTF-8 or too short file clearly")
  func characterTaskRejectsBadFiles() throws {
    let missing = "/nonexistent/saddlekit-corpus.txt"
    #expect(throws: TaskError.unreadableFile(path: missing, reason: "no such file")) {
      try CharacterLanguageTask(contentsOf: missing)
    }
    let empty = temporaryFile("empty.txt", contents: Data())
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(throws: TaskError.emptyFile(path: empty.path)) {
      try CharacterLanguageTask(contentsOf: empty.path)
    }
    #expect(TaskError.emptyFile(path: "x").description.contains("is empty"))
    let binary = temporaryFile("binary.txt", contents: Data([0xFF, 0xFE, 0x00, 0xC3]))
    defer { try? FileManager.default.removeItem(at: binary) }
    #expect(throws: TaskError.notUTF8(path: binary.path)) {
      try CharacterLanguageTask(contentsOf: binary.path)
    }
    #expect(throws: TaskError.textTooShort(characters: 5, needed: 66)) {
      try CharacterLanguageTask(text: "short", sequenceLength: 32)
    }
  }

  @Test("the embedded corpus is a few KB and makes a usable task")
  func embeddedCorpus() {
    let task = CharacterLanguageTask(sequenceLength: 32)
    #expect(task.tokens.count > 3000)
    #expect(task.vocabularySize < 80)
  }

  func temporaryFile(_ name: String, contents: Data) -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddlekit-\(UUID().uuidString)-\(name)")
    _ = FileManager.default.createFile(atPath: url.path, contents: contents)
    return url
  }
}
