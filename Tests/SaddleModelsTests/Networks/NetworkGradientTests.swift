import SaddleCore
import SaddleModels
import SaddleTensor
import Testing

@Suite("Network model gradients")
struct NetworkGradientTests {
  /// A tiny Transformer with a larger initialization (σ = 0.3) so attention and the MLP are far
  /// from their linear regime and every parameter matters.
  static func tinyConfiguration(vocabulary: Int, sequence: Int) -> TransformerConfiguration {
    TransformerConfiguration(
      vocabularySize: vocabulary, modelWidth: 8, layerCount: 2, headCount: 2, mlpWidth: 16,
      sequenceLength: sequence, batchSize: 3, initializationScale: 0.3)
  }

  /// Random unit directions, deterministic.
  static func directions(count: Int, dimension: Int) -> [ParameterVector] {
    var generator = SeededGenerator(seed: 42)
    return (0..<count).map { _ in
      var v = ParameterVector(count: dimension)
      v.fillGaussian(using: &generator)
      let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      return ParameterVector(v.map { Float(Double($0) / norm) })
    }
  }

  /// `(L(θ + hv) − L(θ − hv)) / 2h` with the model's own (Float) loss.
  static func centralDifference<M: Model>(
    _ model: M, at p: ParameterVector, along v: ParameterVector, on batch: M.Batch, h: Float
  ) -> Double {
    let plus = ParameterVector(zip(p, v).map { $0 + h * $1 })
    let minus = ParameterVector(zip(p, v).map { $0 - h * $1 })
    return (model.loss(at: plus, on: batch) - model.loss(at: minus, on: batch)) / Double(2 * h)
  }

  // The Transformer runs in Float, so the reference is a Float central difference along unit
  // directions. With h = 1e-2: rounding of the loss (≈ 2, relative error of the Float forward
  // pass ≲ 1e-6) contributes ≲ 1e-6·2/2e-2 = 1e-4, and truncation h²·L‴/6 ≲ 1e-4 for the
  // third directional derivatives (≲ 10) of this small network. The directional derivatives are
  // of order 0.1–1, so 2e-3 absolute + 1% relative is a margin of ~10× that still catches a
  // missing or wrong term (which changes g·v by its own size).
  @Test(
    "Transformer gradients match central differences on masked and unmasked batches",
    arguments: [true, false])
  func transformerGradient(masked: Bool) {
    let model: any Model =
      masked
      ? TransformerModel(
        configuration: Self.tinyConfiguration(vocabulary: 8, sequence: 7),
        task: InductionTask(vocabularySize: 8, sequenceLength: 7, periods: 2...4), threads: 2)
      : TransformerModel(
        configuration: Self.tinyConfiguration(vocabulary: 48, sequence: 7),
        task: CharacterLanguageTask(sequenceLength: 7), threads: 2)
    checkGradient(model, tolerance: 2e-3, h: 1e-2)
  }

  func checkGradient<M: Model>(_ model: M, tolerance: Double, h: Float) {
    let p = model.initialParameters(seed: 1)
    let batch = model.batch(step: 0, seed: 2)
    var gradient = ParameterVector(count: model.layout.count)
    let loss = model.lossAndGradient(at: p, on: batch, into: &gradient)
    #expect(loss == model.loss(at: p, on: batch))
    for v in Self.directions(count: 4, dimension: model.layout.count) {
      let analytic = zip(gradient, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      let numeric = Self.centralDifference(model, at: p, along: v, on: batch, h: h)
      #expect(
        abs(analytic - numeric) <= tolerance + 0.01 * abs(numeric),
        "g·v = \(analytic), finite difference \(numeric)")
    }
  }

  @Test("on an unmasked batch the masked path equals the engine's TransformerLM bit for bit")
  func maskedPathMatchesEngine() {
    let configuration = Self.tinyConfiguration(vocabulary: 48, sequence: 7)
    let task = CharacterLanguageTask(sequenceLength: 7)
    let model = TransformerModel(configuration: configuration, task: task, threads: 2)
    let p = model.initialParameters(seed: 3)
    let batch = model.batch(step: 5, seed: 0)
    var direct = ParameterVector(count: model.layout.count)
    let directLoss = model.lossAndGradient(at: p, on: batch, into: &direct)
    // The same batch with an all-true mask takes the masked (gathering) path.
    let maskedBatch = TokenBatch(
      rows: batch.rows, sequenceLength: batch.sequenceLength, tokens: batch.tokens,
      scored: Array(repeating: true, count: batch.rows * batch.sequenceLength))
    var masked = ParameterVector(count: model.layout.count)
    let maskedLoss = model.lossAndGradient(at: p, on: maskedBatch, into: &masked)
    #expect(abs(maskedLoss - directLoss) <= 1e-6 * abs(directLoss))
    let scale = direct.reduce(0) { max($0, abs($1)) }
    for i in 0..<direct.count {
      #expect(abs(direct[i] - masked[i]) <= 1e-5 * scale, "parameter \(i)")
    }
  }

  @Test("Transformer results do not depend on the thread count")
  func threadIndependence() {
    let configuration = Self.tinyConfiguration(vocabulary: 8, sequence: 7)
    let task = InductionTask(vocabularySize: 8, sequenceLength: 7, periods: 2...4)
    let one = TransformerModel(configuration: configuration, task: task, threads: 1)
    let two = TransformerModel(configuration: configuration, task: task, threads: 2)
    let p = one.initialParameters(seed: 0)
    #expect(p.isBitwiseEqual(to: two.initialParameters(seed: 0)))
    let batch = one.batch(step: 0, seed: 0)
    var g1 = ParameterVector(count: p.count)
    var g2 = ParameterVector(count: p.count)
    #expect(
      one.lossAndGradient(at: p, on: batch, into: &g1)
        == two.lossAndGradient(at: p, on: batch, into: &g2))
    #expect(g1.isBitwiseEqual(to: g2))
  }

  @Test("the Transformer's layout is the engine's segments")
  func transformerLayout() {
    let model = TransformerModel(task: InductionTask())
    #expect(model.layout.count == 110_400)
    #expect(
      model.layout.segments.map(\.name) == TransformerConfiguration.reference.segments.map(\.name))
    #expect(model.layout.segment(named: "layer1.attention.qkv.weight")?.shape == [64, 192])
  }

  // The MLP's reference is an independent forward pass in Double (MLPClassifier.logits) and
  // central differences in Double with h = 1e-5: truncation ≲ h²·L‴ ≈ 1e-10, rounding ≲ 1e-16/h
  // = 1e-11. The engine's Float gradient carries relative errors ≲ 1e-6 of its terms, so
  // 1e-5·(1 + |g·v|) leaves a 10× margin. tanh avoids ReLU kinks inside the difference stencil.
  @Test("MLP gradients match central differences of a Double forward pass")
  func mlpGradient() {
    let task = ImbalancedGaussianMixtureTask(classes: 3, dimension: 5, imbalance: 4)
    let model = MLPClassifier(widths: [7, 6], activation: .tanh, task: task, batchSize: 16)
    let p = model.initialParameters(seed: 4)
    let batch = model.batch(step: 0, seed: 0)
    var gradient = ParameterVector(count: model.layout.count)
    let loss = model.lossAndGradient(at: p, on: batch, into: &gradient)
    func reference(_ q: [Double]) -> Double {
      let metrics = ClassificationMetrics.compute(
        logits: model.logits(at: q, inputs: batch.inputs), labels: batch.labels, classCount: 3)
      return metrics["loss"]!
    }
    let q = p.map(Double.init)
    #expect(abs(loss - reference(q)) <= 1e-5 * abs(loss))
    for v in Self.directions(count: 4, dimension: p.count) {
      let h = 1e-5
      let plus = zip(q, v).map { $0 + h * Double($1) }
      let minus = zip(q, v).map { $0 - h * Double($1) }
      let numeric = (reference(plus) - reference(minus)) / (2 * h)
      let analytic = zip(gradient, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      #expect(abs(analytic - numeric) <= 1e-5 * (1 + abs(numeric)), "\(analytic) vs \(numeric)")
    }
  }

  // Matrix sensing is computed in Double: central differences with h = 1e-6 have truncation
  // h²·f‴ ≲ 1e-10 and rounding ≲ 1e-16·f/h ≲ 1e-9 relative to |∇f| of order 1; the Float
  // outputs add 2⁻²⁴ ≈ 6e-8 relative. 1e-6·(1 + |·|) has an order of magnitude of margin.
  @Test("matrix sensing gradient and Hessian-vector product match finite differences")
  func matrixSensingDerivatives() {
    let model = MatrixSensing(n: 5, rank: 2, measurements: 40, factorRank: 3, seed: 1)
    var generator = SeededGenerator(seed: 9)
    let u = (0..<15).map { _ in 0.5 * generator.nextGaussian() }
    let p = ParameterVector(u.map { Float($0) })
    let (value, g) = model.valueAndGradient(at: u)
    var gradient = ParameterVector(count: 15)
    let loss = model.lossAndGradient(at: p, on: (), into: &gradient)
    #expect(abs(loss - model.value(at: p.map(Double.init))) <= 1e-12 * abs(loss))
    #expect(abs(value - model.value(at: u)) <= 1e-15 * value)
    let h = 1e-6
    for i in 0..<15 {
      var plus = u
      var minus = u
      plus[i] += h
      minus[i] -= h
      let fd = (model.value(at: plus) - model.value(at: minus)) / (2 * h)
      #expect(abs(g[i] - fd) <= 1e-6 * (1 + abs(fd)), "∂f/∂U\(i)")
      #expect(abs(Double(gradient[i]) - g[i]) <= 1e-6 * (1 + abs(g[i])))
    }
    #expect(model.hasExactHessianVectorProduct)
    let v = (0..<15).map { _ in generator.nextGaussian() }
    let hv = model.hessianVectorProduct(at: u, along: v)
    let plus = model.valueAndGradient(at: zip(u, v).map { $0 + h * $1 }).gradient
    let minus = model.valueAndGradient(at: zip(u, v).map { $0 - h * $1 }).gradient
    var result = ParameterVector(count: 15)
    model.hessianVectorProduct(
      at: p, on: (), along: ParameterVector(v.map { Float($0) }), into: &result)
    for i in 0..<15 {
      let fd = (plus[i] - minus[i]) / (2 * h)
      #expect(abs(hv[i] - fd) <= 1e-6 * (1 + abs(fd)), "(Hv)\(i)")
      #expect(abs(Double(result[i]) - hv[i]) <= 1e-5 * (1 + abs(hv[i])))
    }
  }
}
