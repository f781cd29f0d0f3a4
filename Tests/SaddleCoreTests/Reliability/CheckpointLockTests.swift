import Foundation
import SaddleCore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 9 item 6 (checkpoint part): one run per checkpoint directory; pruning touches only
/// older checkpoints of this store.
@Suite("Checkpoints: a lock per directory; pruning never deletes another run's files")
struct CheckpointLockTests {
  let model = NoisyQuadratic()
  let optimizer = Optimizer { SGD(learningRate: 0.05) }

  func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    gethostname(&name, 255)
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func trainer(_ directory: URL) -> Trainer<NoisyQuadratic, SGD> {
    Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 6),
      checkpointStore: CheckpointStore(directory: directory), checkpointEvery: 2)
  }

  /// The PID of a process that has exited.
  func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
  }

  @Test("a lock held by a live process on this host refuses the run; nothing is written")
  func liveLockRefuses() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let lock = directory.url.appendingPathComponent("lock")
    // PID 1 is always alive.
    try Data("pid 1 host \(hostName())\n".utf8).write(to: lock)
    let trainer = trainer(directory.url)
    #expect {
      _ = try trainer.start(seed: 0, resume: true)
    } throws: { error in
      guard case .locked = error as? CheckpointError else { return false }
      return "\(error)".contains("in use by another run (PID 1 on")
    }
    var state = optimizer.makeState(for: model)
    let history = trainer.run(&state)
    #expect(history.stopReason == .checkpointFailed)
    #expect(history.failure?.contains("in use by another run") == true)
    #expect(state.step == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
    #expect(files == ["lock"])
    #expect(try String(contentsOf: lock, encoding: .utf8) == "pid 1 host \(hostName())\n")
  }

  @Test("a lock from another host is not taken over")
  func foreignHostRefuses() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    try Data("pid 123 host some-other-node\n".utf8).write(
      to: directory.url.appendingPathComponent("lock"))
    #expect(
      throws: CheckpointError.locked(
        directory: directory.url.path, holder: "PID 123 on some-other-node")
    ) {
      try CheckpointLock.acquire(directory.url)
    }
  }

  @Test("a stale lock (its process is gone) is taken over, and released after the run")
  func staleLockIsTakenOver() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let lock = directory.url.appendingPathComponent("lock")
    try Data("pid \(try deadPID()) host \(hostName())\n".utf8).write(to: lock)
    let trainer = trainer(directory.url)
    var (state, history) = try trainer.start(seed: 0, resume: true)
    #expect(CheckpointLock.isHeld(directory.url))
    history = trainer.run(&state, continuing: history)
    #expect(history.stopReason == .stepBudget)
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    #expect(trainer.checkpointStore?.steps() == [4, 6])
  }

  @Test("pruning removes only older checkpoints of this store")
  func pruningKeepsOthers() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let store = CheckpointStore(directory: directory.url, keep: 1)
    let newer = store.url(forStep: 50)
    try Data("another run's checkpoint".utf8).write(to: newer)
    let other = directory.url.appendingPathComponent("notes.txt")
    try Data("x".utf8).write(to: other)
    let identity = CheckpointIdentity(model: model, optimizer: optimizer)
    var state = optimizer.makeState(for: model)
    for _ in 0..<3 {
      try optimizer.step(&state, model: model)
      try store.save(state, history: .init(), identity: identity)
    }
    #expect(store.steps() == [3, 50])
    #expect(try Data(contentsOf: newer) == Data("another run's checkpoint".utf8))
    #expect(FileManager.default.fileExists(atPath: other.path))
  }

  @Test("a run with a fresh history into a directory with checkpoints leaves their log alone")
  func freshHistoryDoesNotOrphanLog() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let trainer = trainer(directory.url)
    var (state, history) = try trainer.start(seed: 0, resume: false)
    _ = trainer.run(&state, continuing: history)
    let log = try Data(contentsOf: directory.url.appendingPathComponent("history.bin"))
    var fresh = optimizer.makeState(for: model)
    history = trainer.run(&fresh)
    #expect(history.stopReason == .checkpointFailed)
    #expect(history.failure?.contains("already holds checkpoints (newest: step 6)") == true)
    #expect(fresh.step == 0)
    #expect(try Data(contentsOf: directory.url.appendingPathComponent("history.bin")) == log)
    #expect(!CheckpointLock.isHeld(directory.url))
  }
}
