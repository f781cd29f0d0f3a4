import Foundation
import SaddleCore

/// What one step through the C API did.
enum StepOutcome: Equatable {
  /// The step was taken; the loss before it.
  case taken(loss: Double)
  /// A non-finite step was dropped (policy `skip`); parameters unchanged.
  case skipped(message: String)
  /// The state went back to the last good snapshot (policy `rollback`); parameters rewritten.
  case rolledBack(message: String)
  /// The run stopped (policy `stop`, or too many failed attempts); further steps are refused.
  case stopped(message: String)
}

/// One optimizer behind the C API: a spec built by the registry, its state, the callback model
/// and the non-finite policy, applied exactly as ``Trainer`` applies it.
///
/// The only place that depends on the optimizer's API (`makeState`, `step`, `summary`).
final class OptimizerHandle {
  let optimizer: DynamicOptimizer
  var state: OptimizerState<[AnyRuleState]>
  let model: CallbackModel
  let policy: NonFinitePolicy
  /// Why the optimizer stopped, once it has.
  private(set) var stopped: String?
  /// True while a step runs: a callback must not re-enter the optimizer (the C API refuses).
  private(set) var busy = false
  private var snapshot: OptimizerState<[AnyRuleState]>?
  private var failures = 0

  init(
    optimizer: DynamicOptimizer, parameters: ParameterVector, layout: ParameterLayout,
    seed: UInt64, policy: NonFinitePolicy, exactHessianVectorProduct: Bool
  ) {
    self.optimizer = optimizer
    self.policy = policy
    model = CallbackModel(
      layout: layout, hasExactHessianVectorProduct: exactHessianVectorProduct)
    state = optimizer.makeState(parameters: parameters, layout: layout, seed: seed)
  }

  var count: Int { state.context.parameters.count }

  /// One step from the caller's `parameters` (updated in place) with its `loss` and `gradient`
  /// there; `callbacks` answer every further evaluation.
  func step(
    parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, loss: Double,
    callbacks: Callbacks
  ) -> StepOutcome {
    if let stopped {
      return .stopped(message: "the optimizer has stopped (\(stopped)); load a saved state")
    }
    busy = true
    defer { busy = false }
    let n = count
    state.context.parameters.withUnsafeMutableBufferPointer {
      $0.baseAddress?.update(from: parameters, count: n)
    }
    switch policy.action {
    case .stop: break
    case .skip: snapshot = state
    case .rollback:
      if snapshot.map({ state.step >= $0.step + policy.snapshotInterval }) ?? true {
        snapshot = state
        failures = 0
      }
    }
    model.begin(
      parameters: state.context.parameters.unsafeBaseAddress, gradient: gradient, loss: loss,
      callbacks: callbacks)
    defer { model.end() }
    let failure: String
    do {
      let before = try optimizer.step(&state, model: model)
      if let bad = model.failure {
        failure = "non-finite evaluation at step \(state.step - 1): \(bad)"
      } else {
        if policy.action == .skip {
          snapshot = nil
          failures = 0
        }
        copyParameters(to: parameters)
        return .taken(loss: before)
      }
    } catch {
      failure = error.description + (model.failure.map { " (\($0))" } ?? "")
    }
    return react(to: failure, parameters: parameters)
  }

  /// The non-finite policy, as ``Trainer/run(_:continuing:)`` applies it.
  private func react(to failure: String, parameters: UnsafeMutablePointer<Float>) -> StepOutcome {
    failures += 1
    guard let saved = snapshot, failures <= policy.maxConsecutiveFailures else {
      let message =
        failures > 1 ? "\(failure) (gave up after \(failures) failed attempts)" : failure
      if let snapshot { restore(from: snapshot) }
      stopped = message
      return .stopped(message: message)
    }
    let scale = state.context.learningRateScale
    restore(from: saved)
    if policy.action == .rollback {
      state.context.learningRateScale = scale * policy.rollbackFactor
      copyParameters(to: parameters)
      let newScale = state.context.learningRateScale
      return .rolledBack(
        message: "\(failure); rolled back to step \(state.step), learning-rate scale \(newScale)")
    }
    snapshot = nil
    state.context.step += 1
    return .skipped(message: "\(failure); step skipped")
  }

  /// Puts a good state back, keeping the evaluations spent since.
  private func restore(from saved: OptimizerState<[AnyRuleState]>) {
    let evaluations = state.evaluations
    state = saved
    state.evaluations = evaluations
  }

  private func copyParameters(to parameters: UnsafeMutablePointer<Float>) {
    let n = count
    state.context.parameters.withUnsafeBufferPointer {
      if let base = $0.baseAddress { parameters.update(from: base, count: n) }
    }
  }

  /// Replaces the state with a decoded one (checked by ``StateBlob``); clears any stop.
  func load(_ newState: OptimizerState<[AnyRuleState]>) {
    state = newState
    stopped = nil
    snapshot = nil
    failures = 0
  }

  /// Scalars for logging: step, loss, curvature, learning-rate scale, counts, every stage's
  /// summary (learning rates, counters) and the last step's metrics.
  func metrics() -> JSONValue {
    func number(_ x: Double) -> JSONValue { x.isFinite ? .double(x) : .null }
    let counts = state.evaluations
    var object: [String: JSONValue] = [
      "step": .int(state.step),
      "loss": number(state.context.loss),
      "learningRateScale": number(state.context.learningRateScale),
      "curvature": state.context.curvature.map { number($0.curvature) } ?? .null,
      "counts": .object([
        "gradients": .int(counts.gradients), "losses": .int(counts.losses),
        "hessianVectorProducts": .int(counts.hessianVectorProducts), "cost": .int(counts.cost),
      ]),
      "summary": .object(optimizer.summary(of: state).mapValues(number)),
      "metrics": .object(state.context.metrics.values.mapValues(number)),
    ]
    if let segments = state.context.curvature?.segmentCurvatures {
      object["segmentCurvatures"] = .array(segments.map(number))
    }
    object["stopped"] = stopped.map { .string($0) } ?? .null
    return .object(object)
  }
}
