import SaddleCore
import SaddleModels
import Testing

@Suite("A closed-form problem's seeded start")
struct SeededStartTests {
  /// Runs plain gradient descent from `makeState(for:seed:)` and returns the final loss.
  func descend(seed: UInt64, steps: Int = 400) throws -> (start: [Float], loss: Double) {
    let model = QuarticDoubleWell()
    let optimizer = Optimizer { SGD(learningRate: 0.1) }
    var state = optimizer.makeState(for: model, seed: seed)
    let start = state.parameters.array
    var loss = 0.0
    for _ in 0..<steps { loss = try optimizer.step(&state, model: model) }
    return (start, loss)
  }

  @Test("seed 0 starts exactly on the saddle, where gradient descent cannot move")
  func seedZeroIsExact() throws {
    let model = QuarticDoubleWell()
    let saddle = try #require(model.saddles.first)
    let run = try descend(seed: 0)
    #expect(run.start == model.defaultStart.map { Float($0) })
    #expect(run.start == saddle.point.map { Float($0) })
    #expect(run.loss == saddle.value)
  }

  @Test("other seeds start 1e-8 off the saddle and gradient descent escapes", arguments: [1, 2, 7])
  func seededStartEscapes(seed: UInt64) throws {
    let model = QuarticDoubleWell()
    let saddle = try #require(model.saddles.first)
    let run = try descend(seed: seed)
    let distance = zip(run.start, saddle.point).reduce(0.0) {
      $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1)
    }.squareRoot()
    // The saddle is the origin, where Float keeps a 1e-8 offset to ~1e-7 relative.
    #expect(abs(distance - 1e-8) <= 1e-14)
    let minimum = try #require(model.minima.first)
    #expect(run.loss < saddle.value - 0.5 * (saddle.value - minimum.value))
  }
}
