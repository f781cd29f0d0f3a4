import Foundation
import Testing

@testable import SaddleTensor

/// Float32 central-difference HVP `(∇L(θ + h u) − ∇L(θ − h u)) / 2h` of the reference
/// Transformer against the float64 forward-over-reverse product of JAX
/// (`scripts/reference/transformer_hvp.py`), across step sizes `h`.
@Suite("Transformer HVP accuracy (finite differences in float32 vs float64 JAX)")
struct TransformerHVPTests {
  struct Row {
    var step: Double
    /// ‖fd − ref‖ / ‖ref‖ over the sampled entries.
    var productError: Double
    /// uᵀ(fd) − uᵀHu.
    var curvatureError: Double
  }

  static func measure(steps: [Double]) -> [Row] {
    let configuration = TransformerTests.referenceConfiguration
    let model = TransformerLM(configuration, threads: 1)
    let theta = recipeParameters(configuration)
    let tokens = recipeTokens(configuration)
    let n = theta.count
    let raw = (0..<n).map { Double(Float(cos(0.53 * Double($0) + 0.2))) }
    let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let u = raw.map { $0 / norm }
    let reference = TransformerHVPReferenceData.sampledProduct
    let referenceNorm = reference.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return steps.map { h in
      let plus = (0..<n).map { theta[$0] + Float(h * u[$0]) }
      let minus = (0..<n).map { theta[$0] - Float(h * u[$0]) }
      let gPlus = evaluate(model, plus, tokens).gradient
      let gMinus = evaluate(model, minus, tokens).gradient
      let fd = (0..<n).map { (Double(gPlus[$0]) - Double(gMinus[$0])) / (2 * h) }
      var squared = 0.0
      for (k, i) in stride(from: 0, to: n, by: TransformerHVPReferenceData.stride).enumerated() {
        squared += (fd[i] - reference[k]) * (fd[i] - reference[k])
      }
      let curvature = zip(fd, u).reduce(0) { $0 + $1.0 * $1.1 }
      return Row(
        step: h, productError: squared.squareRoot() / referenceNorm,
        curvatureError: curvature - TransformerHVPReferenceData.curvature)
    }
  }

  @Test("the error is U-shaped in h (truncation vs rounding); h = 1e-3 is within 1% of Hu")
  func accuracyAcrossSteps() {
    let steps = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5]
    let rows = Self.measure(steps: steps)
    for r in rows {
      print(
        String(
          format: "HVP h=%.0e  ‖fd−Hu‖/‖Hu‖=%.3e  uᵀfd−uᵀHu=%+.3e (uᵀHu=%.4e, ‖Hu‖=%.4f)",
          r.step, r.productError, r.curvatureError, TransformerHVPReferenceData.curvature,
          TransformerHVPReferenceData.productNorm))
    }
    let best = rows.min { $0.productError < $1.productError }!
    // Truncation dominates at large h, float32 rounding (≈ ε‖∇L‖/h) at small h.
    #expect(rows.first!.productError > 3 * best.productError)
    #expect(rows.last!.productError > 3 * best.productError)
    #expect(rows[4].productError < 1e-2)
    #expect(best.productError < 1e-2)
  }
}
