import Foundation
import SaddleCore
import Testing
import _SaddleKernels

/// The C block program that runs fused groups of built-in stages must give the Swift lane
/// loop's bits on every instruction-set path, and the optimizer must pick it only when every
/// kernel of a group has a C form.
@Suite("Elementwise block programs (C) against the Swift lane loop")
struct ElementwiseProgramTests {
  /// Not a multiple of 16 (vector tails) and longer than two 512-element blocks.
  static let n = 1337

  /// A gradient with a NaN at 17 (the update there is not finite: θ₁₇ keeps its value) and a
  /// huge value at 700 (its square overflows in Adam's second moment).
  static func inputs() -> (gradient: ParameterVector, parameters: ParameterVector) {
    var generator = SeededGenerator(seed: 21)
    var g = ParameterVector(count: n)
    g.fillGaussian(using: &generator, scale: 1)
    g[17] = .nan
    g[700] = 3e38
    var p = ParameterVector(count: n)
    p.fillGaussian(using: &generator, scale: 1)
    return (g, p)
  }

  /// A state's JSON (NaN and ∞ as strings), to compare two states bit for bit.
  static func encoded<S: Encodable>(_ state: S) throws -> Data {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    encoder.outputFormatting = .sortedKeys
    return try encoder.encode(state)
  }

  /// Runs `rule`'s kernel for the first step through the Swift lane loop and through its C
  /// program on every path the CPU has; parameters, state and the first bad index must agree.
  static func check<R: ElementwiseUpdateRule>(_ rule: R, _ label: String) throws {
    let (g, p0) = inputs()
    let layout = ParameterLayout(count: n)
    let context = StepContext(parameters: p0, layout: layout, seed: 0)
    var swiftState = rule.makeState(for: layout, seed: 3)
    let swiftKernel = rule.makeKernel(for: context, state: &swiftState)
    var swiftParameters = p0
    var gradient = g
    let swiftBad = fusedUpdatePass(
      swiftKernel, gradient.unsafeMutableBaseAddress(),
      swiftParameters.unsafeMutableBaseAddress(), 0..<n, scale: 0.75)
    #expect(swiftBad == 17, "\(label)")
    for path in 0...2 {
      var state = rule.makeState(for: layout, seed: 3)
      let kernel = rule.makeKernel(for: context, state: &state)
      var program = ElementwiseProgram()
      #expect(kernel.lower(into: &program), "\(label) has a C form")
      var parameters = p0
      guard
        let bad = program.update(
          path: path, source: gradient.unsafeMutableBaseAddress(),
          parameters: parameters.unsafeMutableBaseAddress(), range: 0..<n, scale: 0.75)
      else { continue }  // the CPU lacks this path
      #expect(bad == swiftBad, "\(label), path \(path)")
      #expect(parameters.isBitwiseEqual(to: swiftParameters), "\(label), path \(path)")
      #expect(try encoded(state) == encoded(swiftState), "\(label), path \(path): state")
    }
  }

  @Test("every built-in elementwise stage and chain: the same bits as the lane loop, all paths")
  func builtInKernels() throws {
    let chain5 = FusedChain(
      FusedChain(
        FusedChain(
          FusedChain(WeightDecay(rate: 1e-2), Adam(learningRate: 1e-3)), Scale(factor: 0.5)),
        ClipByValue(limit: 0.01)), Scale(factor: 2))
    try Self.check(chain5, "5-stage chain")
    try Self.check(Adam(learningRate: 0.01), "Adam alone (its dedicated C loop)")
    try Self.check(FusedChain(Adam(learningRate: 0.01), Identity()), "Adam, identity")
    try Self.check(SGD(learningRate: 0.1), "SGD")
    try Self.check(Momentum(learningRate: 0.02, momentum: 0.9), "momentum")
    try Self.check(
      FusedChain(Nesterov(learningRate: 0.02, momentum: 0.8), ClipByValue(limit: 0.5)),
      "Nesterov momentum, clip")
    try Self.check(FusedChain(WeightDecay(rate: 0.1).every(2), SGD(learningRate: 0.1)), "every")
    try Self.check(FusedChain(WeightDecay(rate: 0.1).after(3), Adam(learningRate: 0.1)), "after")
    try Self.check(AdamW(learningRate: 0.01, weightDecay: 0.1), "AdamW")
    try Self.check(Adagrad(learningRate: 0.1, initialAccumulatorValue: 0.1), "Adagrad")
    try Self.check(Adagrad(learningRate: 0.1, epsilonInsideRoot: true), "Adagrad, ε inside")
    try Self.check(RMSProp(learningRate: 0.01), "RMSProp")
    try Self.check(RMSProp(learningRate: 0.01, alpha: 0.9, centered: true), "centered RMSProp")
    try Self.check(Lion(learningRate: 1e-3, weightDecay: 0.1), "Lion")
    try Self.check(
      FusedChain(
        FusedChain(Lion(learningRate: 1e-3), RMSProp(learningRate: 0.01)), SGD(learningRate: 2)),
      "Lion, RMSProp, SGD")
    try Self.check(Optional(Scale(factor: 3)), "if (present)")
    try Self.check(Optional<Scale>.none, "if (absent)")
  }

  @Test("the direction-only program (no update) writes the lane loop's direction")
  func directionPass() throws {
    let (g, p0) = Self.inputs()
    let layout = ParameterLayout(count: Self.n)
    let rule = FusedChain(
      FusedChain(WeightDecay(rate: 0.1), Adam(learningRate: 0.01)), ClipByValue(limit: 0.3))
    var parameters = p0
    let context = StepContext(parameters: p0, layout: layout, seed: 0)
    var swiftState = rule.makeState(for: layout, seed: 0)
    var state = rule.makeState(for: layout, seed: 0)
    var gradient = g
    var swiftDirection = ParameterVector(count: Self.n)
    elementwisePass(
      rule.makeKernel(for: context, state: &swiftState), gradient.unsafeMutableBaseAddress(),
      swiftDirection.unsafeMutableBaseAddress(), parameters.unsafeMutableBaseAddress(), 0..<Self.n)
    var program = ElementwiseProgram()
    #expect(rule.makeKernel(for: context, state: &state).lower(into: &program))
    #expect(program.count == 3)
    // In place, as the optimizer runs it when the direction is already materialized.
    var direction = g
    program.apply(
      source: direction.unsafeMutableBaseAddress(), direction: direction.unsafeMutableBaseAddress(),
      parameters: parameters.unsafeMutableBaseAddress(), range: 0..<Self.n)
    #expect(direction.isBitwiseEqual(to: swiftDirection))
    #expect(parameters.isBitwiseEqual(to: p0))
  }

  @Test("a stage without a C form (a mask, a user kernel) keeps the group on the lane loop")
  func fallback() throws {
    let layout = ParameterLayout([("w", [400]), ("b", [600])])
    let p0 = ParameterVector(count: 1000, repeating: 1)
    let context = StepContext(parameters: p0, layout: layout, seed: 0)
    let masked = FusedChain(Scale(factor: 2), SGD(learningRate: 0.1).on(segments: ["b"]))
    var state = masked.makeState(for: layout, seed: 0)
    var program = ElementwiseProgram()
    #expect(!masked.makeKernel(for: context, state: &state).lower(into: &program))
    var user = UserScale.State()
    var userProgram = ElementwiseProgram()
    #expect(!UserScale().makeKernel(for: context, state: &user).lower(into: &userProgram))
  }

  @Test("a group of more than 16 operations does not fit a program and runs the lane loop")
  func capacity() throws {
    let layout = ParameterLayout(count: 40)
    let context = StepContext(parameters: ParameterVector(count: 40), layout: layout, seed: 0)
    for (count, fits) in [(16, true), (17, false)] {
      let rule = StageArray((0..<count).map { _ in Scale(factor: 1.01) })
      var state = rule.makeState(for: layout, seed: 0)
      var program = ElementwiseProgram()
      #expect(rule.makeKernel(for: context, state: &state).lower(into: &program) == fits)
    }
    // SGD and a 15-stage `for` fill a program exactly (16 operations) and give the bits of
    // the same pipeline kept on the lane loop by a mask over every segment.
    let model = executorModel()
    let lowered = Optimizer {
      SGD(learningRate: 0.05)
      for _ in 0..<15 { Scale(factor: 1.01) }
    }
    let laneLoop = Optimizer {
      SGD(learningRate: 0.05).on(segments: ["w", "b"])
      for _ in 0..<15 { Scale(factor: 1.01) }
    }
    let (_, parameters) = try passCounts(lowered, model: model)
    let (_, expected) = try passCounts(laneLoop, model: model)
    #expect(parameters.isBitwiseEqual(to: expected))
  }

  @Test("an optimizer gives the same bits whether a group runs in C or on the lane loop")
  func optimizerAgreesWithLaneLoop() throws {
    let model = executorModel(2053)
    // A mask over every segment changes nothing numerically but has no C form: the whole
    // group then runs on the Swift lane loop.
    let lowered = Optimizer {
      WeightDecay(rate: 0.01)
      Adam(learningRate: 0.01)
      Scale(factor: 0.5)
      ClipByValue(limit: 0.004)
      Scale(factor: 2)
    }
    let laneLoop = Optimizer {
      WeightDecay(rate: 0.01)
      Adam(learningRate: 0.01)
      Scale(factor: 0.5)
      ClipByValue(limit: 0.004)
      Scale(factor: 2).on(segments: ["w", "b"])
    }
    let (passes, parameters) = try passCounts(lowered, model: model)
    let (lanePasses, expected) = try passCounts(laneLoop, model: model)
    #expect(passes == [1, 1, 1, 1, 1] && lanePasses == [1, 1, 1, 1, 1])
    #expect(parameters.isBitwiseEqual(to: expected))
  }
}

/// A user-defined elementwise stage (no C form).
private struct UserScale: ElementwiseUpdateRule {
  typealias State = EmptyState
  func makeState(for layout: ParameterLayout, seed: UInt64) -> EmptyState { EmptyState() }
  func summary(of state: EmptyState) -> [String: Double] { [:] }
  func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel { Kernel() }
  struct Kernel: ElementwiseKernel {
    func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction *= 3
    }
    func apply(_ direction: inout Float, parameter: Float, at index: Int) { direction *= 3 }
  }
}
