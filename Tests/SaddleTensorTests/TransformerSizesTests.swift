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
}
