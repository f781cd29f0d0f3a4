import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A duration for people: `0.42 s`, `14.0 s`, `2 min 05 s`, `1 h 03 min`.
public func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "—" }
  if seconds < 1 { return String(format: "%.2f s", seconds) }
  if seconds < 60 { return String(format: "%.1f s", seconds) }
  let whole = Int(seconds.rounded())
  if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
  return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
}

/// Prints progress: on a terminal a live bar with loss, steps/s and the estimated time left;
/// otherwise a plain line every `interval` steps (logs, CI), with the same figures.
public final class ProgressObserver: TrainingObserver {
  let totalSteps: Int?
  let interval: Int
  let isTerminal: Bool
  let start = Date()
  var lastDraw = Date.distantPast
  var firstStep: Int?
  let write: (String) -> Void

  /// Progress towards `totalSteps` (if known), plain lines every `interval` steps when not on
  /// a terminal; `write` receives the text (standard output by default).
  public init(
    totalSteps: Int?, interval: Int = 100, isTerminal: Bool? = nil,
    write: ((String) -> Void)? = nil
  ) {
    self.totalSteps = totalSteps
    self.interval = Swift.max(1, interval)
    self.isTerminal = isTerminal ?? (isatty(STDOUT_FILENO) != 0)
    self.write = write ?? { FileHandle.standardOutput.write(Data($0.utf8)) }
  }

  /// The estimated time left, from the rate since the first step this process saw.
  func eta(step: Int, elapsed: Double) -> String? {
    guard let total = totalSteps, let first = firstStep, step > first, elapsed > 0 else {
      return nil
    }
    let rate = Double(step - first) / elapsed
    return formatDuration(Double(Swift.max(0, total - step)) / rate)
  }

  public func trainer(didComplete record: StepRecord) -> Bool {
    if firstStep == nil { firstStep = record.step - 1 }
    if !isTerminal && record.step % interval != 0 { return true }
    let now = Date()
    if isTerminal {
      guard now.timeIntervalSince(lastDraw) > 0.1 || record.step == totalSteps else { return true }
      lastDraw = now
    }
    let elapsed = now.timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(record.step - (firstStep ?? 0)) / elapsed : 0
    let eta = eta(step: record.step, elapsed: elapsed).map { "  ETA \($0)" } ?? ""
    let figures = String(
      format: "step %d%@  loss %.6g  %.0f steps/s  cost %d", record.step,
      totalSteps.map { "/\($0)" } ?? "", record.loss, rate, record.evaluations.cost)
    if isTerminal {
      var bar = ""
      if let total = totalSteps, total > 0 {
        let filled = Swift.min(30, Int(30 * Double(record.step) / Double(total)))
        bar =
          "[" + String(repeating: "#", count: filled)
          + String(repeating: ".", count: Swift.max(0, 30 - filled)) + "] "
      }
      write("\r\u{1B}[K" + bar + figures + eta)
    } else {
      write(figures + eta + "\n")
    }
    return true
  }

  public func trainer(didFinish history: TrainingHistory) {
    if isTerminal { write("\n") }
  }
}

/// Which parameters a trace line lists.
public enum TraceParameters: Sendable, Equatable {
  /// No parameters.
  case none
  /// Every parameter.
  case all
  /// The first `n` parameters.
  case first(Int)

  /// Parses `none`, `all` or `first:N` (N ≥ 1); `nil` otherwise.
  public init?(parsing text: String) {
    switch text {
    case "none": self = .none
    case "all": self = .all
    default:
      guard text.hasPrefix("first:"), let n = Int(text.dropFirst(6)), n >= 1 else { return nil }
      self = .first(n)
    }
  }

  /// The default: every parameter for models with at most 16, else the first 16.
  public static func defaultFor(count: Int) -> TraceParameters {
    count <= 16 ? .all : .first(16)
  }

  func count(of total: Int) -> Int {
    switch self {
    case .none: return 0
    case .all: return total
    case .first(let n): return Swift.min(n, total)
    }
  }
}

/// A streaming output file that can be cut back: opened for appending after the lines of steps
/// up to a given step (resume), truncated back to a remembered offset (rollback).
final class StepFile {
  let path: String
  let handle: FileHandle
  private(set) var offset: UInt64
  var snapshotOffset: UInt64 = 0
  var writeError: String?

  /// Opens `path`; with `resumingAfter`, keeps the lines whose leading step (`stepOf`) is at
  /// most that step, and lines without one (a CSV header), and cuts the rest; otherwise
  /// creates or truncates it.
  init(
    path: String, resumingAfter step: Int?, stepOf: @escaping (Substring) -> Int?
  ) throws(FileOutputError) {
    self.path = path
    guard let step, FileManager.default.fileExists(atPath: path) else {
      handle = try FileOutput.openForStreaming(path)
      offset = 0
      return
    }
    let fd = open(path, O_RDWR)
    guard fd >= 0 else { throw FileOutputError(path: path, reason: FileOutput.systemError()) }
    let keep = Self.keptLength(fd: fd, through: step, stepOf: stepOf)
    guard ftruncate(fd, off_t(keep)) == 0, lseek(fd, off_t(keep), SEEK_SET) >= 0 else {
      let reason = FileOutput.systemError()
      close(fd)
      throw FileOutputError(path: path, reason: reason)
    }
    handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    offset = UInt64(keep)
  }

  /// The byte length of the file's lines up to the last one whose step is at most `step`
  /// (lines without a step, such as a CSV header, count as kept; a last line without its
  /// newline is cut), reading backwards from the end in blocks: O(bytes cut), not O(file).
  static func keptLength(fd: Int32, through step: Int, stepOf: (Substring) -> Int?) -> Int {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return 0 }
    let blockSize = 65536
    var blocks: [Int: [UInt8]] = [:]
    func byte(_ i: Int) -> UInt8 {
      let index = i / blockSize
      if blocks[index] == nil {
        var block = [UInt8](repeating: 0, count: blockSize)
        let got = block.withUnsafeMutableBytes {
          pread(fd, $0.baseAddress!, blockSize, off_t(index * blockSize))
        }
        blocks[index] = Array(block.prefix(Swift.max(0, got)))
      }
      let block = blocks[index]!
      let k = i % blockSize
      return k < block.count ? block[k] : 0
    }
    /// The start of the line whose terminating newline is at `newline`.
    func lineStart(_ newline: Int) -> Int {
      var i = newline
      while i > 0 && byte(i - 1) != 0x0A { i -= 1 }
      return i
    }
    var end = Int(info.st_size)
    if end > 0 && byte(end - 1) != 0x0A { end = lineStart(end) }
    while end > 0 {
      let start = lineStart(end - 1)
      let bytes = (start..<(end - 1)).map(byte)
      let line = String(decoding: bytes, as: UTF8.self)
      if let lineStep = stepOf(line[...]), lineStep > step {
        end = start
        continue
      }
      return end
    }
    return 0
  }

  func write(_ text: String) {
    guard writeError == nil else { return }
    let data = Data(text.utf8)
    do {
      try handle.write(contentsOf: data)
      offset += UInt64(data.count)
    } catch {
      writeError = "cannot write '\(path)': \(FileOutput.describe(error))"
    }
  }

  /// Cuts the file back to `snapshotOffset`.
  func rollBack() {
    guard writeError == nil else { return }
    do {
      try handle.truncate(atOffset: snapshotOffset)
      offset = snapshotOffset
    } catch {
      writeError = "cannot truncate '\(path)': \(FileOutput.describe(error))"
    }
  }

  func finish() {
    do { try handle.synchronize() } catch {
      if writeError == nil { writeError = "cannot write '\(path)': \(FileOutput.describe(error))" }
    }
  }
}

/// The step a trace line (`{"step":N,…`) or a CSV row (`N,…`) starts with.
func leadingStep(_ line: Substring) -> Int? {
  var text = line
  if text.hasPrefix("{\"step\":") { text = text.dropFirst(8) }
  let digits = text.prefix { $0.isNumber }
  guard !digits.isEmpty else { return nil }
  return Int(digits)
}

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

/// A number as JSON (non-finite values become `null`). `Float`s widened to `Double` print
/// with enough digits to round-trip the original float.
func jsonNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : "null"
}

/// A number for CSV (non-finite values become an empty field).
func csvNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : ""
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}
