import Foundation

/// Writes a CSV metrics log: one row per `every`-th step with `step`, `time` (seconds since
/// the run started), `loss`, `cost`, the evaluation counts, `learningRateScale`, the stages'
/// summaries (learning rates, counters), their metrics (curvature, …) and held-out metrics
/// (`eval.NAME`, empty on rows without an evaluation).
///
/// The columns are fixed by the first 64 rows (buffered until then); a value whose name first
/// appears later goes to the last column, `extra`, as `name=value` pairs. Rollbacks and resumes
/// cut the file as the trace does.
public final class MetricsCSVObserver: TrainingObserver {
  let file: StepFile
  let every: Int
  let clock = ContinuousClock()
  let began: ContinuousClock.Instant
  var columns: [String]?
  var pending: [[String: String]] = []
  var pendingSnapshotIndex = 0
  static let fixed = [
    "step", "time", "loss", "cost", "gradEvals", "lossEvals", "hvpEvals", "learningRateScale",
  ]
  /// The first write error, if any.
  public var writeError: String? { file.writeError }

  /// Opens `url` (truncated, or cut after `resumingAfter` and appended to, keeping its header).
  public init(url: URL, every: Int = 1, resumingAfter step: Int? = nil) throws(SpecError) {
    do {
      file = try StepFile(path: url.path, resumingAfter: step, stepOf: leadingStep)
    } catch {
      throw SpecError(field: "metrics", "cannot write '\(url.path)': \(error.reason)")
    }
    self.every = Swift.max(1, every)
    began = clock.now
    if file.offset > 0, let text = try? String(contentsOfFile: url.path, encoding: .utf8),
      let header = text.split(separator: "\n", maxSplits: 1).first, header.hasPrefix("step,")
    {
      columns = header.split(separator: ",").map(String.init)
    }
  }

  public func wantsStageSummary(atStep step: Int) -> Bool { step % every == 0 }

  public func trainer(didComplete record: StepRecord) -> Bool {
    guard record.skipped == nil, record.step % every == 0 else { return true }
    let elapsed = clock.now - began
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    var row: [String: String] = [
      "step": "\(record.step)", "time": String(format: "%.6f", seconds),
      "loss": csvNumber(record.loss), "cost": "\(record.evaluations.cost)",
      "gradEvals": "\(record.evaluations.gradients)",
      "lossEvals": "\(record.evaluations.losses)",
      "hvpEvals": "\(record.evaluations.hessianVectorProducts)",
      "learningRateScale": csvNumber(record.learningRateScale),
    ]
    for (key, value) in record.summary ?? [:] { row[key] = csvNumber(value) }
    for (key, value) in record.metrics.values { row[key] = csvNumber(value) }
    for (key, value) in record.evaluation ?? [:] { row["eval." + key] = csvNumber(value) }
    if columns == nil {
      pending.append(row)
      if pending.count >= 64 { writeHeader() }
    } else {
      file.write(format(row))
    }
    return true
  }

  func writeHeader() {
    let keys = Set(pending.flatMap(\.keys)).subtracting(Self.fixed).sorted()
    let columns = Self.fixed + keys + ["extra"]
    self.columns = columns
    file.write(columns.joined(separator: ",") + "\n")
    for row in pending { file.write(format(row)) }
    pending = []
  }

  func format(_ row: [String: String]) -> String {
    let columns = self.columns ?? []
    var fields = columns.map { row[$0] ?? "" }
    let known = Set(columns)
    let extra = row.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }
      .map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    if columns.last == "extra" { fields[fields.count - 1] = extra }
    return fields.joined(separator: ",") + "\n"
  }

  public func trainer(didTakeSnapshotAt step: Int) {
    file.snapshotOffset = file.offset
    pendingSnapshotIndex = pending.count
  }

  public func trainer(didRollBack event: TrainingHistory.NonFiniteEvent) {
    if columns == nil {
      pending.removeLast(pending.count - Swift.min(pending.count, pendingSnapshotIndex))
    } else {
      file.rollBack()
    }
  }

  public func trainer(didFinish history: TrainingHistory) {
    if columns == nil { writeHeader() }
    file.finish()
  }
}
