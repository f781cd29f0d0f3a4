import Testing

@testable import SaddleTensor

@Suite("Transformer sizes")
struct TransformerSizesTests {
  @Test("named sizes: parameter counts match the JAX peer's (jax_peer.py prints params=)")
  func parameterCounts() {
    // `jax_peer.py --vocab 65 --width 128 --layers 4 --heads 4 --mlp 512 --seq 64 --batch 12`
    // printed params=818241; the reference model's 110,400 is in baselines.md.
    #expect(TransformerConfiguration.named("reference")?.parameterCount == 110_400)
    #expect(TransformerConfiguration.named("deo-small")?.parameterCount == 818_241)
    // 12·d²·L + 13·d·L + (V + T)·d + 2d + d·V + V with V 65, d 384, L 6, T 256.
    let d = 384
    let expected = 12 * d * d * 6 + 13 * d * 6 + (65 + 256) * d + 2 * d + d * 65 + 65
    #expect(TransformerConfiguration.named("nanogpt-shakespeare")?.parameterCount == expected)
    #expect(expected == 10_795_841)
    #expect(TransformerConfiguration.named("nanogpt") == nil)
    #expect(
      TransformerConfiguration.named.map(\.name) == [
        "reference", "deo-small", "nanogpt-shakespeare",
      ])
  }

  @Test("gradient FLOPs: 6·N·B·T + 12·L·d·B·T², by hand for the reference model")
  func flops() {
    let c = TransformerConfiguration.reference
    // 6 · 110,400 · 1,024 + 12 · 2 · 64 · 32 · 32²
    #expect(c.gradientFLOPs == 678_297_600 + 50_331_648)
  }

  @Test("causal-block FLOPs: blocks of 16 query rows, fewer attention FLOPs than the square")
  func causalFLOPs() throws {
    // Blocks [16(b−1), 16b): query-block sum Σ 16·16b and key-block sum Σ 16·(T − 16(b−1)),
    // both T² in the full square; per unit of width 2·(4·query + 2·key), times L·d·B.
    // T = 32: 16·16 + 16·32 = 768 (of 1,024) for both.
    let reference = TransformerConfiguration.reference
    let referenceParameters: Double = 6 * 110_400 * 32 * 32
    let referenceCausal: Double = 2 * 6 * 768 * 2 * 64 * 32
    #expect(reference.causalGradientFLOPs == referenceParameters + referenceCausal)
    // T = 64: 256·(1 + 2 + 3 + 4) = 2,560 (of 4,096).
    let small = try #require(TransformerConfiguration.named("deo-small"))
    let smallParameters: Double = 6 * 818_241 * 12 * 64
    let smallCausal: Double = 2 * 6 * 2_560 * 4 * 128 * 12
    let smallFull: Double = 12 * 4 * 128 * 12 * 64 * 64
    #expect(small.causalGradientFLOPs == smallParameters + smallCausal)
    #expect(small.gradientFLOPs == smallParameters + smallFull)
    // T = 256: 256·(1 + … + 16) = 34,816 (53% of 65,536).
    let nano = try #require(TransformerConfiguration.named("nanogpt-shakespeare"))
    let nanoParameters: Double = 6 * 10_795_841 * 4 * 256
    let nanoCausal: Double = 2 * 6 * 34_816 * 6 * 384 * 4
    #expect(nano.causalGradientFLOPs == nanoParameters + nanoCausal)
  }

}
