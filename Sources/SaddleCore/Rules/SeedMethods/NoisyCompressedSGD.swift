/// Compressed SGD with noise and periodically reset error feedback — Avdiukhin & Yaroslavtsev
/// (2021), "Escaping Saddle Points with Compressed SGD" (NeurIPS 2021; arXiv 2105.10090; seed
/// 001); preset `compressed-sgd-noisy`. Read of the paper: abstract and the start of the
/// introduction only — compressed SGD "converges to an ε-second-order stationary point", and
/// with the RandomK compressor does so "with the same number of iterations as uncompressed
/// SGD" (Jin et al. 2021). The update below (noise scale, reset schedule, error memory) is not
/// verified against the paper's algorithm box (algorithm numbering not verified).
///
/// Each step, with error memory `e` (zero at start) and step `η`:
/// `ζ ~ N(0, (r²/d)I)` (so `E‖ζ‖² = r²`), `p = e + η(g + ζ)`, `c = C(p)`, `θ ← θ − c`,
/// `e ← p − c`; and every `resetPeriod` steps the memory is cleared, `e ← 0` (the paper's
/// periodic reset that keeps the accumulated error, and with it the iterate's drift from
/// plain SGD, bounded). The injected noise is the escape mechanism: a compressor that never
/// selects the escape coordinate (top-k at a point whose escape component is exactly 0) leaves
/// the iterate at the saddle forever without it.
///
/// Compressors: ``Compressor/topK(_:)`` keeps the `k` largest `|pᵢ|` (biased, a
/// `k/d`-contraction); ``Compressor/randomK(_:)`` keeps `k` uniformly random coordinates scaled
/// by `d/k` (unbiased, `E C(p) = p`; use it without error feedback — with it, the memory
/// `e = p − (d/k)p` on kept coordinates grows and the iteration diverges). No equation numbers
/// are cited: the paper's equations were not reachable.
/// Cost: no evaluations beyond the step's gradient; `O(d)` time.
public struct NoisyCompressedSGD: UpdateRule, Sendable {
  /// The compression operator.
  public enum Compressor: Sendable, Hashable, Codable {
    /// The `k ≥ 1` largest magnitudes (biased).
    case topK(Int)
    /// `k ≥ 1` uniformly random coordinates, scaled by `d/k` (unbiased).
    case randomK(Int)
  }

  /// The step `η`.
  public var learningRate: LearningRate
  /// The compressor.
  public var compressor: Compressor
  /// The noise scale `r ≥ 0` (`E‖ζ‖² = r²`); `0` is compressed SGD without noise.
  public var noise: Double
  /// Whether the dropped part is remembered (error feedback).
  public var errorFeedback: Bool
  /// Clear the error memory every `resetPeriod ≥ 1` steps (`nil`: never).
  public var resetPeriod: Int?

  /// Compressed SGD with noise `noise` and error reset every `resetPeriod` steps.
  public init(
    learningRate: LearningRate,
    compressor: Compressor = .topK(CompressedGradient.Parameters.k.default),
    noise: Double = NoisyCompressedSGD.Parameters.noise.default,
    errorFeedback: Bool = NoisyCompressedSGD.Parameters.errorFeedback.default,
    resetPeriod: Int? = NoisyCompressedSGD.Parameters.resetPeriod.default
  ) {
    switch compressor {
    case .topK(let k), .randomK(let k): precondition(k >= 1, "NoisyCompressedSGD: k ≥ 1")
    }
    precondition(noise >= 0 && noise.isFinite, "NoisyCompressedSGD: noise must be ≥ 0")
    precondition((resetPeriod ?? 1) >= 1, "NoisyCompressedSGD: resetPeriod must be ≥ 1")
    self.learningRate = learningRate
    self.compressor = compressor
    self.noise = noise
    self.errorFeedback = errorFeedback
    self.resetPeriod = resetPeriod
  }

  /// The error memory, the step count and the random stream.
  public struct State: Codable, Sendable {
    /// `e`.
    public var error: ParameterVector?
    /// Steps taken.
    public var count = 0
    /// Noise and random-k draws.
    public var generator: SeededGenerator
    var magnitudes: [Float] = []
    var indices: [Int] = []
    var kept: [Bool] = []

    enum CodingKeys: String, CodingKey { case error, count, generator }

    init(generator: SeededGenerator) { self.generator = generator }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(generator: SeededGenerator(seed: mixSeed(seed, 0xC0_5E)))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.direction.count
    guard n > 0 else { return }
    let eta = Float(learningRate.value(at: state.count))
    state.count += 1
    prepareScratch(&state.error, count: n)
    if state.kept.count != n { state.kept = Array(repeating: false, count: n) }
    let sigma = Float(noise / Double(n).squareRoot())
    let d = context.direction.unsafeMutableBaseAddress()
    let e = state.error!.unsafeMutableBaseAddress()
    // p = e + η(g + ζ), written into the direction.
    for i in 0..<n {
      let zeta = noise > 0 ? sigma * Float(state.generator.nextGaussian()) : 0
      d[i] = (errorFeedback ? e[i] : 0) + eta * (d[i] + zeta)
      state.kept[i] = false
    }
    var scale: Float = 1
    switch compressor {
    case .topK(let requested):
      markTopK(d, count: n, k: requested, kept: &state.kept, magnitudes: &state.magnitudes)
    case .randomK(let requested):
      scale = Float(n) / Float(Swift.min(requested, n))
      markRandomK(
        count: n, k: requested, kept: &state.kept, indices: &state.indices,
        using: &state.generator)
    }
    // c = C(p) into the direction, e ← p − c.
    for i in 0..<n {
      let p = d[i]
      let c = state.kept[i] ? scale * p : 0
      e[i] = errorFeedback ? p - c : 0
      d[i] = c
    }
    if let resetPeriod, state.count % resetPeriod == 0 { state.error!.fill(with: 0) }
  }

  public func summary(of state: State) -> [String: Double] {
    ["compressed-sgd-noisy.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0))]
  }
}

extension NoisyCompressedSGD: SchemaDeclaring {
  /// The parameters of the `compressed-sgd-noisy` preset beyond `k` and `compression`.
  public enum Parameters {
    /// `resetPeriod`: clear the error memory every this many steps (0: never).
    public static let resetPeriod = Parameter.integer(
      "resetPeriod", default: 100, in: .atLeast(0),
      doc: "clear the error memory e every this many steps, 0: never")
    /// `learningRate`: η.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `noise`: the injected noise's scale.
    public static let noise = Parameter.number(
      "noise", default: 1e-2, in: .atLeast(0), doc: "scale of the Gaussian noise added to g")
    /// `errorFeedback`: error feedback, on for top-k and off for random-k by default.
    public static let errorFeedback = Parameter.bool(
      "errorFeedback", default: true, defaultText: "true (top-k), false (random-k)",
      doc: "add what compression dropped to the next step")
  }

  /// `compressed-sgd-noisy` in specs and `saddle list` (registered as a preset).
  public static let schema = StageSchema(
    "compressed-sgd-noisy",
    summary: "compressed SGD + injected noise + periodic error reset (Avdiukhin & Yaroslavtsev)",
    parameters: [
      CompressedGradient.Parameters.k, CompressedGradient.Parameters.compression,
      Parameters.resetPeriod, Parameters.learningRate, Parameters.noise, Parameters.errorFeedback,
    ])

  /// Builds the rule from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    let k = try p.read(CompressedGradient.Parameters.k)
    let kind = try p.read(CompressedGradient.Parameters.compression)
    let reset = try p.read(Parameters.resetPeriod)
    self.init(
      learningRate: try p.read(Parameters.learningRate),
      compressor: kind == "top-k" ? .topK(k) : .randomK(k),
      noise: try p.read(Parameters.noise),
      errorFeedback: try p.read(
        Parameters.errorFeedback.defaulting(
          to: kind == "top-k", text: Parameters.errorFeedback.spec.defaultText)),
      resetPeriod: reset == 0 ? nil : reset)
  }
}
