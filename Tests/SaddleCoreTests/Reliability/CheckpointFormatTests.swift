import Foundation
import SaddleCore
import Testing

/// Issue 9 item 7, case by case: every byte of a checkpoint is checked, the identity names the
/// first differing field, and identical runs write identical bytes.
@Suite("Checkpoints: format, identity and canonical bytes")
struct CheckpointFormatTests {
  let model = NoisyQuadratic()
  let optimizer = Optimizer { Adam(learningRate: 0.01) }

  /// Runs `steps` steps from `trainer.start(seed:…)` into `directory`.
  func run(
    into directory: URL, steps: Int = 5, seed: UInt64 = 7, every: Int? = nil,
    optimizer: Optimizer<Adam>? = nil, start: ParameterVector? = nil
  ) throws -> (CheckpointStore, TrainingHistory) {
    let store = CheckpointStore(directory: directory, keep: 100)
    let trainer = Trainer(
      model: model, optimizer: optimizer ?? self.optimizer, budget: TrainingBudget(steps: steps),
      dataSeed: 3, checkpointStore: store, checkpointEvery: every)
    var (state, history) = try trainer.start(seed: seed, resume: true, at: start)
    history = trainer.run(&state, continuing: history)
    return (store, history)
  }

  func identity(seed: UInt64 = 7, start: ParameterVector? = nil) -> CheckpointIdentity {
    var identity = CheckpointIdentity(model: model, optimizer: optimizer)
    identity.seed = seed
    let fresh = optimizer.makeState(for: model, seed: seed)
    identity.start = CheckpointIdentity.startDigest(start ?? fresh.parameters)
    return identity
  }

  func replacing(_ data: Data, _ old: String, _ new: String) throws -> Data {
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(old), "no '\(old)' in the checkpoint")
    return Data(text.replacingOccurrences(of: old, with: new).utf8)
  }

  @Test("the header is inside the checksum: a changed segment count, offset or step is refused")
  func headerIsChecksummed() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _) = try run(into: directory.url)
    let url = store.url(forStep: 5)
    let original = try Data(contentsOf: url)
    for (old, new) in [
      (#""count":12"#, #""count":13"#), (#""offset":0"#, #""offset":1"#),
      (#""step":5"#, #""step":6"#), (#""seed":7"#, #""seed":8"#),
    ] {
      try replacing(original, old, new).write(to: url)
      #expect {
        _ = try store.load(Adam.State.self, expecting: identity())
      } throws: { error in
        guard case .checksumMismatch = error as? CheckpointError else { return false }
        return "\(error)".contains("checksum") && !"\(error)".contains("\n")
      }
    }
    try original.write(to: url)
    _ = try store.load(Adam.State.self, expecting: identity())
  }

  @Test("a checkpoint renamed to another step is refused")
  func renamedIsRefused() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _) = try run(into: directory.url)
    try FileManager.default.moveItem(at: store.url(forStep: 5), to: store.url(forStep: 9))
    #expect(
      throws: CheckpointError.stepMismatch(path: store.url(forStep: 9).path, named: 9, contains: 5)
    ) {
      _ = try store.load(Adam.State.self, expecting: identity())
    }
    let message = "\(CheckpointError.stepMismatch(path: "p", named: 9, contains: 5))"
    #expect(message.contains("named for step 9 but holds step 5"))
  }

  @Test("a directory in place of a checkpoint is one clear line")
  func directoryInPlace() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let store = CheckpointStore(directory: directory.url)
    try FileManager.default.createDirectory(
      at: store.url(forStep: 3), withIntermediateDirectories: true)
    #expect {
      _ = try store.load(Adam.State.self, expecting: identity())
    } throws: { error in
      let text = "\(error)"
      return text.contains("is a directory") && !text.contains("NSCocoa") && !text.contains("\n")
    }
  }

  @Test("a wrong payload length says expected vs actual, two different numbers")
  func lengthMessages() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _) = try run(into: directory.url)
    let url = store.url(forStep: 5)
    let original = try Data(contentsOf: url)
    let headerLength = original.firstIndex(of: 0x0A)! + 1
    let payload = original.count - headerLength
    try (original + Data("xyz".utf8)).write(to: url)
    #expect(
      throws: CheckpointError.lengthMismatch(
        path: url.path, declaredBytes: payload, foundBytes: payload + 3)
    ) { _ = try store.load(Adam.State.self, expecting: identity()) }
    try original.prefix(original.count - 10).write(to: url)
    #expect(
      throws: CheckpointError.truncated(
        path: url.path, expectedBytes: payload, foundBytes: payload - 10)
    ) { _ = try store.load(Adam.State.self, expecting: identity()) }
    let message = CheckpointError.truncated(path: "p", expectedBytes: 9, foundBytes: 4)
      .description
    #expect(message.contains("declares 9 bytes") && message.contains("has 4"))
  }

  @Test("an unknown format version is refused clearly")
  func unknownVersion() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _) = try run(into: directory.url)
    let url = store.url(forStep: 5)
    try replacing(try Data(contentsOf: url), #""version":2"#, #""version":1"#).write(to: url)
    #expect {
      _ = try store.load(Adam.State.self, expecting: identity())
    } throws: { error in
      "\(error)".contains("format version 1; this build reads version 2 only")
    }
  }

  @Test("resuming with another seed, start, optimizer setting or model setting names that field")
  func mismatchNamesFirstField() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    _ = try run(into: directory.url)
    let store = CheckpointStore(directory: directory.url)
    func resume(seed: UInt64 = 7, optimizer: Optimizer<Adam>? = nil, start: ParameterVector? = nil)
      -> String
    {
      let trainer = Trainer(
        model: model, optimizer: optimizer ?? self.optimizer, budget: TrainingBudget(steps: 9),
        dataSeed: 3, checkpointStore: store)
      do {
        _ = try trainer.start(seed: seed, resume: true, at: start)
        return "accepted"
      } catch {
        return error.description
      }
    }
    #expect(resume().contains("accepted"))
    #expect(resume(seed: 8).contains("belongs to another run: seed: ours 8 vs theirs 7"))
    let otherStart = ParameterVector(count: 12) { _ in 0.5 }
    #expect(resume(start: otherStart).contains("belongs to another run: start: ours fnv1a64:"))
    let faster = resume(optimizer: Optimizer { Adam(learningRate: 0.02) })
    #expect(
      faster.contains(
        "another optimizer: learningRate: ours LearningRate.constant(0.02) vs theirs "
          + "LearningRate.constant(0.01)"), "\(faster)")
    #expect(!faster.contains("…"))
    let beta = resume(optimizer: Optimizer { Adam(learningRate: 0.01, beta2: 0.99) })
    #expect(beta.contains("beta2: ours 0.99 vs theirs 0.999"), "\(beta)")

    // A model setting that leaves the layout alone: the first differing eigenvalue.
    let a = DiagonalQuadratic(eigenvalues: [1, 2, 3])
    let b = DiagonalQuadratic(eigenvalues: [1, 2, 4])
    let ours = CheckpointIdentity(model: b, optimizer: optimizer)
    let theirs = CheckpointIdentity(model: a, optimizer: optimizer)
    var state = optimizer.makeState(for: a)
    try optimizer.step(&state, model: a)
    let data = try Checkpoint(state: state, history: .init(), identity: theirs).encoded()
    #expect {
      _ = try Checkpoint<Adam.State>.decode(data, expecting: ours)
    } throws: { error in
      "\(error)".contains("another model: eigenvalues.2: ours 4.0 vs theirs 3.0")
    }
  }

  @Test("two identical uninterrupted runs write byte-identical checkpoints and logs")
  func identicalRunsIdenticalBytes() throws {
    let first = TemporaryDirectory()
    let second = TemporaryDirectory()
    defer {
      first.cleanup()
      second.cleanup()
    }
    let optimizer = try Registry.core.optimizer(
      fromJSON: #"[{"stage": "dimer", "every": 3}, {"stage": "adam", "learningRate": 0.01}]"#)
    for directory in [first, second] {
      let store = CheckpointStore(directory: directory.url, keep: 100)
      let trainer = Trainer(
        model: model, optimizer: optimizer, budget: TrainingBudget(steps: 30), dataSeed: 3,
        evaluationInterval: 7, checkpointStore: store, checkpointEvery: 10)
      var (state, history) = try trainer.start(seed: 4, resume: false)
      history = trainer.run(&state, continuing: history)
      #expect(history.stopReason == .stepBudget)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: first.url.path).sorted()
    #expect(
      names == [
        "checkpoint-000000000010.saddlekit", "checkpoint-000000000020.saddlekit",
        "checkpoint-000000000030.saddlekit", "history.bin",
      ])
    for name in names {
      let a = try Data(contentsOf: first.url.appendingPathComponent(name))
      let b = try Data(contentsOf: second.url.appendingPathComponent(name))
      #expect(a == b, "\(name) differs")
    }
  }

  @Test("the optimizer state is one blob: serialized() round-trips and ends the checkpoint")
  func stateBlob() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let (store, _) = try run(into: directory.url)
    let checkpoint = try store.load(Adam.State.self, expecting: identity())
    let blob = try checkpoint.state.serialized()
    let file = try Data(contentsOf: store.url(forStep: 5))
    #expect(file.suffix(blob.count) == blob)
    let restored = try OptimizerState<Adam.State>(serialized: blob)
    #expect(try restored.serialized() == blob)
    #expect(restored.parameters.isBitwiseEqual(to: checkpoint.state.parameters))
    #expect(restored.rule == checkpoint.state.rule)
    #expect(
      String(decoding: blob, as: UTF8.self).hasPrefix(#"{"format":"saddlekit-optimizer-state""#))
    #expect(throws: CheckpointError.self) {
      _ = try OptimizerState<Adam.State>(serialized: Data("{\"format\":\"x\"}".utf8))
    }
    #expect(throws: CheckpointError.self) {
      _ = try OptimizerState<SGD.State>(serialized: Data("[1,2]".utf8))
    }
  }

  @Test("a checkpoint of a small problem stays the same size however long the run")
  func checkpointSizeIsFlat() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let model = DiagonalQuadratic(eigenvalues: [1, 0.5])
    let optimizer = Optimizer { SGD(learningRate: 0.001) }
    let store = CheckpointStore(directory: directory.url, keep: 1000)
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 20_000),
      evaluationInterval: 1, checkpointStore: store, checkpointEvery: 1000)
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.recordedSteps == 20_000)
    #expect(history.recentLosses.count == TrainingHistory.recentLimit)
    let sizes = try store.steps().map {
      try FileManager.default.attributesOfItem(atPath: store.url(forStep: $0).path)[.size]
        as! Int
    }
    #expect(sizes.count == 20)
    #expect(sizes.max()! < 64 * 1024, "\(sizes)")
    // From the first checkpoint on, the window is full: the sizes differ only by the digits
    // of 256 losses (the 20th checkpoint covers 20× the steps of the first).
    #expect(sizes.max()! - sizes.min()! < 4096, "\(sizes)")
    let log = try HistoryLog.read(directory: directory.url)
    #expect(log.count == 20_000)
    #expect(log.map(\.step) == Array(1...20_000))
  }
}
