import Foundation
import Testing

@testable import SaddleTensor

@Suite("FastMath")
struct FastMathTests {
  /// Evenly spaced points of a closed range.
  static func grid(_ lower: Float, _ upper: Float, count: Int = 20_001) -> [Float] {
    (0..<count).map { lower + (upper - lower) * Float($0) / Float(count - 1) }
  }

  static func lanes(_ xs: [Float], _ f: (SIMD16<Float>) -> SIMD16<Float>) -> [Float] {
    var out: [Float] = []
    var i = 0
    while i < xs.count {
      var v = SIMD16<Float>(repeating: 0)
      for l in 0..<16 where i + l < xs.count { v[l] = xs[i + l] }
      let r = f(v)
      for l in 0..<16 where i + l < xs.count { out.append(r[l]) }
      i += 16
    }
    return out
  }

  @Test("exp has relative error below 4 ulp on [-87, 88]")
  func expError() {
    let xs = Self.grid(-87, 88)
    let vector = Self.lanes(xs) { FastMath.exp($0) }
    var worst = 0.0
    for (x, v) in zip(xs, vector) {
      let truth = Foundation.exp(Double(x))
      worst = max(worst, abs(Double(v) - truth) / truth)
      worst = max(worst, abs(Double(FastMath.exp(x)) - truth) / truth)
    }
    // Cephes expf is accurate to ~1 ulp (6e-8); the range reduction with a float32 ln 2 split
    // adds a little at large |x|: 4 ulp = 2.4e-7.
    #expect(worst < 2.4e-7)
  }

  @Test("log has relative error below 3 ulp on [1e-30, 1e30]")
  func logError() {
    let xs = Self.grid(-69, 69).map { Foundation.exp($0) }
    var worst = 0.0
    for x in xs {
      let truth = Foundation.log(Double(x))
      let error = abs(Double(FastMath.log(x)) - truth) / max(abs(truth), 1)
      worst = max(worst, error)
    }
    // Relative to max(|ln x|, 1): near x = 1 the absolute error is what matters.
    #expect(worst < 1.8e-7)
  }

  @Test("tanh has absolute error below 3e-7 on [-20, 20]")
  func tanhError() {
    let xs = Self.grid(-20, 20)
    let vector = Self.lanes(xs) { FastMath.tanh($0) }
    var worst = 0.0
    for (x, v) in zip(xs, vector) {
      let truth = Foundation.tanh(Double(x))
      worst = max(worst, abs(Double(v) - truth))
      worst = max(worst, abs(Double(FastMath.tanh(x)) - truth))
    }
    // (1 − t)/(1 + t) loses relative accuracy near 0 but keeps absolute error at a few ulp of 1.
    #expect(worst < 3e-7)
  }

  @Test("GELU and its derivative match the float64 formula on [-10, 10]")
  func geluError() {
    let xs = Self.grid(-10, 10, count: 4001)
    let values = Self.lanes(xs) { FastMath.gelu($0) }
    let derivatives = Self.lanes(xs) { FastMath.geluWithDerivative($0).derivative }
    var worstValue = 0.0
    var worstDerivative = 0.0
    for (i, xf) in xs.enumerated() {
      let x = Double(xf)
      let c = (2 / Double.pi).squareRoot()
      let u = c * (x + 0.044715 * x * x * x)
      let t = Foundation.tanh(u)
      let value = 0.5 * x * (1 + t)
      let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
      worstValue = max(worstValue, abs(Double(values[i]) - value) / max(1, abs(value)))
      worstDerivative = max(worstDerivative, abs(Double(derivatives[i]) - derivative))
    }
    // tanh's 3e-7 absolute error scaled by |x|/2 ≤ 5 and float32 rounding of u.
    #expect(worstValue < 2e-6)
    #expect(worstDerivative < 5e-6)
  }
}
