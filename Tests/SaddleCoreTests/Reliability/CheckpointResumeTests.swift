import Foundation
import SaddleCore
import Testing

/// One optimizer configuration to check resumption with. Add a line to ``all`` for every new
/// rule, estimator or preset.
struct ResumeCase: Sendable, CustomTestStringConvertible {
  let name: String
  let check: @Sendable (_ k: Int, _ directory: URL) throws -> Void

  init<R: UpdateRule>(_ name: String, _ make: @escaping @Sendable () throws -> Optimizer<R>) {
    self.name = name
    check = { k, directory in try checkResumeMatches(try make(), k: k, directory: directory) }
  }

  var testDescription: String { name }

  /// Every registered rule and estimator (each followed by SGD) and every preset, from JSON:
  /// a stage added to ``Registry/core`` is covered without editing this file.
  static let registered: [ResumeCase] = Registry.core.allEntries.compactMap { entry in
    let spec: String
    switch entry.kind {
    case .rule, .estimator:
      spec = #"[{"stage": "\#(entry.name)"}, {"stage": "sgd", "learningRate": 0.05}]"#
    case .preset:
      spec = #"[{"stage": "\#(entry.name)"}]"#
    case .model:
      return nil
    }
    return ResumeCase("registered: \(entry.name)") { try Registry.core.optimizer(fromJSON: spec) }
  }

  static let all: [ResumeCase] =
    registered + [
      ResumeCase("SGD") { Optimizer { SGD(learningRate: 0.05) } },
      ResumeCase("SGD, cosine schedule") {
        Optimizer { SGD(learningRate: cosine(0.1, steps: 15)) }
      },
      ResumeCase("Adam") { Optimizer { Adam(learningRate: 0.02) } },
      ResumeCase("Adam then SGD, fused") {
        Optimizer {
          Adam(learningRate: 0.02, beta1: 0.8)
          SGD(learningRate: 0.5)
        }
      },
      ResumeCase("estimator every 3, random kick, Adam") {
        Optimizer {
          WarmStartedProbe().every(3)
          RandomCurvatureKick()
          Adam(learningRate: 0.02)
        }
      },
      ResumeCase("named and masked stages") {
        Optimizer {
          Adam(learningRate: 0.02).on(segments: ["w"]).named("adam-w")
          SGD(learningRate: 0.1).after(4)
        }
      },
      ResumeCase("JSON: sgd every 3, adam") {
        try Registry.core.optimizer(
          fromJSON: #"[{"stage": "sgd", "learningRate": 0.5, "every": 3}, {"stage": "adam"}]"#)
      },
      ResumeCase("JSON: warm-probe every 3, random-kick, named adam") {
        try Registry.withTestStages.optimizer(
          fromJSON: #"""
            [{"stage": "warm-probe", "every": 3, "offset": 1}, {"stage": "random-kick"},
             {"stage": "adam", "learningRate": 0.01, "name": "main"}]
            """#)
      },
    ]
}

/// Runs `2k` steps straight, and `k` steps + checkpoint to disk + load from the file + `k`
/// steps, and expects the same parameters, optimizer state and history, bit for bit.
func checkResumeMatches<R: UpdateRule>(_ optimizer: Optimizer<R>, k: Int, directory: URL) throws {
  let model = NoisyQuadratic()
  let seed: UInt64 = 7
  let straightTrainer = Trainer(
    model: model, optimizer: optimizer, budget: TrainingBudget(steps: 2 * k), dataSeed: 3)
  var straight = optimizer.makeState(for: model, seed: seed)
  let straightHistory = straightTrainer.run(&straight)

  let store = CheckpointStore(directory: directory)
  var first = straightTrainer
  first.budget = TrainingBudget(steps: k)
  first.checkpointStore = store
  first.checkpointEvery = k
  var (state, history) = try first.start(seed: seed, resume: true)
  #expect(state.step == 0)
  _ = first.run(&state, continuing: history)
  #expect(store.steps() == [k])

  var second = straightTrainer
  second.checkpointStore = store
  second.checkpointEvery = k
  (state, history) = try second.start(seed: seed, resume: true)
  #expect(state.step == k)
  let resumedHistory = second.run(&state, continuing: history)

  #expect(state.parameters.isBitwiseEqual(to: straight.parameters))
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  #expect(try encoder.encode(state) == encoder.encode(straight))
  #expect(
    resumedHistory.recentLosses.map(\.bitPattern) == straightHistory.recentLosses.map(\.bitPattern))
  #expect(resumedHistory.recentCosts == straightHistory.recentCosts)
  #expect(resumedHistory.counts == straightHistory.counts)
  #expect(resumedHistory.finalLoss.bitPattern == straightHistory.finalLoss.bitPattern)
  #expect(store.steps() == [k, 2 * k])
}

@Suite("Checkpoints: resuming gives the same bits")
struct CheckpointResumeTests {
  @Test("k steps, save, load from disk, k steps equals 2k steps", arguments: ResumeCase.all)
  func resumeMatchesStraightRun(_ testCase: ResumeCase) throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    try testCase.check(7, directory.url)
  }

  @Test("a resumed rollback keeps its reduced learning-rate scale")
  func learningRateScaleIsCheckpointed() throws {
    let model = NoisyQuadratic()
    let optimizer = Optimizer { Adam(learningRate: 0.01) }
    var state = optimizer.makeState(for: model, seed: 1)
    state.context.learningRateScale = 0.25
    let identity = CheckpointIdentity(model: model, optimizer: optimizer)
    let data = try Checkpoint(state: state, history: .init(), identity: identity).encoded()
    let loaded = try Checkpoint<Adam.State>.decode(data, expecting: identity)
    #expect(loaded.state.context.learningRateScale == 0.25)
  }

  @Test("the store keeps the newest checkpoints and leaves no temporary files")
  func keepsNewest() throws {
    let directory = TemporaryDirectory()
    defer { directory.cleanup() }
    let model = NoisyQuadratic()
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    let trainer = Trainer(
      model: model, optimizer: optimizer, budget: TrainingBudget(steps: 10),
      checkpointStore: CheckpointStore(directory: directory.url, keep: 3), checkpointEvery: 3)
    var state = optimizer.makeState(for: model)
    _ = trainer.run(&state)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
    #expect(
      files == [
        "checkpoint-000000000006.saddlekit", "checkpoint-000000000009.saddlekit",
        "checkpoint-000000000010.saddlekit", "history.bin",
      ])
  }
}
