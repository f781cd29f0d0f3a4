import SaddleCore
import Testing
import _SaddleKernels

@Suite("Adam's C update loop")
struct AdamKernelPathTests {
  @Test("every instruction-set path the CPU has gives the Swift lane loop's bits, NaN rules too")
  func pathsMatchSwift() throws {
    let n = 1003
    var generator = SeededGenerator(seed: 9)
    var g = ParameterVector(count: n)
    g.fillGaussian(using: &generator, scale: 1)
    g[17] = .nan  // a non-finite update at 17: the parameter keeps its value
    g[500] = 3e38  // g² overflows: v = ∞, d = 0, the update stays finite
    var p0 = ParameterVector(count: n)
    p0.fillGaussian(using: &generator, scale: 1)
    let adam = Adam(learningRate: 0.01)
    for path in 0...Int(saddle_adam_path()) {
      // Swift: the generic lane loop over Adam's kernel.
      var state = adam.makeState(for: ParameterLayout(count: n), seed: 0)
      let context = StepContext(parameters: p0, layout: ParameterLayout(count: n), seed: 0)
      let kernel = adam.makeKernel(for: context, state: &state)
      var swiftParameters = p0
      let swiftBad = fusedUpdatePass(
        kernel, g.unsafeMutableBaseAddress(), swiftParameters.unsafeMutableBaseAddress(),
        0..<n, scale: 1)
      // C on `path`, from the same moments (zero) and the first step's scalars.
      var cState = adam.makeState(for: ParameterLayout(count: n), seed: 0)
      var cParameters = p0
      let bad = saddle_adam_update_path(
        Int32(path), g.unsafeBaseAddress, cParameters.unsafeMutableBaseAddress(),
        cState.firstMoment.unsafeMutableBaseAddress(),
        cState.secondMoment.unsafeMutableBaseAddress(), 0, n, 0.9, 0.999, Float(1 - 0.9),
        Float(1 - 0.999), Float(0.01 / (1 - 0.9)), Float(1 / (1 - 0.999)), 1e-8, 1)
      #expect(cParameters.isBitwiseEqual(to: swiftParameters), "path \(path)")
      #expect(cState.firstMoment.isBitwiseEqual(to: state.firstMoment), "path \(path)")
      #expect(cState.secondMoment.isBitwiseEqual(to: state.secondMoment), "path \(path)")
      #expect(bad == swiftBad && bad == 17, "path \(path)")
    }
  }

  @Test("a fused Adam step (C loop) equals Adam's lane pass followed by θ ← θ − d")
  func optimizerUsesSameBits() throws {
    let model = executorModel(4099)
    let fused = Optimizer { Adam(learningRate: 0.02) }
    let separate = Optimizer(rule: Chain(Adam(learningRate: 0.02), Identity()))
    var a = fused.makeState(for: model)
    var b = separate.makeState(for: model)
    for _ in 0..<5 {
      try fused.step(&a, model: model)
      try separate.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
    #expect(a.context.passCount == 1 && b.context.passCount == 2)
  }
}
