import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

@Suite("Studies")
struct StudyTests {
  static let config = """
    {"name": "t", "seeds": 3, "budget": {"cost": 400},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [
       {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
       {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5, "stepSize": 0.1}],
        "grid": {"0.period": [1, 5]}}]}
    """

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString)")
  }

  @Test("grids expand into labelled settings with the field set in the right stage")
  func gridExpansion() throws {
    let config = try StudyConfig.load(Data(Self.config.utf8))
    let settings = try config.settings()
    #expect(settings.map(\.label) == ["gd", "deo[period=1]", "deo[period=5]"])
    guard case .array(let stages) = settings[2].spec, case .object(let fields) = stages[0] else {
      Issue.record("spec shape")
      return
    }
    #expect(fields["period"] == .int(5))
  }

  @Test(
    "bad configs fail with a message naming the field",
    arguments: [
      (
        #"{"name": "x", "seeds": 0, "budget": {"cost": 1}, "problems": [], "optimizers": []}"#,
        "seeds"
      ),
      (#"{"name": "x", "seeds": 2, "budget": {}, "problems": [], "optimizers": []}"#, "budget"),
      (#"{"name": "x", "seeds": 2, "budget": {"cost": 5}}"#, "problems"),
      (
        #"{"name": "x", "seeds": 2, "budget": {"cost": 5}, "problems": [{"label": "a", "problem": "rosenbrok"}], "optimizers": [{"label": "g", "spec": [{"stage": "sgd"}]}]}"#,
        "did you mean 'rosenbrock'"
      ),
      (
        #"{"name": "x", "seeds": 2, "budget": {"cost": 5}, "problems": [{"label": "a", "problem": "rosenbrock", "start": "initial"}], "optimizers": [{"label": "g", "spec": [{"stage": "adma"}]}]}"#,
        "optimizer 'g'"
      ),
      (
        #"{"name": "x", "seeds": 2, "budget": {"cost": 5}, "problems": [{"label": "a", "problem": "rosenbrock", "start": "initial"}], "optimizers": [{"label": "g", "spec": [{"stage": "sgd"}], "grid": {"3.learningRate": [1]}}]}"#,
        "grid.3.learningRate"
      ),
    ])
  func badConfigs(text: String, expected: String) {
    #expect {
      _ = try StudyConfig.load(Data(text.utf8))
    } throws: { error in
      "\(error)".contains(expected) && !"\(error)".contains("\n")
    }
  }

  @Test("t quantiles: the table's values and the large-sample limit")
  func studentT() {
    #expect(studentT975(degreesOfFreedom: 1) == 12.706)
    #expect(studentT975(degreesOfFreedom: 9) == 2.262)
    #expect(abs(studentT975(degreesOfFreedom: 60) - 2.000) < 2e-3)
    #expect(abs(studentT975(degreesOfFreedom: 120) - 1.980) < 2e-3)
    // Mean 2, sample sd 1 (values 1, 2, 3), n = 3: half-width t₂·1/√3 = 4.303/1.732.
    let m = MeanInterval([1, 2, 3])
    #expect(m.mean == 2)
    #expect(abs(m.halfWidth - 4.303 / 3.0.squareRoot()) < 1e-12)
  }

  @Test("a study runs, resumes without redoing trials, and shards partition the trials")
  func runResumeShard() throws {
    let config = try StudyConfig.load(Data(Self.config.utf8))
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let runner = StudyRunner(config: config, directory: directory)
    let first = try runner.run(shard: 0, of: 2)
    let second = try runner.run(shard: 1, of: 2)
    #expect(first.ran + second.ran == 9)
    #expect(first.skipped == 0 && second.skipped == 0)
    let again = try runner.run()
    #expect(again.ran == 0 && again.skipped == 9)
    let results = try StudyRunner.results(in: directory)
    #expect(results.count == 9)
    // Deterministic: a trial rerun from scratch gives the same result.
    let trial = try runner.trials()[4]
    let rerun = try runner.run(trial)
    #expect(results.contains(rerun))
    let report = StudyReport(results: results)
    #expect(report.rows.count == 3)
    #expect(report.rows.allSatisfy { $0.seeds == 3 && $0.escaped == 3 })
    #expect(report.markdown(title: "t").contains("| qdw | gd | 3 |"))
    #expect(report.svg(problem: "qdw").hasPrefix("<svg"))
  }

  @Test("a changed config replaces study.json, keeps the old one, and reuses finished trials")
  func changedConfigKeepsHistory() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = try StudyConfig.load(Data(Self.config.utf8))
    _ = try StudyRunner(config: config, directory: directory).run()
    var other = config
    other.seeds = 2
    let again = try StudyRunner(config: other, directory: directory).run()
    #expect(again.ran == 0 && again.skipped == 6)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(names.contains { $0.hasPrefix("study-") && $0.hasSuffix(".json") })
  }
}
