import Foundation
import SaddleCore
import Testing

@Suite("Classic update rules against float64 references")
struct ClassicRulesTests {
  /// Each step rounds θ, g and a handful of kernel operations to Float (unit roundoff
  /// u = 6e-8), and the problem's Jacobian (|1 − ηλ|, momentum, adaptive scaling) carries
  /// earlier errors forward with gains of at most a few: over 10 steps the worst observed error
  /// is 2.4e-7 (≈ 4u). 1e-6 leaves a 4× margin yet still catches precision bugs: computing
  /// `1 − β₂` in Float (Float(0.999) is off by 1.3e-5 of 1 − β₂) gave Adam 3.2e-6. Wrong
  /// formulas (bias correction, ε placement, momentum convention) move iterates by ≳ 1e-3.
  static let relativeTolerance = 1e-6

  @Test(
    "every iterate matches the float64 reference within float32 accumulation",
    arguments: ClassicRuleCase.allCases)
  func matchesReference(_ rule: ClassicRuleCase) throws {
    let reference = try #require(classicRulesReference[rule.rawValue])
    let path = try rule.accept(Trajectory(model: QuarticSaddle.reference, steps: 10))
    #expect(path.count == reference.count)
    for (step, (iterate, expected)) in zip(path, reference).enumerated() {
      for (x, r) in zip(iterate, expected) {
        // Scale floor 1: parameters are O(1), so errors are judged against that size near 0.
        let error = abs(Double(x) - r) / Swift.max(abs(r), 1)
        #expect(
          error <= Self.relativeTolerance,
          "step \(step): \(x) vs reference \(r) (relative error \(error))")
      }
    }
  }

  @Test(
    "the SIMD lanes and the scalar tail compute the same bits",
    arguments: ClassicRuleCase.allCases)
  func simdAndTailAgree(_ rule: ClassicRuleCase) throws {
    // n = 9: index 0 runs in an 8-lane block, index 8 in the scalar tail, on identical data.
    let base = QuarticSaddle.reference
    let model = QuarticSaddle(
      eigenvalues: Array(base.eigenvalues[0..<8]) + [base.eigenvalues[0]],
      quartic: Array(base.quartic[0..<8]) + [base.quartic[0]],
      start: Array(base.start[0..<8]) + [base.start[0]])
    let path = try rule.accept(Trajectory(model: model, steps: 10))
    for (step, iterate) in path.enumerated() {
      #expect(iterate[0].bitPattern == iterate[8].bitPattern, "step \(step)")
    }
  }

  @Test("clipping by global norm records the norm and caps the step")
  func globalNormClipping() throws {
    let model = QuarticSaddle.reference
    let optimizer = Optimizer {
      ClipByGlobalNorm(maxNorm: 1)
      SGD(learningRate: 1)
    }
    var state = optimizer.makeState(for: model)
    var gradient = ParameterVector(count: model.layout.count)
    _ = model.lossAndGradient(at: state.parameters, on: (), into: &gradient)
    let start = state.parameters
    try optimizer.step(&state, model: model)
    let norm = try #require(state.context.metrics["clip.norm"])
    // Both sums of the same Float squares in Double: equal up to Double reassociation.
    #expect(abs(norm - gradient.norm) <= 1e-12 * gradient.norm)
    #expect(norm > 1)
    var step = start
    step.add(state.parameters, scaledBy: -1)
    // The clipped step has norm 1 up to Float rounding of the scale and the subtraction.
    #expect(abs(step.norm - 1) <= 1e-6)
  }

  @Test("clipping by global norm leaves a short direction unchanged")
  func globalNormBelowLimit() throws {
    let model = QuarticSaddle.reference
    let clipped = Optimizer(rule: Chain(ClipByGlobalNorm(maxNorm: 1e6), SGD(learningRate: 0.1)))
    let plain = Optimizer { SGD(learningRate: 0.1) }
    var a = clipped.makeState(for: model)
    var b = plain.makeState(for: model)
    for _ in 0..<3 {
      try clipped.step(&a, model: model)
      try plain.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }

  @Test("clipping by value keeps NaN so the optimizer reports it")
  func clipByValueKeepsNaN() throws {
    let rule = ClipByValue(limit: 1)
    var context = StepContext(
      parameters: ParameterVector(count: 11), layout: ParameterLayout(count: 11), seed: 0)
    context.direction = ParameterVector((0..<11).map { $0 == 9 ? .nan : Float($0) - 5 })
    var state = EmptyState()
    let kernel = rule.makeKernel(for: context, state: &state)
    context.runElementwise(kernel)
    let d = context.direction.array
    #expect(d[9].isNaN && d[10] == 1 && d[0] == -1 && d[5] == 0 && d[4] == -1)
  }

  @Test(
    "summaries report the learning rate of the last update and the count",
    arguments: [
      ("momentum", 0), ("nesterov", 1), ("adamw", 2), ("rmsprop", 3), ("adagrad", 4),
      ("lion", 5),
    ])
  func summaries(_ name: String, _ index: Int) throws {
    let rate = LearningRate.exponential(0.01, rate: 0.5)
    let model = QuarticSaddle.reference
    let summary: [String: Double]
    switch index {
    case 0: summary = try summarize(Optimizer { Momentum(learningRate: rate) }, model)
    case 1: summary = try summarize(Optimizer { Nesterov(learningRate: rate) }, model)
    case 2: summary = try summarize(Optimizer { AdamW(learningRate: rate) }, model)
    case 3: summary = try summarize(Optimizer { RMSProp(learningRate: rate) }, model)
    case 4: summary = try summarize(Optimizer { Adagrad(learningRate: rate) }, model)
    default: summary = try summarize(Optimizer { Lion(learningRate: rate) }, model)
    }
    // Three updates used η(0), η(1), η(2); the last was 0.01·0.5².
    #expect(summary["\(name).count"] == 3)
    #expect(summary["\(name).learningRate"] == 0.0025)
  }

  private func summarize<R: UpdateRule>(_ optimizer: Optimizer<R>, _ model: QuarticSaddle) throws
    -> [String: Double]
  {
    var state = optimizer.makeState(for: model)
    for _ in 0..<3 { try optimizer.step(&state, model: model) }
    return optimizer.summary(of: state)
  }
}
