import Foundation

/// A saved training run: the optimizer state (parameters, every stage's state, the random
/// stream, the step, the learning-rate scale and the evaluation counts) and the history so far.
///
/// On disk (see ``CheckpointStore``) a checkpoint is one header line of JSON — format, version,
/// model layout, optimizer fingerprint, step, payload length and FNV-1a 64 checksum — followed
/// by the payload, the JSON of `{state, history}`. Parameter vectors are Base64 of their raw
/// bytes, so a resumed run continues with exactly the same bits.
public struct Checkpoint<RuleState: Codable & Sendable>: Sendable {
  /// The optimizer state to resume from.
  public var state: OptimizerState<RuleState>
  /// The training history up to ``state``.
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

/// What a checkpoint belongs to: the model's parameter layout (and optionally its name) and
/// the optimizer's fingerprint. A checkpoint is only loaded for a matching identity.
public struct CheckpointIdentity: Sendable, Equatable, Codable {
  /// The parameter layout: count, segment names and shapes.
  public var layout: ParameterLayout
  /// The model's name, e.g. `"rosenbrock"`; checked on load when both sides name one.
  public var modelName: String?
  /// The optimizer's fingerprint (see ``Optimizer/fingerprint``); checked on load when the
  /// caller gives one.
  public var optimizer: String?

  /// An identity from a layout, a model name and an optimizer fingerprint.
  public init(layout: ParameterLayout, modelName: String? = nil, optimizer: String? = nil) {
    self.layout = layout
    self.modelName = modelName
    self.optimizer = optimizer
  }

  /// The identity of `model` trained with `optimizer`.
  public init<M: Model, R: UpdateRule>(
    model: M, optimizer: Optimizer<R>, modelName: String? = nil
  ) {
    self.init(layout: model.layout, modelName: modelName, optimizer: optimizer.fingerprint)
  }

  /// The layout in one line, e.g. `3 parameters: w[2×1], b[1]`.
  var layoutSummary: String {
    let segments = layout.segments.map { s in
      "\(s.name)[\(s.shape.map(String.init).joined(separator: "×"))]"
    }
    return "\(layout.count) parameters: " + segments.joined(separator: ", ")
  }

  /// Why a checkpoint with identity `found` cannot be loaded for this identity, if it cannot.
  func mismatch(with found: CheckpointIdentity, path: String) -> CheckpointError? {
    let sameLayout =
      found.layout.count == layout.count
      && found.layout.segments.map(\.name) == layout.segments.map(\.name)
      && found.layout.segments.map(\.shape) == layout.segments.map(\.shape)
    if !sameLayout {
      return .modelMismatch(path: path, expected: layoutSummary, found: found.layoutSummary)
    }
    if let mine = modelName, let theirs = found.modelName, mine != theirs {
      return .modelMismatch(path: path, expected: "model '\(mine)'", found: "model '\(theirs)'")
    }
    if let mine = optimizer, mine != (found.optimizer ?? "") {
      return .optimizerMismatch(path: path, expected: mine, found: found.optimizer ?? "none")
    }
    return nil
  }
}
