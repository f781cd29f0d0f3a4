import Foundation

/// Prints progress: a live bar with loss and steps/s on a terminal, a plain line every
/// `interval` steps otherwise (logs, CI).
public final class ProgressObserver: TrainingObserver {
  let totalSteps: Int?
  let interval: Int
  let isTerminal: Bool
  let start = Date()
  var lastDraw = Date.distantPast

  /// Progress towards `totalSteps` (if known), plain lines every `interval` steps.
  public init(totalSteps: Int?, interval: Int = 100, isTerminal: Bool? = nil) {
    self.totalSteps = totalSteps
    self.interval = Swift.max(1, interval)
    self.isTerminal = isTerminal ?? (isatty(STDOUT_FILENO) != 0)
  }

  public func trainer(didComplete record: StepRecord) -> Bool {
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(record.step) / elapsed : 0
    if isTerminal {
      let now = Date()
      guard now.timeIntervalSince(lastDraw) > 0.1 || record.step == totalSteps else { return true }
      lastDraw = now
      var bar = ""
      if let total = totalSteps, total > 0 {
        let filled = Int(30 * Double(record.step) / Double(total))
        bar =
          "[" + String(repeating: "#", count: filled)
          + String(repeating: ".", count: Swift.max(0, 30 - filled)) + "] "
      }
      let text = String(
        format: "\r%@step %d  loss %.6g  %.0f steps/s  cost %d", bar, record.step, record.loss,
        rate, record.evaluations.cost)
      FileHandle.standardOutput.write(Data(text.utf8))
    } else if record.step % interval == 0 {
      print(
        String(
          format: "step %d  loss %.6g  %.0f steps/s  cost %d", record.step, record.loss, rate,
          record.evaluations.cost))
    }
    return true
  }

  public func trainer(didFinish history: TrainingHistory) {
    if isTerminal { print("") }
  }
}

/// Writes one JSON object per step to a file: step, loss, evaluation counts and the stages'
/// metrics (and the parameters, when `includeParameters`).
public final class JSONLinesObserver: TrainingObserver {
  let handle: FileHandle
  let includeParameters: Bool
  /// The first write error, if any (the run continues; the caller reports it).
  public private(set) var writeError: String?

  /// Opens (truncates) `url` for writing.
  /// - Throws: ``SpecError`` naming the path when it cannot be created.
  public init(url: URL, includeParameters: Bool = false) throws(SpecError) {
    let handle: FileHandle
    do {
      handle = try FileOutput.openForStreaming(url.path)
    } catch {
      throw SpecError(field: "trace", "cannot write '\(url.path)': \(error.reason)")
    }
    self.handle = handle
    self.includeParameters = includeParameters
  }

  deinit { try? handle.close() }

  public func trainer(didComplete record: StepRecord) -> Bool {
    guard writeError == nil else { return true }
    var line = "{\"step\":\(record.step),\"loss\":\(jsonNumber(record.loss))"
    if includeParameters {
      line +=
        ",\"params\":[" + record.parameters.map { jsonNumber(Double($0)) }.joined(separator: ",")
        + "]"
    }
    line += ",\"gradEvals\":\(record.evaluations.gradients)"
    line += ",\"lossEvals\":\(record.evaluations.losses)"
    line += ",\"hvpEvals\":\(record.evaluations.hessianVectorProducts)"
    for (key, value) in record.metrics.values.sorted(by: { $0.key < $1.key }) {
      line += ",\"\(key)\":\(jsonNumber(value))"
    }
    for (key, value) in (record.evaluation ?? [:]).sorted(by: { $0.key < $1.key }) {
      line += ",\"eval.\(key)\":\(jsonNumber(value))"
    }
    line += "}\n"
    do {
      try handle.write(contentsOf: Data(line.utf8))
    } catch {
      writeError = "cannot write trace: \(FileOutput.describe(error))"
    }
    return true
  }

  public func trainer(didFinish history: TrainingHistory) {
    do { try handle.synchronize() } catch {
      if writeError == nil { writeError = "cannot write trace: \(FileOutput.describe(error))" }
    }
  }
}

/// A number as JSON (non-finite values become `null`). `Float`s widened to `Double` print
/// with enough digits to round-trip the original float.
func jsonNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : "null"
}
