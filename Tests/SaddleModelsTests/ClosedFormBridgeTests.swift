import SaddleCore
import SaddleModels
import Testing

/// A problem that writes only `f`, `∇f` and `∇²f·v`: f = x²y + y³/3 − y, whose Hessian is
/// [[2y, 2x], [2x, 2y]].
private struct ProductOnlyProblem: ClosedFormProblem {
  static let name = "product-only"
  var dimension: Int { 2 }
  func value(at p: [Double]) -> Double { p[0] * p[0] * p[1] + p[1] * p[1] * p[1] / 3 - p[1] }
  func gradient(at p: [Double]) -> [Double] {
    [2 * p[0] * p[1], p[0] * p[0] + p[1] * p[1] - 1]
  }
  func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    [2 * p[1] * v[0] + 2 * p[0] * v[1], 2 * p[0] * v[0] + 2 * p[1] * v[1]]
  }
  var saddles: [CriticalPoint] { [] }
  var minima: [CriticalPoint] { [] }
  var defaultStart: [Double] { [0.5, 0.25] }
}

@Suite("Closed-form problems: one value-and-gradient call, dense Hessian optional")
struct ClosedFormBridgeTests {
  @Test(
    "valueAndGradient gives the bits of value(at:) and gradient(at:)",
    arguments: ProblemCase.all)
  func valueAndGradientIsExact(_ item: ProblemCase) {
    let problem = item.problem
    for p in samplePoints(for: problem) {
      let (value, gradient) = problem.valueAndGradient(at: p)
      #expect(value.bitPattern == problem.value(at: p).bitPattern, "\(item.label) at \(p)")
      #expect(
        gradient.map(\.bitPattern) == problem.gradient(at: p).map(\.bitPattern),
        "\(item.label) at \(p)")
    }
  }

  @Test("a problem with only a Hessian-vector product gets its dense Hessian from d products")
  func denseHessianFromProducts() {
    let problem = ProductOnlyProblem()
    let p = [0.7, -1.3]
    let h = problem.hessian(at: p)
    #expect(h == [[2 * p[1], 2 * p[0]], [2 * p[0], 2 * p[1]]])
    var gradient = ParameterVector(count: 2)
    let loss = problem.lossAndGradient(
      at: ParameterVector([0.5, 0.25]), on: (), into: &gradient)
    #expect(loss == problem.value(at: [0.5, 0.25]))
    #expect(gradient[0] == 0.25 && gradient[1] == Float(0.25 + 0.0625 - 1))
  }

  @Test("a rotated problem's one-call gradient equals its two-call gradient")
  func rotatedValueAndGradient() throws {
    let base = try ProblemCatalog.make("octopus", dimension: 4, parameters: [:])
    let rotated = RotatedProblem(base, seed: 5)
    let p = rotated.defaultStart.map { $0 + 0.01 }
    let (value, gradient) = rotated.valueAndGradient(at: p)
    #expect(value == rotated.value(at: p))
    #expect(gradient == rotated.gradient(at: p))
  }
}
