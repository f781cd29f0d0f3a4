import Foundation
import Testing

@testable import SaddleTensor

@Suite("Elementwise kernels")
struct ElementwiseKernelTests {
  static let rows = 7
  static let columns = 37
  static let input = testValues(rows * columns, seed: 11).map { 4 * $0 }

  /// Every path this CPU can run: the portable Swift path always, the C paths it supports.
  static let supportedPaths = KernelPath.allCases.filter(\.isSupported)

  /// What one tape produced on `path`: GELU values, their row softmax, the cross-entropy of
  /// `gelu + softmax` and the gradient of that loss with respect to the input.
  struct Outputs {
    var gelu: [Float]
    var softmax: [Float]
    var loss: Float
    var gradient: [Float]
  }

  static func run(_ path: KernelPath) -> Outputs {
    let tape = Tape(kernelPath: path)
    var gradient = [Float](repeating: 0, count: input.count)
    var result = Outputs(gelu: [], softmax: [], loss: .nan, gradient: [])
    let targets: [Int32] = (0..<rows).map { Int32($0 * 5 % columns) }
    input.withUnsafeBufferPointer { px in
      gradient.withUnsafeMutableBufferPointer { pg in
        targets.withUnsafeBufferPointer { pt in
          let a = tape.parameter(
            px.baseAddress!, shape: TensorShape(rows, columns), gradient: pg.baseAddress!)
          let g = tape.gelu(a)
          let s = tape.softmax(g)
          let loss = tape.crossEntropy(logits: tape.add(g, s), targets: pt.baseAddress!, scale: 1)
          tape.backward(from: loss)
          result.gelu = Array(tape.value(g))
          result.softmax = Array(tape.value(s))
          result.loss = tape.scalar(loss)
        }
      }
    }
    result.gradient = gradient
    return result
  }

  @Test(
    "GELU and softmax on every path this CPU supports match their float64 closed forms",
    arguments: supportedPaths)
  func closedForms(_ path: KernelPath) {
    let out = Self.run(path)
    // GELU, tanh form: x/2 · (1 + tanh(√(2/π)(x + 0.044715 x³))).
    var worstGELU = 0.0
    for (x, y) in zip(Self.input, out.gelu) {
      let v = Double(x)
      let reference =
        0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
      worstGELU = max(worstGELU, abs(Double(y) - reference) / max(1, abs(reference)))
    }
    // Softmax of each row of the (float32) GELU output, in float64.
    var worstSoftmax = 0.0
    for r in 0..<Self.rows {
      let row = (0..<Self.columns).map { Double(out.gelu[r * Self.columns + $0]) }
      let top = row.max()!
      let total = row.reduce(0) { $0 + exp($1 - top) }
      for j in 0..<Self.columns {
        let reference = exp(row[j] - top) / total
        worstSoftmax = max(worstSoftmax, abs(Double(out.softmax[r * Self.columns + j]) - reference))
      }
    }
    // Polynomial exp/tanh in float32 over inputs in [−4, 4]: a few ulps of values of order 1–4.
    #expect(worstGELU < 2e-6, "path \(path)")
    #expect(worstSoftmax < 1e-6, "path \(path)")
    #expect(out.loss.isFinite && out.gradient.allSatisfy(\.isFinite))
  }

  @Test(
    "the C GELU, softmax and cross-entropy paths agree with the portable Swift path",
    arguments: supportedPaths)
  func agreeWithPortable(_ path: KernelPath) {
    let fast = Self.run(path)
    let portable = Self.run(.portable)
    let a = fast.gelu + fast.softmax + fast.gradient + [fast.loss]
    let b = portable.gelu + portable.softmax + portable.gradient + [portable.loss]
    let worst = zip(a, b).map { abs($0 - $1) }.max()!
    // Same polynomials in a different evaluation order (FMA contraction, lane reductions):
    // a few float32 ulps of values of order 1–10.
    #expect(worst < 1e-5, "path \(path)")
  }
}
