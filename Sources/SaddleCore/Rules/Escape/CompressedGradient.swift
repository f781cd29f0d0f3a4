/// Gradient compression with error feedback (Stich, Cordonnier & Jaggi 2018; Karimireddy,
/// Rebjock, Stich & Jaggi 2019, "Error Feedback Fixes SignSGD and other Gradient Compression
/// Schemes", ICML 2019, arXiv 1901.09847 — EF-SGD, "incorporating the error made by the
/// compression operator into the next step"; only its abstract was read, so its algorithm
/// number is not cited), the communication-efficient setting of compressed SGD.
///
/// With error memory `e` (zero at start): `p = d + e`, `c = C(p)`, `e ← p − c`, `d ← c`;
/// without error feedback `d ← C(d)`. `C` keeps `k` coordinates and zeroes the rest:
/// `.topK(k)` the `k` largest `|pᵢ|` (ties broken by lower index), `.randomK(k)` `k` uniformly
/// random distinct coordinates from ``StepContext/random`` (unscaled, the error-feedback
/// convention). Use it before the base rule (it compresses the gradient) or after it (the
/// update). Cost: no evaluations; `O(n)` time (top-k by quickselect).
public struct CompressedGradient: UpdateRule, Sendable {
  /// Which coordinates survive.
  public enum Compression: Sendable, Hashable, Codable {
    /// The `k ≥ 1` largest magnitudes.
    case topK(Int)
    /// `k ≥ 1` uniformly random coordinates.
    case randomK(Int)
  }

  /// The compressor.
  public var compression: Compression
  /// Whether the dropped part is remembered and added back next step.
  public var errorFeedback: Bool

  /// Compression keeping `k ≥ 1` coordinates (capped at the parameter count).
  public init(
    _ compression: Compression,
    errorFeedback: Bool = CompressedGradient.Parameters.errorFeedback.default
  ) {
    switch compression {
    case .topK(let k), .randomK(let k):
      precondition(k >= 1, "CompressedGradient: k must be ≥ 1, got \(k)")
    }
    self.compression = compression
    self.errorFeedback = errorFeedback
  }

  /// The error memory (encoded) and selection scratch (not encoded).
  public struct State: Codable, Sendable {
    /// The accumulated dropped part `e`.
    public var error: ParameterVector?
    var magnitudes: [Float] = []
    var indices: [Int] = []
    var kept: [Bool] = []

    enum CodingKeys: String, CodingKey { case error }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.direction.count
    guard n > 0 else { return }
    if errorFeedback {
      prepareScratch(&state.error, count: n)
      context.direction.add(state.error!)
    }
    if state.kept.count != n { state.kept = Array(repeating: false, count: n) }
    for i in 0..<n { state.kept[i] = false }
    let d = context.direction.unsafeMutableBaseAddress()
    switch compression {
    case .topK(let requested):
      markTopK(d, count: n, k: requested, kept: &state.kept, magnitudes: &state.magnitudes)
    case .randomK(let requested):
      markRandomK(
        count: n, k: requested, kept: &state.kept, indices: &state.indices,
        using: &context.random)
    }
    let e = errorFeedback ? state.error!.unsafeMutableBaseAddress() : nil
    for i in 0..<n {
      if state.kept[i] {
        e?[i] = 0
      } else {
        e?[i] = d[i]
        d[i] = 0
      }
    }
  }
}

/// Marks in `kept` (all `false` on entry) the `min(k, n)` entries of `d` largest in magnitude;
/// ties at the threshold are taken in index order, NaN counts as smallest. `magnitudes` is
/// scratch.
func markTopK(
  _ d: UnsafeMutablePointer<Float>, count n: Int, k requested: Int, kept: inout [Bool],
  magnitudes: inout [Float]
) {
  let k = Swift.min(requested, n)
  if magnitudes.count != n { magnitudes = Array(repeating: 0, count: n) }
  for i in 0..<n { magnitudes[i] = d[i].isNaN ? -1 : abs(d[i]) }
  let tau = kthLargest(&magnitudes, k)
  var taken = 0
  for i in 0..<n where abs(d[i]) > tau {
    kept[i] = true
    taken += 1
  }
  for i in 0..<n where taken < k && !kept[i] && abs(d[i]) == tau {
    kept[i] = true
    taken += 1
  }
}

/// Marks in `kept` (all `false` on entry) a uniform random `min(k, n)`-subset of `0..<n`, by a
/// partial Fisher–Yates shuffle of `indices` (scratch) with `generator`.
func markRandomK(
  count n: Int, k requested: Int, kept: inout [Bool], indices: inout [Int],
  using generator: inout SeededGenerator
) {
  let k = Swift.min(requested, n)
  if indices.count != n { indices = Array(0..<n) }
  for i in 0..<n { indices[i] = i }
  for i in 0..<k {
    let j = i + Int(generator.next() % UInt64(n - i))
    indices.swapAt(i, j)
    kept[indices[i]] = true
  }
}

/// The `k`-th largest value of `values` (1-based), by in-place quickselect (reorders `values`).
func kthLargest(_ values: inout [Float], _ k: Int) -> Float {
  var lo = 0
  var hi = values.count - 1
  let target = k - 1
  while lo < hi {
    let mid = lo + (hi - lo) / 2
    // Median of three as the pivot, descending order.
    let pivot = Swift.max(
      Swift.min(values[lo], values[mid]),
      Swift.min(Swift.max(values[lo], values[mid]), values[hi]))
    var i = lo
    var j = hi
    while i <= j {
      while values[i] > pivot { i += 1 }
      while values[j] < pivot { j -= 1 }
      if i <= j {
        values.swapAt(i, j)
        i += 1
        j -= 1
      }
    }
    if target <= j {
      hi = j
    } else if target >= i {
      lo = i
    } else {
      return values[target]
    }
  }
  return values[target]
}

extension CompressedGradient: SchemaDeclaring {
  /// The parameters of the `compress` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `k`: coordinates kept per step.
    public static let k = Parameter.integer(
      "k", default: 1, in: .atLeast(1), doc: "coordinates kept per step")
    /// `compression`: keep the k largest, or k random coordinates.
    public static let compression = Parameter.choice(
      "compression", default: "top-k", from: ["top-k", "random-k"],
      doc: "keep the k largest, or k random coordinates")
    /// `errorFeedback`: add what compression dropped to the next step.
    public static let errorFeedback = Parameter.bool(
      "errorFeedback", default: true, doc: "add what compression dropped to the next step")
  }

  /// `compress` in specs and `saddle list`.
  public static let schema = StageSchema(
    "compress",
    summary: "top-k / random-k compression with error feedback (Karimireddy et al. 2019)",
    parameters: [Parameters.k, Parameters.compression, Parameters.errorFeedback])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    let k = try p.read(Parameters.k)
    let kind = try p.read(Parameters.compression)
    self.init(
      kind == "top-k" ? .topK(k) : .randomK(k), errorFeedback: try p.read(Parameters.errorFeedback))
  }
}
