import Foundation
import SaddleCore
import SaddleModels
import SaddleStudy
import Testing

/// Study configs that used to be accepted silently (issue 9, items 2, 4 and 9) are refused
/// in one line naming the file, the JSON path, the value and what is accepted.
@Suite("Study config validation")
struct StudyConfigValidationTests {
  static let base = """
    {"name": "t", "seeds": 2, "budget": {"cost": 100, "steps": 50},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03, "rotationSeed": 1}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]},
                    {"label": "deo", "spec": [{"stage": "deo-sgd", "learningRate": 0.5}],
                     "grid": {"0.period": [1, 5]}}]}
    """

  /// `base` with `old` replaced by `new` (which must occur).
  static func edited(_ old: String, _ new: String) -> String {
    if !base.contains(old) { Issue.record("\(old) is not in the base config") }
    return base.replacingOccurrences(of: old, with: new)
  }

  static func refusal(_ text: String, allowLarge: Bool = false) -> String? {
    do {
      _ = try StudyConfig.load(Data(text.utf8), source: "cfg.json", allowLarge: allowLarge)
      return nil
    } catch {
      return error.description
    }
  }

  @Test("the base config loads, and its trial count is computed without running anything")
  func baseLoads() throws {
    let config = try StudyConfig.load(Data(Self.base.utf8), source: "cfg.json")
    #expect(config.settingCount == 3)
    #expect(config.trialCount == 1 * 3 * 2)
    #expect(try config.settings().count * config.problems.count * config.seeds == config.trialCount)
  }

  @Test(
    "issue 9.2: unknown keys at every level are refused with the closest known name",
    arguments: [
      (#""seeds": 2"#, #""seedz": 2"#, "field 'seedz'", "did you mean 'seeds'?"),
      (#""steps": 50"#, #""stepz": 50"#, "field 'budget.stepz'", "did you mean 'steps'?"),
      (
        #""rotationSeed": 1"#, #""rotation_seed": 1"#, "field 'problems[0].rotation_seed'",
        "did you mean 'rotationSeed'?"
      ),
      (
        #""escapeDelta": 0.03"#, #""escape_delta": 0.03"#, "field 'problems[0].escape_delta'",
        "did you mean 'escapeDelta'?"
      ),
      (
        #""escapeDelta": 0.03"#, #""escapeDelat": 0.03"#, "field 'problems[0].escapeDelat'",
        "did you mean 'escapeDelta'?"
      ),
      (#""grid""#, #""grdi""#, "field 'optimizers[1].grdi'", "did you mean 'grid'?"),
      (#""name": "t","#, #""name": "t", "pad": "xxxxxxxx","#, "field 'pad'", "unknown field"),
      (#""0.period""#, #""0.periodd""#, "field 'periodd'", "did you mean 'period'?"),
      (
        #""learningRate": 0.5}]}"#, #""learningRate": 0.5, "lr": 1}]}"#, "field 'lr'",
        "unknown field"
      ),
    ])
  func unknownKeys(old: String, new: String, field: String, hint: String) throws {
    let message = try #require(Self.refusal(Self.edited(old, new)), "accepted \(new)")
    #expect(message.hasPrefix("cfg.json"), "\(message)")
    #expect(message.contains(field), "\(message)")
    #expect(message.contains(hint), "\(message)")
    #expect(!message.contains("\n"))
  }

  @Test("a 5 MB pad field is refused as an unknown key, not carried along (50 MB: same path)")
  func hugePad() throws {
    let pad = String(repeating: "x", count: 5_000_000)
    let message = try #require(
      Self.refusal(Self.edited(#""name": "t","#, #""name": "t", "pad": "\#(pad)","#)))
    #expect(message.hasPrefix("cfg.json, field 'pad': unknown field"))
  }

  @Test(
    "duplicate keys, trailing commas, null and wrong types are refused with the path",
    arguments: [
      (
        #""escapeDelta": 0.03"#, #""escapeDelta": 0.03, "escapeDelta": 9"#,
        "field 'problems[0].escapeDelta'", "duplicate key"
      ),
      (#"[1, 5]"#, #"[1, 5,]"#, "field 'optimizers[1].grid.0.period'", "trailing comma"),
      (
        #""seeds": 2"#, #""seeds": "2""#, "field 'seeds'", "expected an integer, got a string \"2\""
      ),
      (#""seeds": 2"#, #""seeds": 2.5"#, "field 'seeds'", "got a number 2.5"),
      (#""rotationSeed": 1"#, #""rotationSeed": -1"#, "field 'problems[0].rotationSeed'", "-1"),
      (
        #""escapeDelta": 0.03"#, #""escapeDelta": null"#, "field 'problems[0].escapeDelta'",
        "is null"
      ),
      (#""label": "gd""#, #""label": 3"#, "field 'optimizers[0].label'", "expected a string"),
      (#""cost": 100"#, #""cost": 1e999"#, "field 'budget.cost'", "outside the range"),
    ])
  func malformed(old: String, new: String, field: String, problem: String) throws {
    let message = try #require(Self.refusal(Self.edited(old, new)), "accepted \(new)")
    #expect(message.hasPrefix("cfg.json"), "\(message)")
    #expect(message.contains(field), "\(message)")
    #expect(message.contains(problem), "\(message)")
  }

  @Test(
    "issue 9.4: labels and names that would collide, break files or escape the directory",
    arguments: [
      (
        #""label": "deo""#, #""label": "gd""#, "field 'optimizers[1].label'",
        "already the label of optimizers[0]"
      ),
      (#""label": "qdw""#, #""label": "q/dw""#, "field 'problems[0].label'", "'q/dw' contains '/'"),
      (#""label": "gd""#, #""label": "g/d""#, "field 'optimizers[0].label'", "contains '/'"),
      (#""label": "gd""#, #""label": "g\nd""#, "field 'optimizers[0].label'", "line break"),
      (#""label": "gd""#, #""label": "g|d""#, "field 'optimizers[0].label'", "contains '|'"),
      (#""label": "gd""#, #""label": """#, "field 'optimizers[0].label'", "is empty"),
      (
        #""label": "gd""#, #""label": " gd""#, "field 'optimizers[0].label'",
        "starts or ends with a space"
      ),
      (#""name": "t""#, #""name": """#, "field 'name'", "is empty"),
      (#""name": "t""#, #""name": "../../x""#, "field 'name'", "'../../x'"),
      (#""name": "t""#, #""name": "..""#, "field 'name'", "starts with '.'"),
      (#""name": "t""#, #""name": "a b""#, "field 'name'", "A–Z a–z 0–9 . _ -"),
      (#""name": "t""#, #""name": "a\nb""#, "field 'name'", "A–Z a–z 0–9"),
      (#"[1, 5]"#, #"["a/b"]"#, "field 'optimizers[1].grid'", "contains '/'"),
    ])
  func labelsAndNames(old: String, new: String, field: String, problem: String) throws {
    let message = try #require(Self.refusal(Self.edited(old, new)), "accepted \(new)")
    #expect(message.hasPrefix("cfg.json"), "\(message)")
    #expect(message.contains(field), "\(message)")
    #expect(message.contains(problem), "\(message)")
    #expect(message.contains("accepted") || message.contains("unique"), "\(message)")
    #expect(!message.contains("\n"))
  }

  @Test("issue 9.4: duplicate problem labels are refused (their trials would overwrite each other)")
  func duplicateProblemLabels() throws {
    let text = Self.edited(
      #""rotationSeed": 1}]"#,
      #""rotationSeed": 1}, {"label": "qdw", "problem": "quartic-double-well"}]"#)
    let message = try #require(Self.refusal(text))
    #expect(
      message.hasPrefix(
        "cfg.json, field 'problems[1].label': 'qdw' is already the label of problems[0]"))
  }

  @Test(
    "fields that would be ignored for a problem are refused",
    arguments: [
      (
        #""rotationSeed": 1"#, #""rotationSeed": 1, "start": "initial""#, "problems[0].escapeDelta",
        "would be ignored"
      ),
      (
        #""problem": "quartic-double-well", "escapeDelta": 0.03,"#, #""problem": "mlp-parity","#,
        "problems[0].rotationSeed", "would run unrotated"
      ),
      (
        #""problem": "quartic-double-well", "escapeDelta": 0.03, "rotationSeed": 1"#,
        #""problem": "mlp-parity", "perturbation": 0.1"#, "problems[0].perturbation",
        "would be ignored"
      ),
      (
        #""rotationSeed": 1"#, #""rotationSeed": 1, "start": "saddel""#, "problems[0].start",
        "accepted: saddle, initial"
      ),
    ])
  func ignoredFields(old: String, new: String, field: String, problem: String) throws {
    let message = try #require(Self.refusal(Self.edited(old, new)), "accepted \(new)")
    #expect(message.contains("field '\(field)'"), "\(message)")
    #expect(message.contains(problem), "\(message)")
  }

  @Test(
    "issue 9.3 in a study: a segment the problem does not have is refused, naming the real ones")
  func unknownSegmentInStudy() throws {
    let message = try #require(
      Self.refusal(
        Self.edited(
          #""learningRate": 0.5}]}"#, #""learningRate": 0.5, "segments": ["layer0.w"]}]}"#)))
    #expect(message.hasPrefix("cfg.json, optimizer 'gd' (optimizers[0].spec)"), "\(message)")
    #expect(message.contains("unknown segment 'layer0.w'"), "\(message)")
    #expect(message.contains("this model's segments: x"), "\(message)")
    let stepless = try #require(
      Self.refusal(Self.edited(#"{"stage": "sgd", "learningRate": 0.5}"#, #"{"stage": "dimer"}"#)))
    #expect(stepless.contains("no stage scales the step"), "\(stepless)")
  }

  @Test("issue 9.9: a grid of 8 keys × 10 values is refused at once with its count, not expanded")
  func hugeGrid() throws {
    let keys = (0..<8).map { #""0.k\#($0)": [0,1,2,3,4,5,6,7,8,9]"# }.joined(separator: ", ")
    let text = Self.edited(#""grid": {"0.period": [1, 5]}"#, #""grid": {\#(keys)}"#)
    let start = ContinuousClock.now
    let message = try #require(Self.refusal(text))
    #expect(ContinuousClock.now - start < .seconds(5))
    #expect(message.contains("200000002 trials"), "\(message)")
    #expect(message.contains("at most 100000"), "\(message)")
    #expect(message.contains("--allow-large"), "\(message)")
    let config = try JSONDecoder().decode(StudyConfig.self, from: Data(text.utf8))
    #expect(config.settingCount == 100_000_001)
    #expect(config.trialCount == 200_000_002)
  }

  @Test("issue 9.9: more than 100,000 trials needs allowLarge; the count saturates, never traps")
  func trialCap() throws {
    let problems = (0..<11).map {
      #"{"label": "p\#($0)", "problem": "rosenbrock", "start": "initial"}"#
    }.joined(separator: ", ")
    let text = """
      {"name": "big", "seeds": 10000, "budget": {"cost": 1},
       "problems": [\(problems)],
       "optimizers": [{"label": "g", "spec": [{"stage": "sgd"}]}]}
      """
    let message = try #require(Self.refusal(text))
    #expect(message.contains("110000 trials (11 problems × 1 settings × 10000 seeds"), "\(message)")
    let config = try StudyConfig.load(Data(text.utf8), source: "cfg.json", allowLarge: true)
    #expect(config.trialCount == 110_000)
    let values = (0..<64).map { "\($0)" }.joined(separator: ",")
    let grid = (0..<12).map { #""0.k\#($0)": [\#(values)]"# }.joined(separator: ", ")
    let huge = try JSONDecoder().decode(
      StudyConfig.self,
      from: Data(
        Self.edited(#""grid": {"0.period": [1, 5]}"#, #""grid": {\#(grid)}"#).utf8))
    #expect(huge.trialCount == Int.max)
    #expect(
      Self.refusal(Self.edited(#""grid": {"0.period": [1, 5]}"#, #""grid": {\#(grid)}"#))?.contains(
        "trials") == true)
  }

  @Test("issue 9.9: transformer-charlm with sequenceLength 3000 is a spec error, not a crash")
  func charlmSequenceLength() throws {
    let text = Self.edited(
      #""problem": "quartic-double-well", "escapeDelta": 0.03, "rotationSeed": 1"#,
      #""problem": "transformer-charlm", "parameters": {"sequenceLength": 3000}"#)
    let message = try #require(Self.refusal(text))
    #expect(message.contains("field 'sequenceLength': 3000 is out of range"), "\(message)")
    #expect(message.contains("1 ≤ x ≤ \(CharacterLanguageTask.maximumEmbeddedSequenceLength)"))
    // The longest accepted window builds.
    let task = CharacterLanguageTask(
      sequenceLength: CharacterLanguageTask.maximumEmbeddedSequenceLength)
    #expect(task.trainingCount >= task.sequenceLength + 1)
    #expect(task.tokens.count - task.trainingCount >= task.sequenceLength + 1)
  }
}
