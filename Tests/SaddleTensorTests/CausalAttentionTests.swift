import Foundation
import Testing

@testable import SaddleTensor

/// The block-wise causal attention (``Tape/causalSelfAttention(_:batch:sequence:heads:)``)
/// against a full-square computation of the same formulas: every product over all `T×T`
/// query-key pairs, the masked entries carried as exact zeros.
@Suite("Causal attention")
struct CausalAttentionTests {
  static let supportedPaths = KernelPath.allCases.filter(\.isSupported)

  struct Case: Sendable, CustomStringConvertible {
    var batch: Int
    var sequence: Int
    var heads: Int
    var width: Int
    var description: String { "B\(batch) T\(sequence) H\(heads) d\(width)" }
  }

  /// One block (T ≤ 16), partial last blocks, exact blocks, and T > 256 (more than one GEMM
  /// depth block, where the block-wise sums start at a different depth than the full square).
  static let cases = [
    Case(batch: 2, sequence: 5, heads: 2, width: 8),
    Case(batch: 2, sequence: 100, heads: 2, width: 32),
    Case(batch: 1, sequence: 96, heads: 4, width: 64),
    Case(batch: 1, sequence: 300, heads: 1, width: 16),
  ]

  /// Y and ∂L/∂qkv for `L = ½·Σ (Y − target)²` (`squaredError` with scale ½, so ∂L/∂Y = Y − target)
  /// from the tape operation on `threads` threads.
  static func blockwise(
    _ c: Case, qkv: [Float], target: [Float], path: KernelPath, threads: Int
  ) -> (y: [Float], dqkv: [Float]) {
    let tape = Tape(threads: threads, kernelPath: path)
    var dqkv = [Float](repeating: .nan, count: qkv.count)
    var y: [Float] = []
    qkv.withUnsafeBufferPointer { px in
      target.withUnsafeBufferPointer { pt in
        dqkv.withUnsafeMutableBufferPointer { pd in
          let x = tape.parameter(
            px.baseAddress!, shape: TensorShape(c.batch * c.sequence, 3 * c.width),
            gradient: pd.baseAddress!)
          let out = tape.causalSelfAttention(
            x, batch: c.batch, sequence: c.sequence, heads: c.heads)
          let loss = tape.squaredError(out, target: pt.baseAddress!, scale: 0.5)
          tape.backward(from: loss)
          y = Array(tape.value(out))
        }
      }
    }
    return (y, dqkv)
  }

  /// The full-square computation with the same kernels: S = α·Q·Kᵀ over all T keys, the causal
  /// softmax of whole rows, Y = P·V, and backward dP = dY·Vᵀ, dS, dQ = dS·K, dK = dSᵀ·Q,
  /// dV = Pᵀ·dY, each over all T.
  static func fullSquare(
    _ c: Case, qkv: [Float], target: [Float], path: KernelPath
  ) -> (y: [Float], dqkv: [Float]) {
    let tape = Tape(kernelPath: path)
    let (t, d) = (c.sequence, c.width)
    let hw = d / c.heads
    let ld = 3 * d
    let alpha = 1 / Float(hw).squareRoot()
    var y = [Float](repeating: 0, count: c.batch * t * d)
    var dqkv = [Float](repeating: 0, count: qkv.count)
    var p = [Float](repeating: 0, count: t * t)
    var dp = [Float](repeating: 0, count: t * t)
    qkv.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in
        p.withUnsafeMutableBufferPointer { pp in
          for b in 0..<c.batch {
            for h in 0..<c.heads {
              let q = px.baseAddress! + b * t * ld + h * hw
              GEMM.multiplySerial(
                transposeA: false, transposeB: true, m: t, n: t, k: hw, alpha: alpha, a: q,
                lda: ld, b: q + d, ldb: ld, beta: 0, c: pp.baseAddress!, ldc: t, path: path)
              tape.softmaxRows(
                rows: t, n: t, pp.baseAddress!, pp.baseAddress!, causal: true, logSumExp: nil)
              GEMM.multiplySerial(
                transposeA: false, transposeB: false, m: t, n: hw, k: t, alpha: 1,
                a: pp.baseAddress!, lda: t, b: q + 2 * d, ldb: ld, beta: 0,
                c: py.baseAddress! + b * t * d + h * hw, ldc: d, path: path)
            }
          }
        }
      }
    }
    // ∂L/∂Y as `squaredError` forms it: 2·seed·scale·(Y − target).
    let g: Float = 2 * 1 * 0.5
    let dy = zip(y, target).map { g * ($0 - $1) }
    qkv.withUnsafeBufferPointer { px in
      dy.withUnsafeBufferPointer { pdy in
        dqkv.withUnsafeMutableBufferPointer { pd in
          p.withUnsafeMutableBufferPointer { pp in
            dp.withUnsafeMutableBufferPointer { pdp in
              let (pP, pDP) = (pp.baseAddress!, pdp.baseAddress!)
              for b in 0..<c.batch {
                for h in 0..<c.heads {
                  let q = px.baseAddress! + b * t * ld + h * hw
                  let dq = pd.baseAddress! + b * t * ld + h * hw
                  let dyh = pdy.baseAddress! + b * t * d + h * hw
                  GEMM.multiplySerial(
                    transposeA: false, transposeB: true, m: t, n: t, k: hw, alpha: alpha, a: q,
                    lda: ld, b: q + d, ldb: ld, beta: 0, c: pP, ldc: t, path: path)
                  tape.softmaxRows(rows: t, n: t, pP, pP, causal: true, logSumExp: nil)
                  GEMM.multiplySerial(
                    transposeA: false, transposeB: true, m: t, n: t, k: hw, alpha: 1, a: dyh,
                    lda: d, b: q + 2 * d, ldb: ld, beta: 0, c: pDP, ldc: t, path: path)
                  tape.causalSoftmaxBackward(
                    rows: t, first: 0, n: t, alpha: alpha, pP, pDP, ld: t)
                  GEMM.multiplySerial(
                    transposeA: false, transposeB: false, m: t, n: hw, k: t, alpha: 1, a: pDP,
                    lda: t, b: q + d, ldb: ld, beta: 0, c: dq, ldc: ld, path: path)
                  GEMM.multiplySerial(
                    transposeA: true, transposeB: false, m: t, n: hw, k: t, alpha: 1, a: pDP,
                    lda: t, b: q, ldb: ld, beta: 0, c: dq + d, ldc: ld, path: path)
                  GEMM.multiplySerial(
                    transposeA: true, transposeB: false, m: t, n: hw, k: t, alpha: 1, a: pP,
                    lda: t, b: dyh, ldb: d, beta: 0, c: dq + 2 * d, ldc: ld, path: path)
                }
              }
            }
          }
        }
      }
    }
    return (y, dqkv)
  }

  @Test(
    "block-wise causal attention equals the full-square computation",
    arguments: supportedPaths, cases)
  func matchesFullSquare(_ path: KernelPath, _ c: Case) {
    let qkv = testValues(c.batch * c.sequence * 3 * c.width, seed: c.sequence).map { 2 * $0 }
    let target = testValues(c.batch * c.sequence * c.width, seed: 3)
    let full = Self.fullSquare(c, qkv: qkv, target: target, path: path)
    for threads in [1, 2] {
      let block = Self.blockwise(c, qkv: qkv, target: target, path: path, threads: threads)
      // The skipped terms are products with exact zeros, and each kept entry is summed in the
      // same order: the forward is bitwise equal.
      #expect(block.y == full.y, "\(c) path \(path) threads \(threads): forward")
      if c.sequence <= 256 {
        // Within one GEMM depth block (256) the backward sums start at the same depth too.
        #expect(block.dqkv == full.dqkv, "\(c) path \(path) threads \(threads): backward")
      } else {
        // Past 256 the key-block sums (dK, dV) are split into depth blocks at other places:
        // float32 reassociation of ~300 terms of magnitude ≤ ~1, a few ulps of the largest.
        let largest = full.dqkv.map(abs).max()!
        let worst = zip(block.dqkv, full.dqkv).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * max(largest, 1), "\(c) path \(path): backward \(worst)")
      }
    }
  }

  @Test("block-wise causal attention matches a float64 reference", arguments: supportedPaths)
  func matchesFloat64(_ path: KernelPath) {
    let c = Case(batch: 1, sequence: 70, heads: 2, width: 16)
    let (t, d, hw) = (c.sequence, c.width, c.width / c.heads)
    let qkv = testValues(t * 3 * d, seed: 5).map { 2 * $0 }
    let target = [Float](repeating: 0, count: t * d)
    let out = Self.blockwise(c, qkv: qkv, target: target, path: path, threads: 1)
    var worst = 0.0
    for h in 0..<c.heads {
      for i in 0..<t {
        // Y[i] = Σ_{j ≤ i} softmax_j(q_i·k_j/√hw) v_j in float64.
        var scores = [Double](repeating: 0, count: i + 1)
        for j in 0...i {
          var s = 0.0
          for l in 0..<hw {
            s += Double(qkv[i * 3 * d + h * hw + l]) * Double(qkv[j * 3 * d + d + h * hw + l])
          }
          scores[j] = s / Double(hw).squareRoot()
        }
        let top = scores.max()!
        let weights = scores.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        for l in 0..<hw {
          var v = 0.0
          for j in 0...i { v += weights[j] / total * Double(qkv[j * 3 * d + 2 * d + h * hw + l]) }
          worst = max(worst, abs(Double(out.y[i * d + h * hw + l]) - v))
        }
      }
    }
    // Values ≤ 2 in magnitude, dot products of 8 terms, softmax with a polynomial exp.
    #expect(worst < 1e-5, "path \(path): \(worst)")
  }
}
