// Everything here uses only `import SaddleKit`, as a package that depends on SaddleKit would.
import Foundation
import SaddleKit
import Testing

/// A user's own model: `f(a, b) = ½(ab − 1)²`, a saddle at the origin.
struct UserFactorization: Model {
  var layout: ParameterLayout {
    ParameterLayout([(name: "a", shape: [1]), (name: "b", shape: [1])])
  }
  func initialParameters(seed: UInt64) -> ParameterVector { [0.5, 0.25] }
  func loss(at p: ParameterVector, on batch: Void) -> Double {
    let r = Double(p[0]) * Double(p[1]) - 1
    return 0.5 * r * r
  }
  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    let r = Double(p[0]) * Double(p[1]) - 1
    g[0] = Float(r * Double(p[1]))
    g[1] = Float(r * Double(p[0]))
    return 0.5 * r * r
  }
}

/// A user's own elementwise rule: sign descent, `d ← sign(d)`.
struct SignDescent: ElementwiseUpdateRule {
  func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel { Kernel() }

  struct Kernel: ElementwiseKernel {
    func apply(_ d: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      d = d.replacing(with: 1, where: d .> 0).replacing(with: -1, where: d .< 0)
    }
    func apply(_ d: inout Float, parameter: Float, at index: Int) {
      d = d > 0 ? 1 : d < 0 ? -1 : 0
    }
  }
}

@Suite("Extending SaddleKit from user code")
struct UserExtensionTests {
  @Test("a user rule composes with a built-in rule and fuses with it")
  func composeUserRule() throws {
    let optimizer = Optimizer {
      SignDescent()
      Adam(learningRate: 1e-2)
    }
    #expect(type(of: optimizer.rule) == FusedChain<SignDescent, Adam>.self)
    let model = UserFactorization()
    var state = optimizer.makeState(for: model)
    let start = model.loss(at: state.parameters, on: ())
    for _ in 0..<200 { try optimizer.step(&state, model: model) }
    #expect(model.loss(at: state.parameters, on: ()) < start / 10)
  }

  @Test("a user rule registered by name runs from a JSON spec like the DSL version")
  func registerUserRule() throws {
    var registry = Registry.standard
    registry.register(rule: "sign", summary: "d ← sign(d)") { _ in SignDescent() }
    let fromJSON = try registry.optimizer(
      fromJSON: #"[{"stage": "sign"}, {"stage": "adam", "learningRate": 0.01}]"#)
    let fromDSL = Optimizer {
      SignDescent()
      Adam(learningRate: 1e-2)
    }
    let model = UserFactorization()
    var a = fromJSON.makeState(for: model)
    var b = fromDSL.makeState(for: model)
    for _ in 0..<20 {
      try fromJSON.step(&a, model: model)
      try fromDSL.step(&b, model: model)
    }
    #expect(a.parameters.isBitwiseEqual(to: b.parameters))
  }
}
