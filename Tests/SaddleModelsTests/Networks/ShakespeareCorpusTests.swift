import Foundation
import SaddleCore
import SaddleModels
import Testing

@Suite("Shakespeare corpus")
struct ShakespeareCorpusTests {
  @Test("the packaged corpus loads: 7 training plays, 1 held-out play, as PROVENANCE.md states")
  func loads() throws {
    let task = try CharacterLanguageTask.shakespeare(sequenceLength: 64)
    // Byte counts and alphabet from scripts/corpus/prepare_shakespeare.py (the text is ASCII).
    #expect(task.trainingCount == 937_847)
    #expect(task.tokens.count == 937_847 + 114_858)
    #expect(task.vocabularySize == 73)
    #expect(task.decode(task.tokens.prefix(6)) == "HAMLET")
    let heldOut = task.decode(task.tokens[task.trainingCount...])
    #expect(heldOut.hasPrefix("TWELFTH NIGHT; OR, WHAT YOU WILL"))
    #expect(!heldOut.contains("Gutenberg"))
  }

  @Test(
    "training windows come from the training plays only, held-out windows from the held-out play")
  func splitByPlay() throws {
    let task = try CharacterLanguageTask.shakespeare(sequenceLength: 16)
    let training = task.decode(task.tokens[..<task.trainingCount])
    let heldOut = task.decode(task.tokens[task.trainingCount...])
    let batch = task.batch(rows: 8, step: 3, seed: 1)
    let held = task.evaluationBatch(rows: 8, seed: 0)
    for r in 0..<8 {
      #expect(training.contains(task.decode(batch.tokens[(r * 17)..<((r + 1) * 17)])))
      #expect(heldOut.contains(task.decode(held.tokens[(r * 17)..<((r + 1) * 17)])))
    }
  }

  @Test("a two-text task: the alphabet is the union, the held-out part is the second text")
  func twoTexts() throws {
    let task = try CharacterLanguageTask(
      training: "abcabcabcabc", validation: "abdabd", sequenceLength: 3)
    #expect(task.vocabularySize == 4)
    #expect(task.trainingCount == 12)
    #expect(task.decode(task.tokens[12...]) == "abdabd")
    #expect(throws: TaskError.textTooShort(characters: 3, needed: 4)) {
      try CharacterLanguageTask(training: "abcabc", validation: "abd", sequenceLength: 3)
    }
  }

  @Test("transformer-charlm takes corpus=shakespeare; the default stays the embedded text")
  func registry() throws {
    let model = try Registry.standard.model(
      named: "transformer-charlm",
      fields: [
        "corpus": .string("shakespeare"), "sequenceLength": .int(16), "width": .int(8),
        "heads": .int(2), "layers": .int(1), "batch": .int(2), "evaluationRows": .int(3),
      ])
    let p = model.initialParameters(seed: 1)
    let metrics = model.evaluate(at: p, seed: 0)
    // Near-uniform predictions at initialization: loss ≈ log 73.
    #expect(abs(metrics["loss"]! - log(73.0)) < 0.1)
    let small = try Registry.standard.model(named: "transformer-charlm", fields: [:])
    #expect(small.layout.count != model.layout.count)
    #expect(CharacterLanguageTask(sequenceLength: 32).tokens.count < 10_000)
  }
}
