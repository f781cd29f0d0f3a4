/// A deep linear network with squared loss on a flat parameter buffer:
/// `L(W) = 1/(2n) · ‖X·W₁·W₂·…·W_L − Y‖²_F` (Saxe, McClelland & Ganguli 2014; Kawaguchi 2016 —
/// every local minimum is global, and the origin is a saddle).
///
/// Parameters are `W₁ (w₀×w₁), W₂ (w₁×w₂), …` in order. Not thread-safe.
public final class LinearNetwork {
  /// Widths `[input, hidden…, output]`.
  public let layerWidths: [Int]
  private let tape: Tape

  /// A network with the given widths; matrix multiplies use up to `threads` workers.
  public init(layerWidths: [Int], threads: Int = 1) {
    precondition(layerWidths.count >= 2, "LinearNetwork needs at least two widths")
    self.layerWidths = layerWidths
    tape = Tape(threads: threads)
  }

  /// The parameter segments in flat-buffer order.
  public var segments: [(name: String, shape: [Int])] {
    (1..<layerWidths.count).map {
      (name: "layer\($0).weight", shape: [layerWidths[$0 - 1], layerWidths[$0]])
    }
  }

  /// The number of parameters `Σₗ wₗ₋₁·wₗ`.
  public var parameterCount: Int {
    (1..<layerWidths.count).reduce(0) { $0 + layerWidths[$1 - 1] * layerWidths[$1] }
  }

  /// The loss on `inputs` (`n × w₀`) and `targets` (`n × w_L`), both row-major.
  public func loss(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    targets: UnsafeBufferPointer<Float>
  ) -> Double {
    run(parameters: parameters, inputs: inputs, targets: targets, gradient: nil)
  }

  /// The loss and its gradient (overwritten into `gradient`).
  public func lossAndGradient(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    targets: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>
  ) -> Double {
    run(parameters: parameters, inputs: inputs, targets: targets, gradient: gradient.baseAddress)
  }

  private func run(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    targets: UnsafeBufferPointer<Float>, gradient: UnsafeMutablePointer<Float>?
  ) -> Double {
    let n = inputs.count / layerWidths[0]
    precondition(inputs.count == n * layerWidths[0], "inputs must be n × \(layerWidths[0])")
    precondition(targets.count == n * layerWidths.last!, "targets must be n × \(layerWidths.last!)")
    tape.reset()
    let p = parameters.baseAddress!
    var h = tape.parameter(
      inputs.baseAddress!, shape: TensorShape(n, layerWidths[0]), gradient: nil)
    var o = 0
    for l in 1..<layerWidths.count {
      let shape = TensorShape(layerWidths[l - 1], layerWidths[l])
      let w = tape.parameter(p + o, shape: shape, gradient: gradient.map { $0 + o })
      o += shape.count
      h = tape.matmul(h, w)
    }
    let loss = tape.squaredError(h, target: targets.baseAddress!, scale: 0.5 / Float(n))
    if gradient != nil { tape.backward(from: loss) }
    return Double(tape.scalar(loss))
  }
}
