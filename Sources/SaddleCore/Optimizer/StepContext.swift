import Dispatch

/// Everything one optimizer step works on, passed through the stages in order.
///
/// `direction` starts as the gradient; each stage transforms it in place, and the optimizer
/// applies `θ ← θ − direction` at the end (optax convention: rules produce the update to
/// subtract, learning rate included). Buffers live as long as the optimizer state, so a step
/// allocates nothing.
public struct StepContext: Sendable {
  /// The step index, from 0.
  public internal(set) var step: Int
  /// How the parameters split into segments.
  public let layout: ParameterLayout
  /// The current parameters `θ`. Rules normally leave them alone; a rule that must move them
  /// directly (e.g. ``DimerReferenceStep``) may.
  public var parameters: ParameterVector
  /// `∇L(θ)` on the step's batch.
  public internal(set) var gradient: ParameterVector
  /// The working update direction; `θ ← θ − direction` ends the step.
  public var direction: ParameterVector
  /// `L(θ)` on the step's batch.
  public internal(set) var loss: Double
  /// The latest curvature estimate (kept across steps until an estimator refreshes it).
  public var curvature: CurvatureEstimate?
  /// A deterministic random stream for rules (perturbations, random signs, masks).
  public var random: SeededGenerator
  /// Values observers read after the step (learning rate, curvature, gate openings, …).
  public var metrics: StepMetrics
  /// A multiplier on the final direction, `θ ← θ − s·direction`: 1 unless a rollback after a
  /// non-finite step reduced it (see ``NonFinitePolicy``). Checkpointed.
  public var learningRateScale: Double = 1
  /// A non-finite value a stage reported in the current step; the optimizer then refuses the
  /// update (see ``reportNonFinite(_:stage:)``).
  public internal(set) var nonFiniteReport:
    (quantity: NonFiniteValueError.Quantity, stage: String?)?

  /// Where the final pass writes `θ − d`; swapped with `parameters` only when finite, so a
  /// non-finite update never reaches the parameters (no copy, no extra pass).
  @usableFromInline var nextParameters: ParameterVector
  /// Whether the final pass ran in this step, and whether everything it wrote was finite.
  @usableFromInline var updateWritten = false
  @usableFromInline var updateIsFinite = true

  /// A context for `parameters`, with zero gradient and direction.
  public init(parameters: ParameterVector, layout: ParameterLayout, seed: UInt64) {
    precondition(parameters.count == layout.count, "parameters do not match the layout")
    step = 0
    self.layout = layout
    self.parameters = parameters
    gradient = ParameterVector(count: layout.count)
    direction = ParameterVector(count: layout.count)
    loss = .nan
    curvature = nil
    random = SeededGenerator(seed: seed ^ 0x5AD_D1E)
    metrics = StepMetrics()
    nextParameters = ParameterVector(count: layout.count)
  }

  /// The final pass of a step when the last stage is not elementwise: `θ ← θ − direction`.
  public mutating func updateParameters() {
    let d = direction.unsafeMutableBaseAddress()
    let p = parameters.unsafeMutableBaseAddress()
    let next = nextParameters.unsafeMutableBaseAddress()
    updateIsFinite = finitePass(count: direction.count) { range in
      var acc = SIMD8<Float>()
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let v = loadLanes(p, i) - loadLanes(d, i)
        storeLanes(v, next, i)
        acc += v - v
        i += 8
      }
      var tail: Float = 0
      while i < range.upperBound {
        next[i] = p[i] - d[i]
        tail += next[i] - next[i]
        i += 1
      }
      return acc.sum() + tail == 0
    }
    updateWritten = true
  }

  /// Records that a stage produced a non-finite value (e.g. an estimator's curvature). The
  /// optimizer ends the step with a ``NonFiniteValueError`` naming `quantity` and `stage`, and
  /// leaves the parameters unchanged. The first report of a step wins.
  public mutating func reportNonFinite(_ quantity: NonFiniteValueError.Quantity, stage: String?) {
    if nonFiniteReport == nil { nonFiniteReport = (quantity, stage) }
  }

  /// Multiplies the final direction by ``learningRateScale`` and rewrites the update (a pass
  /// that runs only when the scale is not 1, i.e. after a rollback).
  @usableFromInline
  mutating func applyLearningRateScale() {
    guard learningRateScale != 1 else { return }
    direction.scale(by: Float(learningRateScale))
    updateParameters()
  }

  /// Starts a step's update (called by the optimizer before the stages run).
  @usableFromInline
  mutating func beginUpdate() {
    updateWritten = false
    updateIsFinite = true
    nonFiniteReport = nil
    metrics.values.removeAll(keepingCapacity: true)
  }

  /// Makes the written update the parameters if it is finite; returns whether it was.
  @usableFromInline
  mutating func commitUpdate() -> Bool {
    if !updateWritten { updateParameters() }
    guard updateIsFinite else { return false }
    swap(&parameters, &nextParameters)
    return true
  }

  /// The name of the first segment of `vector` that holds a NaN or an infinity.
  func firstNonFiniteSegment(in vector: ParameterVector) -> String? {
    for segment in layout.segments where segment.range.contains(where: { !vector[$0].isFinite }) {
      return segment.name
    }
    return nil
  }
}

/// Runs `body` over `0..<count` in up to ``Kernels/threadCount`` chunks and returns whether
/// every chunk reported `true`.
@inlinable
func finitePass(count: Int, _ body: (Range<Int>) -> Bool) -> Bool {
  if count < Kernels.parallelThreshold || Kernels.threadCount <= 1 { return body(0..<count) }
  return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2) { flags in
    flags[0] = true
    flags[1] = true
    let box = UnsafeSendable(flags)
    let half = ((count + 1) / 2 + 15) & ~15
    withoutActuallyEscaping(body) { body in
      let work = UnsafeSendable(body)
      DispatchQueue.concurrentPerform(iterations: 2) { t in
        let lo = t * half
        let hi = Swift.min(count, lo + half)
        if lo < hi { box.value[t] = work.value(lo..<hi) }
      }
    }
    return flags[0] && flags[1]
  }
}

/// Named scalar values that stages report for one step (read by observers).
public struct StepMetrics: Sendable, Codable, Equatable {
  /// The values by name, e.g. `"adam.learningRate"`, `"dimer.curvature"`.
  public var values: [String: Double] = [:]

  /// An empty set of metrics.
  public init() {}

  /// The value named `name`.
  public subscript(name: String) -> Double? {
    get { values[name] }
    set { values[name] = newValue }
  }
}
