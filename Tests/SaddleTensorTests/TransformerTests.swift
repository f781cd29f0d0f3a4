import Foundation
import Testing

@testable import SaddleTensor

/// The closed-form parameter recipe of `scripts/reference/transformer_reference.py`.
func recipeParameters(_ configuration: TransformerConfiguration) -> [Float] {
  var p: [Float] = []
  var i = 0
  for segment in configuration.segments {
    let count = segment.shape.reduce(1, *)
    for _ in 0..<count {
      let s = sin(0.37 * Double(i) + 0.1)
      if segment.name.hasSuffix(".gain") {
        p.append(Float(1 + 0.1 * s))
      } else if segment.name.hasSuffix(".bias") {
        p.append(Float(0.05 * s))
      } else {
        p.append(Float(0.1 * s))
      }
      i += 1
    }
  }
  return p
}

/// The closed-form token recipe of the reference script: `(7b + 3t + (b·t) mod 5) mod V`.
func recipeTokens(_ configuration: TransformerConfiguration) -> [Int32] {
  var tokens: [Int32] = []
  for b in 0..<configuration.batchSize {
    for t in 0..<configuration.tokensPerSequence {
      tokens.append(Int32((7 * b + 3 * t + (b * t) % 5) % configuration.vocabularySize))
    }
  }
  return tokens
}

func evaluate(
  _ model: TransformerLM, _ parameters: [Float], _ tokens: [Int32]
) -> (loss: Double, gradient: [Float]) {
  var gradient = [Float](repeating: .nan, count: model.parameterCount)
  let loss = parameters.withUnsafeBufferPointer { p in
    tokens.withUnsafeBufferPointer { t in
      gradient.withUnsafeMutableBufferPointer { g in
        model.lossAndGradient(parameters: p, tokens: t, gradient: g)
      }
    }
  }
  return (loss, gradient)
}

@Suite("TransformerLM")
struct TransformerTests {
  static var referenceConfiguration: TransformerConfiguration {
    var c = TransformerConfiguration.reference
    c.batchSize = TransformerReferenceData.batchSize
    return c
  }

  @Test("the reference configuration has 110,400 parameters in its segments")
  func parameterCount() {
    let model = TransformerLM(.reference)
    #expect(model.parameterCount == 110_400)
    #expect(model.segments.reduce(0) { $0 + $1.shape.reduce(1, *) } == 110_400)
    #expect(model.segments.first?.name == "embedding.token")
    #expect(model.segments.last?.name == "head.bias")
  }

  @Test("loss and gradient match the float64 JAX reference")
  func matchesJAX() {
    let c = Self.referenceConfiguration
    let model = TransformerLM(c)
    #expect(model.parameterCount == TransformerReferenceData.parameterCount)
    let (loss, gradient) = evaluate(model, recipeParameters(c), recipeTokens(c))
    // Float32 forward of ~15 dependent stages on values of order 1: the loss (≈ 4.16) keeps
    // ~6 significant digits; JAX's own float32 loss differs from float64 by ~3e-8 relative.
    #expect(abs(loss - TransformerReferenceData.loss) < 2e-5 * TransformerReferenceData.loss)
    // Sampled entries: float32 backward accumulates rounding of order 1e-6 relative to the
    // largest gradients (|g| ≤ ~0.2); 2e-5 absolute plus 1e-3 relative leaves a margin while
    // catching any wrong term (those are off by ≥ 1e-3 of the gradient norm, ~2e-3).
    var worst = 0.0
    for (i, expected) in TransformerReferenceData.sampledGradient.enumerated() {
      let actual = Double(gradient[i * TransformerReferenceData.gradientStride])
      worst = max(worst, abs(actual - expected) / (2e-5 + 1e-3 * abs(expected)))
    }
    #expect(worst <= 1, "worst scaled gradient error \(worst)")
    var offset = 0
    for (segment, reference) in zip(model.segments, TransformerReferenceData.segmentGradientNorms) {
      let count = segment.shape.reduce(1, *)
      let norm = gradient[offset..<(offset + count)].reduce(0.0) { $0 + Double($1) * Double($1) }
        .squareRoot()
      #expect(segment.name == reference.name)
      // Norms aggregate many entries, so their float32 error is relative: 1e-4 of the norm
      // plus an absolute floor for the near-zero LayerNorm segments (|g| ~ 5e-4).
      #expect(
        abs(norm - reference.norm) <= 1e-4 * reference.norm + 1e-7,
        "\(segment.name): \(norm) vs \(reference.norm)")
      offset += count
    }
  }

  @Test("one and two threads give bit-identical losses and gradients")
  func threadInvariance() {
    let c = Self.referenceConfiguration
    let p = recipeParameters(c)
    let tokens = recipeTokens(c)
    let one = evaluate(TransformerLM(c, threads: 1), p, tokens)
    let two = evaluate(TransformerLM(c, threads: 2), p, tokens)
    #expect(one.loss == two.loss)
    #expect(one.gradient == two.gradient)
  }

  @Test("the portable kernel path agrees with the selected path")
  func portableAgreement() {
    var c = Self.referenceConfiguration
    c.batchSize = 2
    let p = recipeParameters(c)
    let tokens = recipeTokens(c)
    let fast = evaluate(TransformerLM(c, threads: 1, kernelPath: .selected), p, tokens)
    let portable = evaluate(TransformerLM(c, threads: 1, kernelPath: .portable), p, tokens)
    // Different summation orders inside the GEMMs only: float32 rounding, ~1e-6 relative.
    #expect(abs(fast.loss - portable.loss) < 1e-5)
    let worst = zip(fast.gradient, portable.gradient).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-5)
  }

  @Test("a tiny Transformer's gradient matches finite differences of its loss")
  func finiteDifferences() {
    let c = TransformerConfiguration(
      vocabularySize: 7, modelWidth: 8, layerCount: 2, headCount: 2, mlpWidth: 12,
      sequenceLength: 5, batchSize: 3)
    let model = TransformerLM(c, threads: 1)
    var p = recipeParameters(c)
    let tokens = recipeTokens(c)
    let (_, gradient) = evaluate(model, p, tokens)
    let h: Float = 2e-3
    var worst: Float = 0
    let largest = gradient.map(abs).max()!
    for i in stride(from: 0, to: p.count, by: 5) {
      let original = p[i]
      p[i] = original + h
      let plus = p.withUnsafeBufferPointer { pp in
        tokens.withUnsafeBufferPointer { model.loss(parameters: pp, tokens: $0) }
      }
      p[i] = original - h
      let minus = p.withUnsafeBufferPointer { pp in
        tokens.withUnsafeBufferPointer { model.loss(parameters: pp, tokens: $0) }
      }
      p[i] = original
      worst = max(worst, abs(Float((plus - minus) / Double(2 * h)) - gradient[i]))
    }
    // The residual stream of this tiny model has σ ≈ 0.1, so LayerNorm is strongly curved on
    // the scale of h: h = 2e-3 keeps the truncation error h²·|f'''|/6 near 5e-4, and float32
    // rounding of a loss ≈ 2 adds 2⁻²⁴·2/h ≈ 6e-5. Wrong terms show up as errors ≳ 1e-2.
    #expect(worst < 3e-3 * max(largest, 0.1), "worst \(worst), largest \(largest)")
  }

  @Test("initialization is deterministic with N(0, 0.02) weights, unit gains, zero biases")
  func initialization() {
    let model = TransformerLM(.reference)
    var a = [Float](repeating: 0, count: model.parameterCount)
    var b = a
    a.withUnsafeMutableBufferPointer { model.initializeParameters($0, seed: 7) }
    b.withUnsafeMutableBufferPointer { model.initializeParameters($0, seed: 7) }
    #expect(a == b)
    let weights = Array(a[0..<4096])
    let mean = weights.reduce(0.0) { $0 + Double($1) } / 4096
    let std = (weights.reduce(0.0) { $0 + Double($1) * Double($1) } / 4096).squareRoot()
    // 4096 samples: the standard error of the mean is 0.02/64 ≈ 3e-4, of the std ≈ 2.2e-4.
    #expect(abs(mean) < 1.5e-3)
    #expect(abs(std - 0.02) < 1.5e-3)
    let gainOffset = 4096 + 32 * 64
    #expect(a[gainOffset..<(gainOffset + 64)].allSatisfy { $0 == 1 })
    #expect(a[(gainOffset + 64)..<(gainOffset + 128)].allSatisfy { $0 == 0 })
  }

  @Test("the initial loss is close to ln V")
  func initialLoss() {
    var c = TransformerConfiguration.reference
    c.batchSize = 2
    let model = TransformerLM(c)
    var p = [Float](repeating: 0, count: model.parameterCount)
    p.withUnsafeMutableBufferPointer { model.initializeParameters($0, seed: 1) }
    let loss = p.withUnsafeBufferPointer { pp in
      recipeTokens(c).withUnsafeBufferPointer { model.loss(parameters: pp, tokens: $0) }
    }
    // With 0.02-scale weights, logits are ~1e-2: the loss is ln 64 ± 0.05.
    #expect(abs(loss - Foundation.log(64)) < 0.05)
  }
}
