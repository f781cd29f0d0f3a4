import Foundation
import SaddleCore
import Testing

/// `f(θ) = ½ Σ λᵢ θᵢ²` with `λᵢ` in [-0.5, 2): big enough (n ≥ 2¹⁸) that passes split
/// across threads, with a loop over raw buffers so a debug build stays fast.
struct LargeQuadratic: Model {
  var count = 1 << 18

  var layout: ParameterLayout {
    ParameterLayout([(name: "a", shape: [count / 2]), (name: "b", shape: [count - count / 2])])
  }

  func initialParameters(seed: UInt64) -> ParameterVector {
    ParameterVector(count: count) { i in
      Float((UInt64(i) &* 2_654_435_761 ^ seed) % 2000) / 1000 - 1
    }
  }

  func eigenvalue(_ i: Int) -> Float { Float(i % 1000) / 400 - 0.5 }

  func loss(at p: ParameterVector, on batch: Void) -> Double {
    p.withUnsafeBufferPointer { x in
      var f = 0.0
      for i in 0..<count { f += 0.5 * Double(eigenvalue(i)) * Double(x[i]) * Double(x[i]) }
      return f
    }
  }

  func lossAndGradient(at p: ParameterVector, on batch: Void, into g: inout ParameterVector)
    -> Double
  {
    p.withUnsafeBufferPointer { x in
      g.withUnsafeMutableBufferPointer { out in
        for i in 0..<count { out[i] = eigenvalue(i) * x[i] }
      }
    }
    return loss(at: p, on: ())
  }
}

/// Kernels.threadCount is global: these tests set it, so they run one at a time and restore it.
@Suite("Determinism: the same bits whatever the thread count", .serialized)
struct DeterminismTests {
  static let cases = ["Adam", "estimator, kick, Adam, SGD", "JSON chain"]

  /// A function running the case's optimizer for some steps and returning its state as JSON.
  static func makeRun(_ name: String) throws -> (Int) throws -> Data {
    switch name {
    case "Adam":
      return encodedState(Optimizer { Adam(learningRate: 0.01) })
    case "estimator, kick, Adam, SGD":
      return encodedState(
        Optimizer {
          WarmStartedProbe().every(2)
          RandomCurvatureKick()
          Adam(learningRate: 0.01)
          SGD(learningRate: 0.5)
        })
    default:
      return encodedState(
        try Registry.withTestStages.optimizer(
          fromJSON: #"""
            [{"stage": "warm-probe"}, {"stage": "random-kick"}, {"stage": "adam"},
             {"stage": "sgd", "learningRate": 0.5, "every": 2}]
            """#))
    }
  }

  static func encodedState<R: UpdateRule>(_ optimizer: Optimizer<R>) -> (Int) throws -> Data {
    { steps in
      let model = LargeQuadratic()
      var state = optimizer.makeState(for: model, seed: 11)
      for _ in 0..<steps { try optimizer.step(&state, model: model) }
      let encoder = JSONEncoder()
      encoder.outputFormatting = .sortedKeys
      return try encoder.encode(state)
    }
  }

  @Test("1 thread, 2 threads and a second run agree bit for bit", arguments: cases)
  func threadCountDoesNotChangeBits(name: String) throws {
    let run = try Self.makeRun(name)
    let saved = Kernels.threadCount
    defer { Kernels.threadCount = saved }
    Kernels.threadCount = 1
    let one = try run(3)
    Kernels.threadCount = 2
    let two = try run(3)
    let again = try run(3)
    #expect(one == two, "\(name): 1 vs 2 threads")
    #expect(two == again, "\(name): two runs")
  }
}
