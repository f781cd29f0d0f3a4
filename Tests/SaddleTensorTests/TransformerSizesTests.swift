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

  @Test("causal-block FLOPs: the full square up to 48 tokens, fewer attention FLOPs beyond")
  func causalFLOPs() throws {
    // T = 32 is one block of 48 rows: nothing is skipped.
    let reference = TransformerConfiguration.reference
    #expect(reference.causalGradientFLOPs == reference.gradientFLOPs)
    // T = 64: blocks [0, 48), [48, 64). Query blocks 48·48 + 16·64 = 3,328, key blocks
    // 48·64 + 16·16 = 3,328 (both T² = 4,096 in the full square); per unit of width
    // 2·(4·3,328 + 2·3,328) = 39,936, times L·d·B = 4·128·12.
    let small = try #require(TransformerConfiguration.named("deo-small"))
    let smallParameters: Double = 6 * 818_241 * 12 * 64
    let smallCausal: Double = 39_936 * 4 * 128 * 12
    let smallFull: Double = 12 * 4 * 128 * 12 * 64 * 64
    #expect(small.causalGradientFLOPs == smallParameters + smallCausal)
    #expect(small.gradientFLOPs == smallParameters + smallFull)
    // T = 256: five full blocks of 48 and one of 16: Σ 48·48k (k = 1…5) + 16·256 = 38,656 for
    // both kinds, 59% of T² = 65,536.
    let nano = try #require(TransformerConfiguration.named("nanogpt-shakespeare"))
    let nanoParameters: Double = 6 * 10_795_841 * 4 * 256
    let nanoCausal: Double = 2 * 6 * 38_656 * 6 * 384 * 4
    #expect(nano.causalGradientFLOPs == nanoParameters + nanoCausal)
  }
}
