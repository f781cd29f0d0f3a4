import Foundation

/// Writes a JSON-lines trace: one object per `every`-th step with step, wall time (seconds
/// since the run started), loss, the listed parameters, evaluation counts, the current learning
/// rates (the stages' `…learningRate` summaries times the rollback scale), the stages' metrics
/// and held-out metrics; plus event lines for skipped steps and rollbacks.
///
/// After a rollback the lines of the undone steps are removed (the file is cut back to the
/// snapshot) and a `{"step":S,"event":"rollback",…}` line records it, so the trace holds
/// exactly the kept steps. Resuming (`resumingAfter:`) keeps the lines up to the checkpoint's
/// step and appends after them.
public final class JSONLinesObserver: TrainingObserver {
  let file: StepFile
  let parameters: TraceParameters
  let every: Int
  let clock = ContinuousClock()
  let began: ContinuousClock.Instant
  /// The first write error, if any (the run continues; the caller reports it).
  public var writeError: String? { file.writeError }

  /// Opens `url`: truncated, or with `resumingAfter` cut after that step's lines and appended
  /// to. Lists `parameters` every `every` steps.
  /// - Throws: ``SpecError`` naming the path when it cannot be opened.
  public init(
    url: URL, parameters: TraceParameters = .all, every: Int = 1, resumingAfter step: Int? = nil
  ) throws(SpecError) {
    do {
      file = try StepFile(path: url.path, resumingAfter: step, stepOf: leadingStep)
    } catch {
      throw SpecError(field: "trace", "cannot write '\(url.path)': \(error.reason)")
    }
    self.parameters = parameters
    self.every = Swift.max(1, every)
    began = clock.now
  }

  /// A trace listing every parameter (`includeParameters`) or none.
  public convenience init(url: URL, includeParameters: Bool) throws(SpecError) {
    try self.init(url: url, parameters: includeParameters ? .all : .none)
  }

  var seconds: Double {
    let elapsed = clock.now - began
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }

  public func wantsStageSummary(atStep step: Int) -> Bool { step % every == 0 }

  public func trainer(didComplete record: StepRecord) -> Bool {
    let time = String(format: "%.6f", seconds)
    if let event = record.skipped {
      file.write(
        "{\"step\":\(record.step),\"event\":\"skip\",\"time\":\(time),\"error\":"
          + jsonString(event.error) + "}\n")
      return true
    }
    guard record.step % every == 0 else { return true }
    var line = "{\"step\":\(record.step),\"time\":\(time),\"loss\":\(jsonNumber(record.loss))"
    let shown = parameters.count(of: record.parameters.count)
    if shown > 0 {
      line += ",\"params\":["
      record.parameters.withUnsafeBufferPointer { buffer in
        for i in 0..<shown {
          if i > 0 { line += "," }
          line += jsonNumber(Double(buffer[i]))
        }
      }
      line += "]"
    }
    line += ",\"gradEvals\":\(record.evaluations.gradients)"
    line += ",\"lossEvals\":\(record.evaluations.losses)"
    line += ",\"hvpEvals\":\(record.evaluations.hessianVectorProducts)"
    for (key, value) in (record.summary ?? [:]).sorted(by: { $0.key < $1.key })
    where key.hasSuffix("learningRate") {
      line += ",\"\(key)\":\(jsonNumber(value * record.learningRateScale))"
    }
    if record.learningRateScale != 1 {
      line += ",\"learningRateScale\":\(jsonNumber(record.learningRateScale))"
    }
    for (key, value) in record.metrics.values.sorted(by: { $0.key < $1.key }) {
      line += ",\"\(key)\":\(jsonNumber(value))"
    }
    for (key, value) in (record.evaluation ?? [:]).sorted(by: { $0.key < $1.key }) {
      line += ",\"eval.\(key)\":\(jsonNumber(value))"
    }
    file.write(line + "}\n")
    return true
  }

  public func trainer(didTakeSnapshotAt step: Int) { file.snapshotOffset = file.offset }

  public func trainer(didRollBack event: TrainingHistory.NonFiniteEvent) {
    file.rollBack()
    file.write(
      "{\"step\":\(event.restoredStep ?? event.step),\"event\":\"\(event.action.rawValue)\","
        + "\"time\":\(String(format: "%.6f", seconds)),\"failedStep\":\(event.step),"
        + "\"learningRateScale\":\(jsonNumber(event.learningRateScale)),\"error\":"
        + jsonString(event.error) + "}\n")
    // Later rollbacks to the same snapshot keep this event line.
    file.snapshotOffset = file.offset
  }

  public func trainer(didFinish history: TrainingHistory) { file.finish() }
}
