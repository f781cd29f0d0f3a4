import Foundation
import SaddleCore
import Testing

/// Steps an optimizer, round-trips its whole state through JSON, and checks that the decoded
/// state encodes to the same bytes and resumes to the same bits.
struct CodingRoundTrip<M: Model>: OptimizerVisitor {
  var model: M

  struct Outcome {
    var ruleBytesMatch: Bool
    var stateBytesMatch: Bool
    var resumesToSameBits: Bool
  }

  func visit<R: UpdateRule>(_ optimizer: Optimizer<R>) throws -> Outcome {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var original = optimizer.makeState(for: model)
    for _ in 0..<3 { try optimizer.step(&original, model: model) }
    let data = try encoder.encode(original)
    var restored = try JSONDecoder().decode(OptimizerState<R.State>.self, from: data)
    // Vectors are encoded as Base64 of their IEEE-754 bits, so equal bytes are equal bits.
    let ruleBytesMatch = try encoder.encode(restored.rule) == encoder.encode(original.rule)
    let stateBytesMatch = try encoder.encode(restored) == data
    for _ in 0..<4 {
      try optimizer.step(&original, model: model)
      try optimizer.step(&restored, model: model)
    }
    let sameRuleState = try encoder.encode(restored.rule) == encoder.encode(original.rule)
    return Outcome(
      ruleBytesMatch: ruleBytesMatch, stateBytesMatch: stateBytesMatch,
      resumesToSameBits: restored.parameters.isBitwiseEqual(to: original.parameters)
        && sameRuleState)
  }
}

@Suite("Rule state coding")
struct RuleStateCodingTests {
  @Test(
    "each rule's state round-trips through JSON bit for bit and resumes identically",
    arguments: ClassicRuleCase.allCases)
  func roundTrip(_ rule: ClassicRuleCase) throws {
    let outcome = try rule.accept(CodingRoundTrip(model: QuarticSaddle.reference))
    #expect(outcome.ruleBytesMatch)
    #expect(outcome.stateBytesMatch)
    #expect(outcome.resumesToSameBits)
  }

  @Test("decoded moment buffers equal the originals, signed zeros and NaN payloads included")
  func momentsKeepEveryBit() throws {
    var state = AdamW().makeState(for: ParameterLayout(count: 5), seed: 0)
    state.firstMoment = [-0.0, .nan, .infinity, .leastNonzeroMagnitude, -3.25]
    state.secondMoment = [0, Float(bitPattern: 0x7FC0_1234), 1, 2, 3]
    state.count = 17
    let decoded = try JSONDecoder().decode(
      AdamW.State.self, from: JSONEncoder().encode(state))
    #expect(decoded.firstMoment.isBitwiseEqual(to: state.firstMoment))
    #expect(decoded.secondMoment.isBitwiseEqual(to: state.secondMoment))
    #expect(decoded.count == 17)
  }

  @Test("every rule's state type is Equatable and survives a round trip unchanged")
  func equatableStates() throws {
    let layout = ParameterLayout(count: 3)
    try expectRoundTrip(Momentum(learningRate: 0.1).makeState(for: layout, seed: 0))
    try expectRoundTrip(Nesterov(learningRate: 0.1).makeState(for: layout, seed: 0))
    try expectRoundTrip(AdamW().makeState(for: layout, seed: 0))
    try expectRoundTrip(RMSProp().makeState(for: layout, seed: 0))
    try expectRoundTrip(Adagrad(initialAccumulatorValue: 0.1).makeState(for: layout, seed: 0))
    try expectRoundTrip(Lion().makeState(for: layout, seed: 0))
    try expectRoundTrip(ClipByValue(limit: 1).makeState(for: layout, seed: 0))
    try expectRoundTrip(ClipByGlobalNorm(maxNorm: 1).makeState(for: layout, seed: 0))
    try expectRoundTrip(WeightDecay(rate: 0.1).makeState(for: layout, seed: 0))
    try expectRoundTrip(Scale(factor: 2).makeState(for: layout, seed: 0))
  }

  private func expectRoundTrip<S: Codable & Equatable>(_ state: S) throws {
    let decoded = try JSONDecoder().decode(S.self, from: JSONEncoder().encode(state))
    #expect(decoded == state)
  }
}
