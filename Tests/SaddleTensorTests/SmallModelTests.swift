import Testing

@testable import SaddleTensor

@Suite("MLP and deep linear network")
struct SmallModelTests {
  /// Largest central-difference error over all parameters relative to the largest gradient.
  static func finiteDifferenceError(
    count: Int, parameters p: inout [Float], step h: Float = 1e-2,
    lossAndGradient: ([Float], inout [Float]) -> Double, loss: ([Float]) -> Double
  ) -> Double {
    var gradient = [Float](repeating: .nan, count: count)
    _ = lossAndGradient(p, &gradient)
    var worst = 0.0
    for i in 0..<count {
      let original = p[i]
      p[i] = original + h
      let plus = loss(p)
      p[i] = original - h
      let minus = loss(p)
      p[i] = original
      worst = max(worst, abs((plus - minus) / Double(2 * h) - Double(gradient[i])))
    }
    return worst / Double(gradient.map(abs).max()!)
  }

  @Test("MLP gradient matches finite differences", arguments: MLP.Activation.allCases)
  func mlp(_ activation: MLP.Activation) {
    let model = MLP(layerWidths: [5, 7, 6, 3], activation: activation)
    #expect(model.parameterCount == 6 * 7 + 8 * 6 + 7 * 3)
    var p = [Float](repeating: 0, count: model.parameterCount)
    p.withUnsafeMutableBufferPointer { model.initializeParameters($0, seed: 3) }
    for i in p.indices { p[i] += 0.1 * testValues(p.count, seed: 4)[i] }
    let inputs = testValues(4 * 5, seed: 1)
    let labels: [Int32] = [0, 2, 1, 2]
    let error = Self.finiteDifferenceError(
      count: model.parameterCount, parameters: &p, step: activation == .relu ? 1e-3 : 1e-2,
      lossAndGradient: { p, g in
        p.withUnsafeBufferPointer { pp in
          inputs.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { y in
              g.withUnsafeMutableBufferPointer {
                model.lossAndGradient(parameters: pp, inputs: x, labels: y, gradient: $0)
              }
            }
          }
        }
      },
      loss: { p in
        p.withUnsafeBufferPointer { pp in
          inputs.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { model.loss(parameters: pp, inputs: x, labels: $0) }
          }
        }
      })
    // Float32 central differences at h = 1e-2 (see the tape tests); for ReLU h = 1e-3 keeps the
    // probes from crossing kinks (rounding then costs ~2⁻²⁴·|L|/h ≈ 1e-4 relative).
    #expect(error < 3e-3)
  }

  @Test("deep linear network gradient matches finite differences and vanishes at the origin")
  func deepLinear() {
    let model = LinearNetwork(layerWidths: [4, 3, 3, 2])
    #expect(model.parameterCount == 12 + 9 + 6)
    var p = testValues(model.parameterCount, seed: 2)
    let inputs = testValues(5 * 4, seed: 5)
    let targets = testValues(5 * 2, seed: 6)
    func lossAndGradient(_ p: [Float], _ g: inout [Float]) -> Double {
      p.withUnsafeBufferPointer { pp in
        inputs.withUnsafeBufferPointer { x in
          targets.withUnsafeBufferPointer { y in
            g.withUnsafeMutableBufferPointer {
              model.lossAndGradient(parameters: pp, inputs: x, targets: y, gradient: $0)
            }
          }
        }
      }
    }
    let error = Self.finiteDifferenceError(
      count: model.parameterCount, parameters: &p, lossAndGradient: lossAndGradient,
      loss: { p in
        p.withUnsafeBufferPointer { pp in
          inputs.withUnsafeBufferPointer { x in
            targets.withUnsafeBufferPointer { model.loss(parameters: pp, inputs: x, targets: $0) }
          }
        }
      })
    #expect(error < 2e-3)
    // The origin is a critical point (a saddle) of a network with ≥ 2 layers: zero gradient,
    // loss ½·mean ‖y‖².
    var g = [Float](repeating: .nan, count: model.parameterCount)
    let loss = lossAndGradient([Float](repeating: 0, count: model.parameterCount), &g)
    #expect(g.allSatisfy { $0 == 0 })
    let expected = targets.reduce(0.0) { $0 + Double($1) * Double($1) } / (2 * 5)
    #expect(abs(loss - expected) < 1e-6)
  }
}
