import Testing

@testable import SaddleTensor

@Suite("Elementwise kernels")
struct ElementwiseKernelTests {
  /// Runs GELU (with its stored derivative), causal attention-style softmax and cross-entropy
  /// on one tape and returns every value and gradient it produced.
  static func run(_ path: KernelPath) -> [Float] {
    let tape = Tape(kernelPath: path)
    let x = testValues(7 * 37, seed: 11).map { 4 * $0 }
    var gradient = [Float](repeating: 0, count: x.count)
    var out: [Float] = []
    let targets: [Int32] = (0..<7).map { Int32($0 * 5 % 37) }
    x.withUnsafeBufferPointer { px in
      gradient.withUnsafeMutableBufferPointer { pg in
        targets.withUnsafeBufferPointer { pt in
          let a = tape.parameter(
            px.baseAddress!, shape: TensorShape(7, 37), gradient: pg.baseAddress!)
          let g = tape.gelu(a)
          let s = tape.softmax(g)
          let loss = tape.crossEntropy(logits: tape.add(g, s), targets: pt.baseAddress!, scale: 1)
          tape.backward(from: loss)
          out += Array(tape.value(g)) + Array(tape.value(s)) + [tape.scalar(loss)]
        }
      }
    }
    return out + gradient
  }

  @Test(
    "the C GELU and softmax kernels agree with the portable Swift path",
    arguments: KernelPath.allCases.filter { $0 != .portable })
  func agreeWithPortable(_ path: KernelPath) throws {
    try #require(path.isSupported)
    let fast = Self.run(path)
    let portable = Self.run(.portable)
    let worst = zip(fast, portable).map { abs($0 - $1) }.max()!
    // Same polynomials in a different evaluation order (FMA contraction, lane reductions):
    // a few float32 ulps of values of order 1–10.
    #expect(worst < 1e-5)
  }
}
