/// Sizes of a decoder-only Transformer language model (pre-LayerNorm, causal multi-head
/// attention, GELU MLP, learned token and position embeddings, untied head with bias).
public struct TransformerConfiguration: Sendable, Codable, Equatable, Hashable {
  /// Number of token classes `V`.
  public var vocabularySize: Int
  /// Residual-stream width `d`.
  public var modelWidth: Int
  /// Number of Transformer blocks.
  public var layerCount: Int
  /// Number of attention heads (`d` must be a multiple of it).
  public var headCount: Int
  /// Hidden width of each MLP.
  public var mlpWidth: Int
  /// Tokens per sequence `T` (the model sees `T` inputs and predicts `T` next tokens).
  public var sequenceLength: Int
  /// Sequences per batch `B`.
  public var batchSize: Int
  /// The LayerNorm `ε` in `(x − μ)/√(σ² + ε)`.
  public var layerNormEpsilon: Float
  /// Standard deviation of the normal initialization of weight matrices and embeddings.
  public var initializationScale: Float

  /// A configuration from its sizes.
  public init(
    vocabularySize: Int, modelWidth: Int, layerCount: Int, headCount: Int, mlpWidth: Int,
    sequenceLength: Int, batchSize: Int, layerNormEpsilon: Float = 1e-5,
    initializationScale: Float = 0.02
  ) {
    precondition(modelWidth % headCount == 0, "modelWidth must be a multiple of headCount")
    self.vocabularySize = vocabularySize
    self.modelWidth = modelWidth
    self.layerCount = layerCount
    self.headCount = headCount
    self.mlpWidth = mlpWidth
    self.sequenceLength = sequenceLength
    self.batchSize = batchSize
    self.layerNormEpsilon = layerNormEpsilon
    self.initializationScale = initializationScale
  }

  /// The reference model of the benchmarks: vocabulary 64, width 64, 2 layers, 4 heads,
  /// MLP 256, sequence 32, batch 32 — 110,400 parameters, 1,024 tokens per step.
  public static let reference = TransformerConfiguration(
    vocabularySize: 64, modelWidth: 64, layerCount: 2, headCount: 4, mlpWidth: 256,
    sequenceLength: 32, batchSize: 32)

  /// The DEO paper's small character model (its reference code's nanoGPT `shakespeare_char`
  /// setting, vocabulary 65): width 128, 4 layers, 4 heads, MLP 512, block 64, batch 12 —
  /// 818,241 parameters, 768 tokens per step.
  public static let deoSmall = TransformerConfiguration(
    vocabularySize: 65, modelWidth: 128, layerCount: 4, headCount: 4, mlpWidth: 512,
    sequenceLength: 64, batchSize: 12)

  /// nanoGPT's `shakespeare_char` model, the DEO paper's larger scale: vocabulary 65, width
  /// 384, 6 layers, 6 heads, MLP 1,536, context 256 — 10,795,841 parameters. The batch here
  /// is 4 rows (1,024 tokens), so one timed gradient stays under a second on two cores;
  /// nanoGPT trains it with 64 rows.
  public static let nanoGPTShakespeare = TransformerConfiguration(
    vocabularySize: 65, modelWidth: 384, layerCount: 6, headCount: 6, mlpWidth: 1536,
    sequenceLength: 256, batchSize: 4)

  /// The named sizes of `saddle bench transformer --config NAME`, smallest first.
  public static let named: [(name: String, configuration: TransformerConfiguration)] = [
    ("reference", .reference), ("deo-small", .deoSmall),
    ("nanogpt-shakespeare", .nanoGPTShakespeare),
  ]

  /// The configuration called `name` in ``named``, or nil.
  public static func named(_ name: String) -> TransformerConfiguration? {
    named.first { $0.name == name }?.configuration
  }

  /// Floating-point operations of one loss + gradient, the usual estimate (Kaplan et al. 2020,
  /// eq. 2.1–2.2; nanoGPT's `estimate_mfu`): `6·N·B·T` for the parameter products plus
  /// `12·L·d·B·T²` for the attention products `QKᵀ` and `A·V` (forward 4·B·T²·d per layer,
  /// backward twice that; the causal mask's skipped half is counted, as there).
  public var gradientFLOPs: Double {
    let (b, t) = (Double(batchSize), Double(sequenceLength))
    return 6 * Double(parameterCount) * b * t
      + 12 * Double(layerCount) * Double(modelWidth) * b * t * t
  }

  /// ``gradientFLOPs`` with the attention products counted as SaddleKit computes them: over the
  /// causal blocks only (``Tape/causalSelfAttention(_:batch:sequence:heads:)`` skips the masked
  /// upper triangle in blocks of 16 (`Tape.attentionBlock`) query rows). Per sequence, layer and
  /// unit of width, the query-block products (`QKᵀ`, `P·V`, `dY·Vᵀ`, `dS·K`) cost
  /// `2·Σ rows·i₁` and the key-block ones (`dSᵀ·Q`, `Pᵀ·dY`) `2·Σ rows·(T − i₀)` over the
  /// blocks `[i₀, i₁)`; both sums are `T²` in the full square, so this equals ``gradientFLOPs``
  /// when `T` is at most one block and approaches `6·N·B·T + 6·L·d·B·T²` for long sequences.
  public var causalGradientFLOPs: Double {
    let t = sequenceLength
    var (queryBlocks, keyBlocks) = (0, 0)
    for i0 in stride(from: 0, to: t, by: Tape.attentionBlock) {
      let i1 = min(t, i0 + Tape.attentionBlock)
      queryBlocks += (i1 - i0) * i1
      keyBlocks += (i1 - i0) * (t - i0)
    }
    let perWidth = Double(2 * (4 * queryBlocks + 2 * keyBlocks))
    return 6 * Double(parameterCount) * Double(batchSize) * Double(t)
      + Double(layerCount) * Double(modelWidth) * Double(batchSize) * perWidth
  }

  /// The number of tokens per batch row: `sequenceLength + 1` (inputs and shifted targets).
  public var tokensPerSequence: Int { sequenceLength + 1 }

  /// The parameter segments in flat-buffer order, with their shapes.
  public var segments: [(name: String, shape: [Int])] {
    let (v, d, f, t) = (vocabularySize, modelWidth, mlpWidth, sequenceLength)
    var result: [(name: String, shape: [Int])] = [
      ("embedding.token", [v, d]), ("embedding.position", [t, d]),
    ]
    for l in 0..<layerCount {
      let p = "layer\(l)."
      result += [
        (p + "attention_norm.gain", [d]), (p + "attention_norm.bias", [d]),
        (p + "attention.qkv.weight", [d, 3 * d]), (p + "attention.qkv.bias", [3 * d]),
        (p + "attention.output.weight", [d, d]), (p + "attention.output.bias", [d]),
        (p + "mlp_norm.gain", [d]), (p + "mlp_norm.bias", [d]),
        (p + "mlp.fc1.weight", [d, f]), (p + "mlp.fc1.bias", [f]),
        (p + "mlp.fc2.weight", [f, d]), (p + "mlp.fc2.bias", [d]),
      ]
    }
    result += [
      ("final_norm.gain", [d]), ("final_norm.bias", [d]),
      ("head.weight", [d, v]), ("head.bias", [v]),
    ]
    return result
  }

  /// The total number of parameters (the sum of the segment sizes).
  public var parameterCount: Int {
    segments.reduce(0) { $0 + $1.shape.reduce(1, *) }
  }
}
