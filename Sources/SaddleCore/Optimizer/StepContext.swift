import Dispatch

/// Everything one optimizer step works on, passed through the stages in order.
///
/// `direction` starts as the gradient; each stage transforms it in place, and the optimizer
/// applies `θ ← θ − direction` at the end (optax convention: rules produce the update to
/// subtract, learning rate included). Buffers live as long as the optimizer state, so a step
/// allocates nothing.
public struct StepContext: Sendable {
  /// The step index, from 0.
  public var step: Int
  /// How the parameters split into segments.
  public let layout: ParameterLayout
  /// The current parameters `θ`. Rules normally leave them alone; a rule that must move them
  /// directly (e.g. ``DimerReferenceStep``) may.
  public var parameters: ParameterVector
  /// `∇L(θ)` on the step's batch (stages read it; only the optimizer writes it).
  public var gradient: ParameterVector
  /// The working update direction; `θ ← θ − direction` ends the step.
  ///
  /// It starts each step equal to the gradient without a copy: the first stage that writes it
  /// reads the gradient and writes here. After the final fused pass its contents are
  /// unspecified (that pass writes only the new parameters, saving a store per element).
  public var direction: ParameterVector {
    get { directionIsGradient ? gradient : directionStorage }
    _modify {
      materializeDirection()
      yield &directionStorage
    }
    set {
      directionStorage = newValue
      directionIsGradient = false
    }
  }

  @usableFromInline var directionStorage: ParameterVector
  /// Whether `direction` is still the untouched gradient (not yet copied).
  @usableFromInline var directionIsGradient = false

  @inlinable
  mutating func materializeDirection() {
    if directionIsGradient {
      passCount &+= 1
      directionStorage.assign(gradient)
      directionIsGradient = false
    }
  }

  /// Where elementwise passes read the direction from: the gradient while untouched.
  @inlinable
  mutating func directionSource() -> UnsafeMutablePointer<Float> {
    // Passes only read through this pointer while the direction is the gradient.
    if directionIsGradient { return UnsafeMutablePointer(mutating: gradient.unsafeBaseAddress) }
    return directionStorage.unsafeMutableBaseAddress()
  }
  /// `L(θ)` on the step's batch.
  public var loss: Double
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
  @usableFromInline var nonFiniteReport: (quantity: NonFiniteValueError.Quantity, stage: String?)?

  /// Whether the final pass `θ ← θ − d` ran in this step, and the first index whose new value
  /// was not finite (−1 if none). Such elements keep their old value: a NaN never reaches the
  /// parameters.
  @usableFromInline var updateWritten = false
  @usableFromInline var firstNonFiniteUpdate = -1

  /// Passes over memory made by the executor and by elementwise stages in the current step
  /// (each fused group, separate elementwise pass, copy of the gradient into the direction
  /// and final `θ ← θ − d` counts one). Tests read it to check that stages fuse; it is not
  /// encoded.
  @usableFromInline package var passCount = 0

  /// The erased pipeline's block program, planned on the first step and reused (see
  /// ``DynamicChain``). Not encoded; per state, so two states never share one.
  @usableFromInline package var program: ProgramCache?

  /// A context for `parameters`, with zero gradient and direction.
  public init(parameters: ParameterVector, layout: ParameterLayout, seed: UInt64) {
    precondition(parameters.count == layout.count, "parameters do not match the layout")
    step = 0
    self.layout = layout
    self.parameters = parameters
    gradient = ParameterVector(count: layout.count)
    directionStorage = ParameterVector(count: layout.count)
    loss = .nan
    curvature = nil
    random = SeededGenerator(seed: seed ^ 0x5AD_D1E)
    metrics = StepMetrics()
  }

  /// The final pass of a step when the last stage is not elementwise: `θ ← θ − direction`
  /// in place, except that an element whose new value would not be finite keeps its old value.
  @inlinable
  public mutating func updateParameters() {
    updateWritten = true
    if updateIsBlocked { return }
    let d = directionSource()
    let p = parameters.unsafeMutableBaseAddress()
    let scale = updateScale
    passCount &+= 1
    firstNonFiniteUpdate = firstNonFinite(count: parameters.count) { range in
      fusedUpdatePass(Identity.Kernel(), d, p, range, scale: scale)
    }
  }

  /// Records that a stage produced a non-finite value (e.g. an estimator's curvature). The
  /// optimizer ends the step with a ``NonFiniteValueError`` naming `quantity` and `stage`, and
  /// leaves the parameters unchanged. The first report of a step wins.
  public mutating func reportNonFinite(_ quantity: NonFiniteValueError.Quantity, stage: String?) {
    if nonFiniteReport == nil { nonFiniteReport = (quantity, stage) }
  }

  /// Whether the final pass should leave the parameters alone (a stage reported a non-finite
  /// value this step): the optimizer then ends the step with an error.
  @inlinable
  var updateIsBlocked: Bool { nonFiniteReport != nil }

  /// The factor the final pass applies to the direction: ``learningRateScale`` as a `Float`.
  @inlinable
  var updateScale: Float { Float(learningRateScale) }

  /// Starts a step's update (called by the optimizer before the stages run).
  @inlinable
  mutating func beginUpdate() {
    updateWritten = false
    firstNonFiniteUpdate = -1
    nonFiniteReport = nil
    passCount = 0
    metrics.values.removeAll(keepingCapacity: true)
  }

  /// Applies the update if no stage did; returns whether every new value was finite.
  @inlinable
  mutating func commitUpdate() -> Bool {
    if !updateWritten { updateParameters() }
    return firstNonFiniteUpdate < 0
  }

  /// The name of the first segment of `vector` that holds a NaN or an infinity.
  @usableFromInline
  func firstNonFiniteSegment(in vector: ParameterVector) -> String? {
    for segment in layout.segments where segment.range.contains(where: { !vector[$0].isFinite }) {
      return segment.name
    }
    return nil
  }
}

/// Runs `body` over `0..<count` (in parallel chunks) and returns the smallest index any
/// chunk reported, or −1 when none did.
@inlinable
func firstNonFinite(count: Int, _ body: (Range<Int>) -> Int) -> Int {
  Kernels.parallelFirstIndex(count, body)
}

/// Named scalar values that stages report for one step (read by observers).
public struct StepMetrics: Sendable, Codable, Equatable {
  /// The values by name, e.g. `"adam.learningRate"`, `"curvature"`.
  public var values: [String: Double] = [:]

  /// An empty set of metrics.
  public init() {}

  /// The value named `name`.
  public subscript(name: String) -> Double? {
    get { values[name] }
    set { values[name] = newValue }
  }
}
