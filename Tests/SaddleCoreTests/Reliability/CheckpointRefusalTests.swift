import Foundation
import SaddleCore
import Testing

@Suite("Checkpoints: bad files are refused and nothing is overwritten")
struct CheckpointRefusalTests {
  let model = NoisyQuadratic()
  let optimizer = Optimizer { Adam(learningRate: 0.01) }

  var identity: CheckpointIdentity { CheckpointIdentity(model: model, optimizer: optimizer) }

  /// A store holding the checkpoint of step 5, and that file's bytes.
  func savedStore(_ directory: TemporaryDirectory) throws -> (CheckpointStore, URL, Data) {
    let store = CheckpointStore(directory: directory.url)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 5),
      checkpointStore: store)
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    let url = store.url(forStep: 5)
    return (store, url, try Data(contentsOf: url))
  }

  /// Writes `bytes` over the checkpoint, expects `load` to fail with an error for which
  /// `matches` holds, and the file to be left as it was.
  func expectRefusal(
    _ mutate: (Data) -> Data, expecting identity: CheckpointIdentity? = nil,
    mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (CheckpointError) -> Bool
  ) throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, url, original) = try savedStore(directory)
    let bad = mutate(original)
    try bad.write(to: url)
    do {
      _ = try store.load(Adam.State.self, expecting: identity ?? self.identity)
      Issue.record("the checkpoint was accepted", sourceLocation: sourceLocation)
    } catch {
      #expect(matches(error), "\(error)", sourceLocation: sourceLocation)
      #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
      #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    }
    #expect(try Data(contentsOf: url) == bad, sourceLocation: sourceLocation)
    #expect(store.steps() == [5], sourceLocation: sourceLocation)
  }

  @Test("a good checkpoint loads")
  func loads() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _, _) = try savedStore(directory)
    let checkpoint = try store.load(Adam.State.self, expecting: identity)
    #expect(checkpoint.step == 5)
    #expect(checkpoint.state.rule.count == 5)
    #expect(checkpoint.history.recordedSteps == 5)
  }

  @Test("a truncated checkpoint is refused as truncated")
  func truncated() throws {
    try expectRefusal({ $0.prefix($0.count - 100) }, mentioning: "truncated") {
      if case .truncated = $0 { true } else { false }
    }
    try expectRefusal({ $0.prefix(40) }, mentioning: "truncated") {
      if case .truncated = $0 { true } else { false }
    }
    try expectRefusal({ _ in Data() }, mentioning: "truncated") {
      if case .truncated = $0 { true } else { false }
    }
  }

  @Test("a flipped byte in the payload is refused by the checksum")
  func corrupted() throws {
    try expectRefusal(
      { data in
        var copy = data
        copy[copy.count - 30] ^= 0x04
        return copy
      }, mentioning: "checksum"
    ) {
      if case .checksumMismatch = $0 { true } else { false }
    }
  }

  @Test("a newer format version is refused as unsupported")
  func wrongVersion() throws {
    try expectRefusal(
      { data in
        let text = String(decoding: data, as: UTF8.self)
        return Data(text.replacingOccurrences(of: #""version":2"#, with: #""version":3"#).utf8)
      }, mentioning: "version 3"
    ) {
      $0 == .unsupportedVersion(path: $0.path, found: 3, supported: 2)
    }
  }

  @Test("a file that is not a checkpoint is refused as such")
  func foreignFile() throws {
    var generator = SeededGenerator(seed: 3)
    let noise = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    try expectRefusal({ _ in Data("{\"hello\": 1}\n{}".utf8) }, mentioning: "not a SaddleKit") {
      if case .notACheckpoint = $0 { true } else { false }
    }
    try expectRefusal({ _ in noise + Data([0x0A]) }, mentioning: "not a SaddleKit") {
      if case .notACheckpoint = $0 { true } else { false }
    }
  }

  @Test("a checkpoint of another model or optimizer is refused, naming which")
  func mismatches() throws {
    let otherModel = CheckpointIdentity(
      model: NoisyQuadratic(dimension: 13), optimizer: optimizer)
    try expectRefusal({ $0 }, expecting: otherModel, mentioning: "another model") {
      if case .modelMismatch = $0 { true } else { false }
    }
    let otherOptimizer = CheckpointIdentity(
      model: model, optimizer: Optimizer { Adam(learningRate: 0.02) })
    try expectRefusal({ $0 }, expecting: otherOptimizer, mentioning: "another optimizer") {
      if case .optimizerMismatch = $0 { true } else { false }
    }
    let named = CheckpointIdentity(layout: model.layout, modelName: "rosenbrock")
    var trainer = Trainer(model: model, optimizer: optimizer, budget: TrainingBudget(steps: 1))
    trainer.modelName = "himmelblau"
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let store = CheckpointStore(directory: directory.url)
    trainer.checkpointStore = store
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    #expect(throws: CheckpointError.self) {
      _ = try store.load(Adam.State.self, expecting: named)
    }
  }

  @Test("a trainer refuses to resume from a bad checkpoint and leaves it in place")
  func trainerRefusesToResume() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, url, original) = try savedStore(directory)
    var bad = original
    bad[bad.count - 10] ^= 0xFF
    try bad.write(to: url)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 10),
      checkpointStore: store, checkpointEvery: 1)
    #expect(throws: CheckpointError.self) { _ = try trainer.start(seed: 0, resume: true) }
    #expect(
      throws: CheckpointError.existingCheckpoints(directory: directory.url.path, latestStep: 5)
    ) {
      _ = try trainer.start(seed: 0, resume: false)
    }
    #expect(try Data(contentsOf: url) == bad)
    #expect(store.steps() == [5])
  }

  @Test("saving refuses a state holding a NaN, and keeps the previous checkpoint")
  func refusesNonFiniteState() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, url, original) = try savedStore(directory)
    let state = try store.load(Adam.State.self, expecting: identity).state
    #expect(state.step == 5)
    var parameters = state.context.parameters
    parameters[3] = .nan
    var badParameters = state
    badParameters.context.parameters = parameters
    #expect(throws: CheckpointError.nonFiniteState(step: 5, field: "parameters")) {
      try store.save(badParameters, history: .init(), identity: identity)
    }
    var badMoment = state
    badMoment.rule.secondMoment[0] = .infinity
    #expect(throws: CheckpointError.nonFiniteState(step: 5, field: "rule.secondMoment")) {
      try store.save(badMoment, history: .init(), identity: identity)
    }
    #expect(try Data(contentsOf: url) == original)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
    #expect(leftovers.sorted() == ["checkpoint-000000000005.saddlekit", "history.bin"])
  }

  @Test("the NaN check sees into type-erased stage state")
  func refusesNonFiniteErasedState() throws {
    // A gradient of 1e20 is finite but its square overflows Float: Adam's second moment
    // becomes +inf while the update (m / ∞ = 0) stays finite, so the step is accepted.
    let model = DiagonalQuadratic(eigenvalues: [1e20, 1], start: [1, 1])
    let optimizer = try Registry.core.optimizer(fromJSON: #"[{"stage": "adam"}]"#)
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters.isFinite)
    let identity = CheckpointIdentity(model: model, optimizer: optimizer)
    #expect {
      _ = try Checkpoint(state: state, history: .init(), identity: identity).encoded()
    } throws: { error in
      "\(error)".contains("rule.0") && "\(error)".contains("secondMoment")
    }
  }
}

extension CheckpointError {
  var path: String {
    switch self {
    case .unsupportedVersion(let path, _, _): return path
    default: return ""
    }
  }
}
