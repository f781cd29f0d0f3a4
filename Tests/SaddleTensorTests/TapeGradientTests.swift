import Testing

@testable import SaddleTensor

/// Index data that must outlive the tape calls of a test (read-only after initialization).
nonisolated(unsafe) private let sharedIndices: UnsafeMutablePointer<Int32> = {
  let p = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
  for i in 0..<64 { p[i] = Int32((i * 5 + 3) % 7) }
  return p
}()

/// Per-class weights and margins for the class-weighted cross-entropy (7 classes).
nonisolated(unsafe) private let sharedClassValues: UnsafeMutablePointer<Float> = {
  let p = UnsafeMutablePointer<Float>.allocate(capacity: 14)
  for i in 0..<7 {
    p[i] = 0.3 + 0.4 * Float(i)  // weights
    p[7 + i] = 0.9 - 0.1 * Float(i)  // margins
  }
  return p
}()

/// One operation under test: input shapes and the graph to differentiate.
struct OperationCase: Sendable, CustomTestStringConvertible {
  let name: String
  let shapes: [TensorShape]
  var positive = false
  var step: Float = 1e-2
  let build: @Sendable (Tape, [Tensor]) -> Tensor

  var testDescription: String { name }

  static let all: [OperationCase] = [
    .init(name: "matmul", shapes: [TensorShape(5, 4), TensorShape(4, 3)]) { t, x in
      t.matmul(x[0], x[1])
    },
    .init(name: "matmul Bᵀ", shapes: [TensorShape(2, 3, 4), TensorShape(6, 4)]) { t, x in
      t.matmul(x[0], x[1], transposeB: true)
    },
    .init(name: "linear", shapes: [TensorShape(5, 4), TensorShape(4, 3), TensorShape(3)]) {
      t, x in t.linear(x[0], weight: x[1], bias: x[2])
    },
    .init(name: "batched matmul", shapes: [TensorShape(2, 3, 4), TensorShape(2, 4, 5)]) {
      t, x in t.batchedMatmul(x[0], x[1])
    },
    .init(name: "batched matmul Bᵀ", shapes: [TensorShape(2, 3, 4), TensorShape(2, 5, 4)]) {
      t, x in t.batchedMatmul(x[0], x[1], transposeB: true)
    },
    .init(name: "add", shapes: [TensorShape(3, 5), TensorShape(3, 5)]) { t, x in
      t.add(x[0], x[1])
    },
    .init(name: "bias add", shapes: [TensorShape(4, 5), TensorShape(5)]) { t, x in
      t.addBroadcast(x[0], x[1])
    },
    .init(name: "position add", shapes: [TensorShape(2, 3, 4), TensorShape(3, 4)]) { t, x in
      t.addBroadcast(x[0], x[1])
    },
    .init(name: "scale", shapes: [TensorShape(7)]) { t, x in t.scale(x[0], by: -1.7) },
    .init(name: "relu", shapes: [TensorShape(4, 6)], step: 1e-3) { t, x in t.relu(x[0]) },
    .init(name: "tanh", shapes: [TensorShape(4, 6)]) { t, x in t.tanh(t.scale(x[0], by: 2)) },
    .init(name: "gelu", shapes: [TensorShape(4, 9)]) { t, x in t.gelu(t.scale(x[0], by: 3)) },
    .init(name: "exp", shapes: [TensorShape(3, 7)]) { t, x in t.exp(x[0]) },
    .init(name: "log", shapes: [TensorShape(3, 7)], positive: true) { t, x in t.log(x[0]) },
    .init(name: "softmax", shapes: [TensorShape(3, 19)]) { t, x in
      t.softmax(t.scale(x[0], by: 3))
    },
    .init(name: "cross-entropy", shapes: [TensorShape(6, 7)]) { t, x in
      t.crossEntropy(logits: t.scale(x[0], by: 2), targets: sharedIndices, scale: 1.0 / 6)
    },
    .init(name: "class-weighted cross-entropy with margins", shapes: [TensorShape(6, 7)]) {
      t, x in
      t.crossEntropy(
        logits: t.scale(x[0], by: 2), targets: sharedIndices, scale: 0.2,
        weights: sharedClassValues, margins: sharedClassValues + 7)
    },
    .init(name: "class-weighted cross-entropy, weights only", shapes: [TensorShape(6, 7)]) {
      t, x in
      t.crossEntropy(
        logits: x[0], targets: sharedIndices, scale: 0.2, weights: sharedClassValues,
        margins: nil)
    },
    .init(name: "squared error", shapes: [TensorShape(3, 4)]) { t, x in
      t.squaredError(
        x[0],
        target: UnsafePointer(sharedIndices).withMemoryRebound(
          to: Float.self, capacity: 12
        ) { $0 }, scale: 0.25)
    },
    .init(
      name: "layer norm", shapes: [TensorShape(4, 8), TensorShape(8), TensorShape(8)]
    ) { t, x in t.layerNorm(t.scale(x[0], by: 2), gain: x[1], bias: x[2]) },
    .init(
      name: "layer norm, 16-wide rows",
      shapes: [TensorShape(3, 16), TensorShape(16), TensorShape(16)]
    ) { t, x in t.layerNorm(t.scale(x[0], by: 2), gain: x[1], bias: x[2]) },
    .init(name: "embedding", shapes: [TensorShape(7, 3)]) { t, x in
      t.embedding(x[0], indices: sharedIndices, count: 11)
    },
    .init(name: "causal attention", shapes: [TensorShape(2 * 5, 3 * 8)]) { t, x in
      t.causalSelfAttention(t.scale(x[0], by: 2), batch: 2, sequence: 5, heads: 2)
    },
    .init(name: "causal attention over three query blocks", shapes: [TensorShape(37, 3 * 4)]) {
      t, x in
      t.causalSelfAttention(t.scale(x[0], by: 2), batch: 1, sequence: 37, heads: 2)
    },
    .init(name: "reshape", shapes: [TensorShape(2, 6)]) { t, x in
      t.reshape(t.exp(x[0]), TensorShape(3, 4))
    },
    .init(name: "transpose", shapes: [TensorShape(3, 5)]) { t, x in t.transpose(x[0]) },
    .init(name: "batched transpose", shapes: [TensorShape(2, 3, 4)]) { t, x in
      t.transpose(x[0])
    },
    .init(name: "sum", shapes: [TensorShape(9)]) { t, x in t.sum(t.exp(x[0])) },
    .init(name: "mean", shapes: [TensorShape(9)]) { t, x in t.mean(t.exp(x[0])) },
    .init(name: "shared input", shapes: [TensorShape(4, 4)]) { t, x in
      t.add(t.matmul(x[0], x[0]), t.tanh(x[0]))
    },
    .init(
      name: "gelu then linear, fused",
      shapes: [TensorShape(5, 17), TensorShape(17, 6), TensorShape(6)]
    ) { t, x in t.geluLinear(t.scale(x[0], by: 2), weight: x[1], bias: x[2]) },
  ]
}

@Suite("Tape gradients")
struct TapeGradientTests {
  @Test(
    "each operation's gradient matches central finite differences", arguments: OperationCase.all)
  func finiteDifferences(_ operation: OperationCase) {
    let error = finiteDifferenceError(
      shapes: operation.shapes, step: operation.step, positive: operation.positive,
      operation.build)
    // Float32 central differences with h = 1e-2: truncation ~h²·|f'''| ≈ 1e-4 and rounding
    // ~2⁻²⁴·|L|/h ≈ 1e-4 for losses of order 10, relative to gradients of order 1.
    #expect(error < 2e-3, "\(operation.name): relative error \(error)")
  }

  @Test("a tape reused for the same graph reuses its memory and gives the same result")
  func reuse() {
    let tape = Tape()
    let x = testValues(64, seed: 3)
    var results: [Float] = []
    x.withUnsafeBufferPointer { px in
      for _ in 0..<3 {
        tape.reset()
        let a = tape.parameter(px.baseAddress!, shape: TensorShape(8, 8), gradient: nil)
        let y = tape.sum(tape.gelu(tape.matmul(a, a)))
        results.append(tape.scalar(y))
      }
    }
    #expect(results[0] == results[1] && results[1] == results[2])
  }

  @Test("unused parameters get zero gradients")
  func unusedParameter() {
    let tape = Tape()
    let x = testValues(4, seed: 1)
    var g = [Float](repeating: .nan, count: 8)
    x.withUnsafeBufferPointer { px in
      g.withUnsafeMutableBufferPointer { pg in
        let a = tape.parameter(px.baseAddress!, shape: TensorShape(4), gradient: pg.baseAddress!)
        _ = tape.parameter(px.baseAddress!, shape: TensorShape(4), gradient: pg.baseAddress! + 4)
        tape.backward(from: tape.sum(a))
      }
    }
    #expect(g == [1, 1, 1, 1, 0, 0, 0, 0])
  }

  @Test(
    "geluLinear equals linear(gelu(x)) bit for bit, values and gradients, also accumulating",
    arguments: KernelPath.allCases.filter(\.isSupported))
  func geluLinearMatchesUnfused(_ path: KernelPath) {
    let (m, k, n) = (37, 40, 24)
    let inputs = [
      testValues(m * k, seed: 1).map { 3 * $0 }, testValues(k * n, seed: 2),
      testValues(n, seed: 3), testValues(m * n, seed: 4),
    ]
    func run(fused: Bool) -> [[Float]] {
      let tape = Tape(kernelPath: path)
      var gradientX = [Float](repeating: .nan, count: m * k)
      var gradientW = [Float](repeating: .nan, count: k * n)
      var gradientB = [Float](repeating: .nan, count: n)
      var value: [Float] = []
      let (px, pw) = (
        UnsafeMutablePointer<Float>.allocate(capacity: m * k),
        UnsafeMutablePointer<Float>.allocate(capacity: k * n)
      )
      let (pb, pt) = (
        UnsafeMutablePointer<Float>.allocate(capacity: n),
        UnsafeMutablePointer<Float>.allocate(capacity: m * n)
      )
      defer { for p in [px, pw, pb, pt] { p.deallocate() } }
      for (p, v) in zip([px, pw, pb, pt], inputs) { p.update(from: v, count: v.count) }
      gradientX.withUnsafeMutableBufferPointer { gx in
        gradientW.withUnsafeMutableBufferPointer { gw in
          gradientB.withUnsafeMutableBufferPointer { gb in
            let x = tape.parameter(px, shape: TensorShape(m, k), gradient: gx.baseAddress!)
            let w = tape.parameter(pw, shape: TensorShape(k, n), gradient: gw.baseAddress!)
            let b = tape.parameter(pb, shape: TensorShape(n), gradient: gb.baseAddress!)
            let y =
              fused
              ? tape.geluLinear(x, weight: w, bias: b)
              : tape.linear(tape.gelu(x), weight: w, bias: b)
            // A second use of x, recorded later: its gradient reaches x first, so the GELU
            // path accumulates into it.
            let loss = tape.squaredError(
              tape.add(y, tape.matmul(x, w)), target: pt, scale: 0.5)
            tape.backward(from: loss)
            value = Array(tape.value(y))
          }
        }
      }
      return [value, gradientX, gradientW, gradientB]
    }
    let (fused, unfused) = (run(fused: true), run(fused: false))
    #expect(fused[0] == unfused[0], "path \(path): values")
    #expect(fused[1] == unfused[1], "path \(path): input gradient")
    #expect(fused[2] == unfused[2], "path \(path): weight gradient")
    #expect(fused[3] == unfused[3], "path \(path): bias gradient")
    #expect(fused[1].allSatisfy { $0.isFinite })
  }
}
