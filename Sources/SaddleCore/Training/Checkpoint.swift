import Foundation

/// A saved training run: the optimizer state (parameters, every stage's state, the random
/// stream, the step, the learning-rate scale and the evaluation counts) and the bounded
/// history summary.
///
/// On disk (see ``CheckpointStore``) a checkpoint is one header line of JSON — format, version,
/// identity (model layout, name and parameters, seed, start point, optimizer fields), step,
/// section lengths and an FNV-1a 64 checksum over the whole file — then the history summary
/// (one JSON line) and the optimizer state blob (``OptimizerState/serialized()``). All JSON has
/// sorted keys, so two identical runs write identical bytes. Parameter vectors are Base64 of
/// their raw bytes, so a resumed run continues with exactly the same bits.
public struct Checkpoint<RuleState: Codable & Sendable>: Sendable {
  /// The optimizer state to resume from.
  public var state: OptimizerState<RuleState>
  /// The training history summary up to ``state`` (the per-step record is in the history log
  /// it references).
  public var history: TrainingHistory
  /// What the checkpoint belongs to.
  public var identity: CheckpointIdentity

  /// A checkpoint of `state` and `history`, belonging to `identity`.
  public init(
    state: OptimizerState<RuleState>, history: TrainingHistory, identity: CheckpointIdentity
  ) {
    self.state = state
    self.history = history
    self.identity = identity
  }

  /// The number of completed steps.
  public var step: Int { state.step }
}

/// What a checkpoint belongs to: the model (layout, name, parameters), the run's origin (seed
/// and start point) and the optimizer's fingerprint. A checkpoint is only loaded for a matching
/// identity; a field is compared when both sides record it.
public struct CheckpointIdentity: Sendable, Equatable, Codable {
  /// The parameter layout: count, segment names and shapes.
  public var layout: ParameterLayout
  /// The model's name, e.g. `"rosenbrock"`.
  public var modelName: String?
  /// The model's settings (its stored properties, by reflection: dimension, rotation seed, …;
  /// classes and collections longer than 16 elements are summarized).
  public var modelParameters: [FingerprintField]?
  /// The seed the run started from.
  public var seed: UInt64?
  /// The start point: `fnv1a64:…` of the initial parameters' bytes.
  public var start: String?
  /// The optimizer's fields (see ``Optimizer/fingerprintFields``).
  public var optimizerFields: [FingerprintField]?

  /// An identity from a layout, a model name and an optimizer fingerprint.
  public init(
    layout: ParameterLayout, modelName: String? = nil,
    optimizerFields: [FingerprintField]? = nil, modelParameters: [FingerprintField]? = nil,
    seed: UInt64? = nil, start: String? = nil
  ) {
    self.layout = layout
    self.modelName = modelName
    self.optimizerFields = optimizerFields
    self.modelParameters = modelParameters
    self.seed = seed
    self.start = start
  }

  /// The identity of `model` trained with `optimizer`.
  public init<M: Model, R: UpdateRule>(
    model: M, optimizer: Optimizer<R>, modelName: String? = nil
  ) {
    self.init(
      layout: model.layout, modelName: modelName, optimizerFields: optimizer.fingerprintFields,
      modelParameters: modelFingerprint(model))
  }

  /// The digest that ``start`` records for `parameters`.
  public static func startDigest(_ parameters: ParameterVector) -> String {
    parameters.withUnsafeBufferPointer { buffer in
      fnv1a64Hex(UnsafeRawBufferPointer(buffer))
    }
  }

  /// The layout in one line, e.g. `3 parameters: w[2×1], b[1]`.
  var layoutSummary: String {
    let segments = layout.segments.map { s in
      "\(s.name)[\(s.shape.map(String.init).joined(separator: "×"))]"
    }
    return "\(layout.count) parameters: " + segments.joined(separator: ", ")
  }

  /// Why a checkpoint with identity `found` cannot be loaded for this identity, if it cannot:
  /// the first field that differs.
  func mismatch(with found: CheckpointIdentity, path: String) -> CheckpointError? {
    let sameLayout =
      found.layout.count == layout.count
      && found.layout.segments.map(\.name) == layout.segments.map(\.name)
      && found.layout.segments.map(\.shape) == layout.segments.map(\.shape)
    if !sameLayout {
      return .modelMismatch(
        path: path, field: "layout", expected: layoutSummary, found: found.layoutSummary)
    }
    if let mine = modelName, let theirs = found.modelName, mine != theirs {
      return .modelMismatch(path: path, field: "name", expected: mine, found: theirs)
    }
    if let mine = modelParameters, let theirs = found.modelParameters,
      let difference = FingerprintField.firstDifference(mine, theirs)
    {
      return .modelMismatch(
        path: path, field: difference.path.isEmpty ? "type" : difference.path,
        expected: difference.ours, found: difference.theirs)
    }
    if let mine = seed, let theirs = found.seed, mine != theirs {
      return .runMismatch(path: path, field: "seed", expected: "\(mine)", found: "\(theirs)")
    }
    if let mine = start, let theirs = found.start, mine != theirs {
      return .runMismatch(path: path, field: "start", expected: mine, found: theirs)
    }
    if let mine = optimizerFields {
      let theirs = found.optimizerFields ?? []
      if let difference = FingerprintField.firstDifference(mine, theirs) {
        return .optimizerMismatch(
          path: path, field: difference.path.isEmpty ? "type" : difference.path,
          expected: difference.ours, found: difference.theirs)
      }
    }
    return nil
  }
}

/// A model's settings for a checkpoint identity: its stored properties by reflection, with
/// classes skipped (caches) and long collections summarized by their length.
func modelFingerprint<M: Model>(_ model: M) -> [FingerprintField] {
  reflectedFields(of: model, limitCollections: 16, skipClasses: true)
}
