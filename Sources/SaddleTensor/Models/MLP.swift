/// A multilayer-perceptron classifier on a flat parameter buffer: affine layers
/// `hₗ = σ(hₗ₋₁·Wₗ + bₗ)` with the activation `σ` between layers (none after the last) and the
/// mean softmax cross-entropy loss on integer labels.
///
/// Parameters are laid out layer by layer as `W₁ (w₀×w₁), b₁ (w₁), W₂, b₂, …`. Not thread-safe.
public final class MLP {
  /// The nonlinearity between layers.
  public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `max(x, 0)`.
    case relu
    /// `tanh x`.
    case tanh
  }

  /// Widths `[input, hidden…, classes]`.
  public let layerWidths: [Int]
  /// The nonlinearity between layers.
  public let activation: Activation
  private let tape: Tape

  /// A classifier with the given widths (at least input and output) and activation; matrix
  /// multiplies use up to `threads` workers.
  public init(layerWidths: [Int], activation: Activation = .relu, threads: Int = 1) {
    precondition(layerWidths.count >= 2, "MLP needs at least input and output widths")
    self.layerWidths = layerWidths
    self.activation = activation
    tape = Tape(threads: threads)
  }

  /// The parameter segments in flat-buffer order.
  public var segments: [(name: String, shape: [Int])] {
    (1..<layerWidths.count).flatMap { l in
      [
        (name: "layer\(l).weight", shape: [layerWidths[l - 1], layerWidths[l]]),
        (name: "layer\(l).bias", shape: [layerWidths[l]]),
      ]
    }
  }

  /// The number of parameters `Σₗ (wₗ₋₁ + 1)·wₗ`.
  public var parameterCount: Int {
    (1..<layerWidths.count).reduce(0) { $0 + (layerWidths[$1 - 1] + 1) * layerWidths[$1] }
  }

  /// Weights `N(0, 1/wₗ₋₁)` (LeCun), biases 0; deterministic in `seed`.
  public func initializeParameters(_ p: UnsafeMutableBufferPointer<Float>, seed: UInt64) {
    var sampler = NormalSampler(seed: seed)
    var o = 0
    for l in 1..<layerWidths.count {
      let (fanIn, fanOut) = (layerWidths[l - 1], layerWidths[l])
      let scale = 1 / Double(fanIn).squareRoot()
      for i in 0..<(fanIn * fanOut) { p[o + i] = Float(scale * sampler.next()) }
      o += fanIn * fanOut
      for i in 0..<fanOut { p[o + i] = 0 }
      o += fanOut
    }
  }

  /// The mean cross-entropy on a batch: `inputs` is `n × layerWidths[0]` row-major and `labels`
  /// holds `n` class indices.
  public func loss(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    labels: UnsafeBufferPointer<Int32>
  ) -> Double {
    run(parameters: parameters, inputs: inputs, labels: labels, gradient: nil)
  }

  /// The mean cross-entropy and its gradient (overwritten into `gradient`).
  public func lossAndGradient(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    labels: UnsafeBufferPointer<Int32>, gradient: UnsafeMutableBufferPointer<Float>
  ) -> Double {
    run(parameters: parameters, inputs: inputs, labels: labels, gradient: gradient.baseAddress)
  }

  /// The class-weighted cross-entropy with class margins,
  /// `Σₑ w[yₑ]·(logsumexp(z̃ₑ) − z̃ₑ[yₑ]) / Σₑ w[yₑ]` with `z̃ₑ = zₑ − m[yₑ]·e_{yₑ}`
  /// (`Tape.crossEntropy(logits:targets:scale:weights:margins:)`), and its gradient when
  /// `gradient` is given (overwritten). `classWeights` (positive) and `classMargins` hold one
  /// value per class; `nil` means unit weights / zero margins.
  public func loss(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    labels: UnsafeBufferPointer<Int32>, classWeights: UnsafeBufferPointer<Float>?,
    classMargins: UnsafeBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>?
  ) -> Double {
    let classes = layerWidths[layerWidths.count - 1]
    precondition(classWeights.map { $0.count == classes } ?? true, "MLP: one weight per class")
    precondition(classMargins.map { $0.count == classes } ?? true, "MLP: one margin per class")
    return run(
      parameters: parameters, inputs: inputs, labels: labels, gradient: gradient?.baseAddress,
      classWeights: classWeights, classMargins: classMargins)
  }

  private func run(
    parameters: UnsafeBufferPointer<Float>, inputs: UnsafeBufferPointer<Float>,
    labels: UnsafeBufferPointer<Int32>, gradient: UnsafeMutablePointer<Float>?,
    classWeights: UnsafeBufferPointer<Float>? = nil, classMargins: UnsafeBufferPointer<Float>? = nil
  ) -> Double {
    precondition(parameters.count >= parameterCount, "MLP: parameter buffer too small")
    let n = labels.count
    precondition(inputs.count == n * layerWidths[0], "MLP: inputs must be n × \(layerWidths[0])")
    tape.reset()
    let p = parameters.baseAddress!
    var h = tape.parameter(
      inputs.baseAddress!, shape: TensorShape(n, layerWidths[0]), gradient: nil)
    var o = 0
    for l in 1..<layerWidths.count {
      let (fanIn, fanOut) = (layerWidths[l - 1], layerWidths[l])
      let w = tape.parameter(
        p + o, shape: TensorShape(fanIn, fanOut), gradient: gradient.map { $0 + o })
      o += fanIn * fanOut
      let b = tape.parameter(p + o, shape: TensorShape(fanOut), gradient: gradient.map { $0 + o })
      o += fanOut
      h = tape.linear(h, weight: w, bias: b)
      if l < layerWidths.count - 1 {
        h = activation == .relu ? tape.relu(h) : tape.tanh(h)
      }
    }
    let loss: Tensor
    if classWeights == nil && classMargins == nil {
      loss = tape.crossEntropy(logits: h, targets: labels.baseAddress!, scale: 1 / Float(n))
    } else {
      var total = 0.0
      for label in labels { total += Double(classWeights?[Int(label)] ?? 1) }
      loss = tape.crossEntropy(
        logits: h, targets: labels.baseAddress!,
        scale: Float(1 / max(total, .leastNormalMagnitude)),
        weights: classWeights?.baseAddress, margins: classMargins?.baseAddress)
    }
    if gradient != nil { tape.backward(from: loss) }
    return Double(tape.scalar(loss))
  }
}
