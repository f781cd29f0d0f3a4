import Foundation
import SaddleCore
import Testing

/// Optimizer specs that used to be accepted silently (issue 9, items 1 and 3) are refused in
/// one line naming the source, the stage, the field and the value.
@Suite("Optimizer spec validation")
struct SpecValidationTests {
  static let layout = ParameterLayout([(name: "w", shape: [2, 2]), (name: "b", shape: [2])])

  static func message(
    _ spec: String, source: String? = "spec.json", layout: ParameterLayout? = layout,
    allowLarge: Bool = false
  ) -> String? {
    do {
      _ = try Registry.core.optimizer(
        fromJSON: spec, source: source, layout: layout, allowLarge: allowLarge)
      return nil
    } catch {
      return error.description
    }
  }

  @Test(
    "issue 9.1: trailing commas and duplicate keys are refused, naming the key and its path",
    arguments: [
      (#"[{"stage":"sgd",}]"#, "spec.json, field '[0]'", "trailing comma"),
      (#"[{"stage":"sgd"},]"#, "spec.json", "trailing comma before ']'"),
      (
        #"[{"stage":"adam","stage":"sgd"}]"#, "spec.json, field '[0].stage'",
        "duplicate key 'stage'"
      ),
      (
        #"[{"stage":"sgd","learningRate":0.1,"learningRate":-5}]"#,
        "spec.json, field '[0].learningRate'", "duplicate key 'learningRate'"
      ),
      (
        #"{"stages":[{"stage":"sgd"}],"stages":[]}"#, "spec.json, field 'stages'",
        "duplicate key 'stages'"
      ),
    ])
  func jsonRefusals(spec: String, prefix: String, problem: String) throws {
    let text = try #require(Self.message(spec))
    #expect(text.hasPrefix(prefix), "\(text)")
    #expect(text.contains(problem), "\(text)")
    #expect(!text.contains("\n"))
  }

  @Test("issue 9.1: invalid UTF-8 in a spec is refused")
  func invalidUTF8() throws {
    let bytes = Array(#"[{"stage":"sgd","name":""#.utf8) + [0xC3, 0x28] + Array(#""}]"#.utf8)
    #expect {
      _ = try Registry.core.optimizer(fromJSON: Data(bytes), source: "--optimizer")
    } throws: { error in
      "\(error)".hasPrefix("--optimizer, field '[0].name'") && "\(error)".contains("invalid UTF-8")
    }
  }

  @Test("issue 9.3: a segment the layout does not have is refused, listing the real names")
  func unknownSegment() throws {
    let text = try #require(Self.message(#"[{"stage":"sgd","segments":["nosuch"]}]"#))
    #expect(
      text.hasPrefix("spec.json, stage 1 ('sgd'), field 'segments': unknown segment 'nosuch'"),
      "\(text)")
    #expect(text.contains("this model's segments: w, b"), "\(text)")
    let typo = try #require(
      Self.message(#"[{"stage":"clip-norm","segments":["ww"]},{"stage":"sgd"}]"#))
    #expect(typo.contains("did you mean 'w'?"), "\(typo)")
    // The guide's old example name is not a segment of a real model either.
    #expect(Self.message(#"[{"stage":"adam","segments":["layer0.w"]}]"#) != nil)
    // Real names are accepted; an empty list is ambiguous and refused.
    #expect(Self.message(#"[{"stage":"sgd","segments":["w","b"]}]"#) == nil)
    #expect(
      Self.message(#"[{"stage":"sgd","segments":[]}]"#)?.contains("an empty list") == true)
  }

  @Test(
    "issue 9.3: a chain with no stage that scales the step is refused (θ ← θ − g at rate 1)",
    arguments: [
      #"[{"stage":"dimer"}]"#, #"[{"stage":"clip-norm"}]"#,
      #"[{"stage":"clip-value"},{"stage":"weight-decay"}]"#,
      #"[{"stage":"dimer"},{"stage":"negative-curvature-step"}]"#,
      #"[{"stage":"perturbation"}]"#,
      // A step-scaling stage that runs only on some steps leaves the others at rate 1.
      #"[{"stage":"sgd","every":2}]"#, #"[{"stage":"adam","after":5}]"#,
    ])
  func steplessChains(spec: String) throws {
    for layout in [Self.layout, nil] {
      let text = try #require(Self.message(spec, layout: layout), "accepted \(spec)")
      #expect(text.contains("no stage scales the step"), "\(text)")
      #expect(text.contains("θ ← θ − g at rate 1"), "\(text)")
      #expect(text.contains("raw-gradient"), "\(text)")
    }
  }

  @Test("issue 9.3: a segment no step-scaling stage covers is refused when the layout is known")
  func uncoveredSegment() throws {
    let text = try #require(Self.message(#"[{"stage":"sgd","segments":["w"]}]"#))
    #expect(text.contains("field 'segments'"), "\(text)")
    #expect(text.contains("segment(s) b"), "\(text)")
    #expect(
      Self.message(
        #"[{"stage":"sgd","segments":["w"]},{"stage":"adam","segments":["b"]}]"#) == nil)
  }

  @Test("raw-gradient states the rate-1 step explicitly: θ ← θ − ∇f")
  func rawGradient() throws {
    let optimizer = try Registry.core.optimizer(fromJSON: #"[{"stage":"raw-gradient"}]"#)
    let model = DiagonalQuadratic(eigenvalues: [0.5, 0.25], start: [1, -2])
    var state = optimizer.makeState(for: model)
    try optimizer.step(&state, model: model)
    #expect(state.parameters[0] == 0.5)  // 1 − 0.5·1
    #expect(state.parameters[1] == -1.5)  // −2 − 0.25·(−2)
    // Scaling stages that are not named learningRate count too.
    #expect(Self.message(#"[{"stage":"dimer"},{"stage":"scale","factor":0.1}]"#) == nil)
    #expect(Self.message(#"[{"stage":"saddle-free-newton"}]"#) == nil)
    #expect(Self.message(#"[{"stage":"deo-sgd"}]"#) == nil)
  }

  @Test("a user rule without a learning rate counts as scaling only when registered so")
  func userScalingRule() throws {
    var registry = Registry.core
    registry.register(rule: "half", summary: "d ← d/2") { _ in Scale(factor: 0.5) }
    #expect(throws: SpecError.self) {
      _ = try registry.optimizer(fromJSON: #"[{"stage":"half"}]"#)
    }
    registry.register(rule: "half", summary: "d ← d/2", scalesStep: true) { _ in
      Scale(factor: 0.5)
    }
    _ = try registry.optimizer(fromJSON: #"[{"stage":"half"}]"#)
  }

  @Test("issue 9.9: more than 10,000 stages is refused with the count unless allowLarge")
  func stageCap() throws {
    let stages = Array(repeating: #"{"stage":"sgd","learningRate":0.1}"#, count: 10_001)
    let spec = "[" + stages.joined(separator: ",") + "]"
    let text = try #require(Self.message(spec))
    #expect(text.contains("10001 stages"), "\(text)")
    #expect(text.contains("at most 10000"), "\(text)")
    #expect(Self.message(spec, allowLarge: true) == nil)
    let exactly = "[" + stages.dropLast().joined(separator: ",") + "]"
    #expect(Self.message(exactly) == nil)
  }
}
