import Foundation
import SaddleCore
import Testing

/// One value of a schedule and its closed form, worked out by hand.
struct ScheduleSample: Sendable, CustomTestStringConvertible {
  var schedule: LearningRate
  var t: Int
  var expected: Double

  var testDescription: String { "\(schedule) at t = \(t) is \(expected)" }
}

@Suite("Learning-rate schedules")
struct LearningRateTests {
  static let samples: [ScheduleSample] = [
    // constant: η at every t.
    .init(schedule: 0.3, t: 0, expected: 0.3),
    .init(schedule: .constant(0.3), t: 1_000_000, expected: 0.3),
    // step: η·γ^⌊t/k⌋, the factor applies at t = k, 2k, … (not one step early or late).
    .init(schedule: .step(0.1, every: 3, factor: 0.5), t: 0, expected: 0.1),
    .init(schedule: .step(0.1, every: 3, factor: 0.5), t: 2, expected: 0.1),
    .init(schedule: .step(0.1, every: 3, factor: 0.5), t: 3, expected: 0.05),
    .init(schedule: .step(0.1, every: 3, factor: 0.5), t: 5, expected: 0.05),
    .init(schedule: .step(0.1, every: 3, factor: 0.5), t: 6, expected: 0.025),
    // exponential: η·γ^t.
    .init(schedule: .exponential(0.2, rate: 0.9), t: 0, expected: 0.2),
    .init(schedule: .exponential(0.2, rate: 0.9), t: 1, expected: 0.18),
    .init(schedule: .exponential(0.2, rate: 0.9), t: 10, expected: 0.069_735_688_02),
    // cosine: η at 0, η(α + (1 − α)/2) half way, αη at T and after.
    .init(schedule: .cosine(1, steps: 10, final: 0.1), t: 0, expected: 1),
    .init(schedule: .cosine(1, steps: 10, final: 0.1), t: 5, expected: 0.55),
    .init(schedule: .cosine(1, steps: 10, final: 0.1), t: 10, expected: 0.1),
    .init(schedule: .cosine(1, steps: 10, final: 0.1), t: 25, expected: 0.1),
    .init(schedule: cosine(2, steps: 12), t: 4, expected: 1.5),  // 1 + cos(π/3) = 3/2
    .init(schedule: cosine(2, steps: 12), t: 12, expected: 0),
    // warmup: η(t + 1)/W, reaching η at t = W − 1 and staying there.
    .init(schedule: .warmup(0.4, steps: 4), t: 0, expected: 0.1),
    .init(schedule: .warmup(0.4, steps: 4), t: 1, expected: 0.2),
    .init(schedule: .warmup(0.4, steps: 4), t: 3, expected: 0.4),
    .init(schedule: .warmup(0.4, steps: 4), t: 4, expected: 0.4),
    .init(schedule: .warmup(0.4, steps: 4), t: 100, expected: 0.4),
    // warmupCosine: the warm-up, then cosine over the remaining T − W updates.
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0), t: 0, expected: 0.5),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0), t: 1, expected: 1),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0), t: 2, expected: 1),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0), t: 7, expected: 0.5),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0), t: 12, expected: 0),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0.2), t: 12, expected: 0.2),
    .init(schedule: .warmupCosine(1, warmup: 2, steps: 12, final: 0.2), t: 50, expected: 0.2),
    .init(schedule: .warmupCosine(1, warmup: 0, steps: 4, final: 0), t: 0, expected: 1),
    // linear: a + (b − a)·min(t, T)/T, in either direction.
    .init(schedule: .linear(from: 1, to: 0.5, steps: 4), t: 0, expected: 1),
    .init(schedule: .linear(from: 1, to: 0.5, steps: 4), t: 2, expected: 0.75),
    .init(schedule: .linear(from: 1, to: 0.5, steps: 4), t: 4, expected: 0.5),
    .init(schedule: .linear(from: 1, to: 0.5, steps: 4), t: 9, expected: 0.5),
    .init(schedule: .linear(from: 0, to: 2, steps: 8), t: 3, expected: 0.75),
  ]

  @Test("every schedule equals its closed form, boundaries included", arguments: samples)
  func closedForm(_ sample: ScheduleSample) {
    let value = sample.schedule.value(at: sample.t)
    // pow and cos are correctly rounded to within an ulp or two, and the hand-written decimals
    // (0.18, 0.069_735_688_02) are within 1e-12; values are O(1), so 1e-11 absolute.
    #expect(abs(value - sample.expected) <= 1e-11, "got \(value)")
  }

  @Test("a rule's schedule advances once per update, from t = 0")
  func scheduleDrivesRule() throws {
    let model = QuarticSaddle.reference
    let optimizer = Optimizer { SGD(learningRate: .step(0.1, every: 2, factor: 0.5)) }
    var state = optimizer.makeState(for: model)
    var rates: [Double] = []
    for _ in 0..<5 {
      try optimizer.step(&state, model: model)
      rates.append(try #require(optimizer.summary(of: state)["sgd.learningRate"]))
    }
    #expect(rates == [0.1, 0.1, 0.05, 0.05, 0.025])
  }

  @Test(
    "invalid schedules name the offending field",
    arguments: [
      (LearningRate.constant(-1), "learningRate"), (.constant(.nan), "learningRate"),
      (.step(0.1, every: 0, factor: 0.5), "every"), (.step(0.1, every: 2, factor: -1), "factor"),
      (.exponential(0.1, rate: .infinity), "rate"), (.cosine(0.1, steps: 0, final: 0), "steps"),
      (.cosine(0.1, steps: 5, final: -0.5), "final"), (.warmup(0.1, steps: 0), "steps"),
      (.warmupCosine(0.1, warmup: -1, steps: 5, final: 0), "warmup"),
      (.linear(from: 0.1, to: -1, steps: 5), "to"), (.linear(from: 0, to: 1, steps: 0), "steps"),
    ])
  func validation(_ schedule: LearningRate, _ field: String) {
    #expect(schedule.validationProblem() == field)
  }

  @Test(
    "valid schedules have no validation problem",
    arguments: [
      LearningRate.constant(0), .step(0.1, every: 1, factor: 1), .exponential(1, rate: 0.5),
      .cosine(0.1, steps: 1, final: 0), .warmup(0.1, steps: 1),
      .warmupCosine(0.1, warmup: 0, steps: 1, final: 0.5), .linear(from: 1, to: 0, steps: 1),
    ])
  func validSchedules(_ schedule: LearningRate) {
    #expect(schedule.validationProblem() == nil)
  }

  @Test(
    "schedules round-trip through JSON",
    arguments: [
      LearningRate.constant(0.1), .step(0.1, every: 3, factor: 0.5), .exponential(1, rate: 0.9),
      .cosine(0.1, steps: 10, final: 0.01), .warmup(0.2, steps: 4),
      .warmupCosine(0.1, warmup: 5, steps: 100, final: 0), .linear(from: 1, to: 0, steps: 7),
    ])
  func codable(_ schedule: LearningRate) throws {
    let data = try JSONEncoder().encode(schedule)
    #expect(try JSONDecoder().decode(LearningRate.self, from: data) == schedule)
  }
}
