// Composes optimizers in code with the builder DSL, registers a custom rule by name, and runs
// the same pipeline from a JSON spec. Run: swift run ComposeOptimizer
import SaddleKit

/// The quartic double well f(x, y) = x²/2 + y⁴/4 − y²/2: a saddle at the origin (Hessian
/// eigenvalues 1 and −1) and minima at (0, ±1) with f = −1/4.
struct DoubleWell: Model {
  var layout: ParameterLayout { ParameterLayout(count: 2) }
  func initialParameters(seed: UInt64) -> ParameterVector { [0.5, 1e-4] }  // near the saddle
  func loss(at p: ParameterVector, on batch: Void) -> Double {
    let x = Double(p[0])
    let y = Double(p[1])
    return x * x / 2 + y * y * y * y / 4 - y * y / 2
  }
  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    let y = Double(p[1])
    g[0] = p[0]
    g[1] = Float(y * y * y - y)
    return loss(at: p, on: batch)
  }
}

/// A custom elementwise rule: clip each component of the direction to ±limit.
struct Clamp: ElementwiseUpdateRule {
  var limit: Float
  func makeKernel(for context: StepContext, state: inout EmptyState) -> Kernel {
    Kernel(limit: limit)
  }
  struct Kernel: ElementwiseKernel {
    let limit: Float
    func apply(_ d: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      d = d.clamped(lowerBound: SIMD8(repeating: -limit), upperBound: SIMD8(repeating: limit))
    }
    func apply(_ d: inout Float, parameter: Float, at index: Int) {
      d = min(max(d, -limit), limit)
    }
  }
}

func train<R: UpdateRule>(_ name: String, _ optimizer: Optimizer<R>, steps: Int) throws -> Double {
  let model = DoubleWell()
  var state = optimizer.makeState(for: model, seed: 1)
  for _ in 0..<steps { try optimizer.step(&state, model: model) }
  let loss = model.loss(at: state.parameters, on: ())
  print(
    "\(name): loss \(loss) at (\(state.parameters[0]), \(state.parameters[1])) after \(state.evaluations.gradients) gradients"
  )
  return loss
}

// 1. In code, with the DSL: a custom stage fused with Adam.
let inCode = Optimizer {
  Clamp(limit: 0.5)
  Adam(learningRate: 0.05)
}
let a = try train("DSL    clamp → adam", inCode, steps: 300)

// 2. The same pipeline from JSON, after registering the custom rule by name.
var registry = Registry.standard
registry.register(rule: "clamp", summary: "d ← clamp(d, −limit, limit)") { p in
  Clamp(limit: Float(try p.double("limit", default: 1, in: .greaterThan(0))))
}
let fromJSON = try registry.optimizer(
  fromJSON: #"[{"stage": "clamp", "limit": 0.5}, {"stage": "adam", "learningRate": 0.05}]"#)
let b = try train("JSON   clamp → adam", fromJSON, steps: 300)

print(a == b ? "same result from code and from JSON" : "results differ: \(a) vs \(b)")
