import Foundation
import SaddleTensor

/// A deterministic sequence in [-1, 1] for test data (no RNG state shared between tests).
func testValues(_ count: Int, seed: Int) -> [Float] {
  (0..<count).map { i in Float(sin(Double(i) * 0.731 + Double(seed) * 1.37 + 0.3)) }
}

/// Naive float64 row-major matmul reference: C = op(A)·op(B).
func referenceMatmul(
  _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
) -> [Double] {
  var c = [Double](repeating: 0, count: m * n)
  for i in 0..<m {
    for j in 0..<n {
      var s = 0.0
      for p in 0..<k {
        let x = transposeA ? a[p * m + i] : a[i * k + p]
        let y = transposeB ? b[j * k + p] : b[p * n + j]
        s += Double(x) * Double(y)
      }
      c[i * n + j] = s
    }
  }
  return c
}

/// Compares the tape gradient of a graph with central finite differences for every input
/// element and returns the largest error relative to the largest gradient magnitude.
///
/// `build` records a graph on the tape from parameter tensors viewing the inputs; non-scalar
/// results are reduced with `½·Σ (y − target)²` against a fixed target so that upstream
/// gradients are non-uniform.
func finiteDifferenceError(
  shapes: [TensorShape], seed: Int = 0, step: Float = 1e-2, positive: Bool = false,
  _ build: (Tape, [Tensor]) -> Tensor
) -> Float {
  let inputs = shapes.enumerated().map { (i, s) in
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: s.count)
    for (j, v) in testValues(s.count, seed: seed + 7 * i).enumerated() {
      buffer[j] = positive ? 1.5 + v : v
    }
    return buffer
  }
  let gradients = shapes.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.count) }
  let target = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096)
  _ = target.initialize(from: testValues(4096, seed: 99))
  defer {
    for b in inputs + gradients + [target] { b.deallocate() }
  }
  let tape = Tape()

  func evaluate(withGradient: Bool) -> Float {
    tape.reset()
    let tensors = inputs.indices.map { i in
      tape.parameter(
        inputs[i].baseAddress!, shape: shapes[i],
        gradient: withGradient ? gradients[i].baseAddress : nil)
    }
    var y = build(tape, tensors)
    if tape.shape(y).count != 1 {
      precondition(tape.shape(y).count <= target.count)
      y = tape.squaredError(y, target: target.baseAddress!, scale: 0.5)
    }
    let value = tape.scalar(y)
    if withGradient { tape.backward(from: y) }
    return value
  }

  _ = evaluate(withGradient: true)
  var worst: Float = 0
  var largest: Float = 1e-3
  for i in inputs.indices {
    for j in inputs[i].indices {
      let original = inputs[i][j]
      inputs[i][j] = original + step
      let plus = evaluate(withGradient: false)
      inputs[i][j] = original - step
      let minus = evaluate(withGradient: false)
      inputs[i][j] = original
      let numeric = (plus - minus) / (2 * step)
      worst = max(worst, abs(numeric - gradients[i][j]))
      largest = max(largest, abs(gradients[i][j]))
    }
  }
  return worst / largest
}
