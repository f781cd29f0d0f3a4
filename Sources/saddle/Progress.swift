import Foundation

/// Progress of a long command on stderr, with an estimate of the time left.
///
/// On a terminal one line is redrawn at most ten times a second
/// (`escape: 120/560 runs (21%), 14.0 s elapsed, about 52 s left`); otherwise (a pipe, a Slurm
/// log) the same text is printed as plain lines, at each tenth of the work and at least once a
/// minute, from the first line due after 2 seconds (work that finishes sooner prints none, so
/// errors stay one line). `SADDLE_PROGRESS=plain|terminal|off` overrides the detection
/// (`plain` also prints from the start). Thread-safe: workers call ``advance(_:)`` concurrently.
final class Progress: @unchecked Sendable {
  enum Mode { case terminal, plain, off }

  let label: String
  let unit: String
  let mode: Mode
  /// Plain lines start once this many seconds have passed.
  let quietSeconds: Double
  private let lock = NSLock()
  private let start = DispatchTime.now().uptimeNanoseconds
  private var completed = 0
  private var total: Int
  private var lastDraw: UInt64 = 0
  private var lastTenth = 0
  private var finished = false
  private let write: @Sendable (String) -> Void

  /// Progress over `total` units of work, named `label` (e.g. `"escape"`), counted in `unit`.
  init(
    _ label: String, total: Int, unit: String, mode: Mode? = nil,
    write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
  ) {
    self.label = label
    self.total = Swift.max(0, total)
    self.unit = unit
    self.mode = mode ?? Progress.detectMode()
    let forced = ProcessInfo.processInfo.environment["SADDLE_PROGRESS"] != nil
    self.quietSeconds = mode != nil || forced ? 0 : 2
    self.write = write
  }

  static func detectMode() -> Mode {
    switch ProcessInfo.processInfo.environment["SADDLE_PROGRESS"] {
    case "plain": return .plain
    case "terminal": return .terminal
    case "off": return .off
    default: return isatty(STDERR_FILENO) == 1 ? .terminal : .plain
    }
  }

  /// Units done so far.
  var done: Int { lock.withLock { completed } }

  /// Seconds since the progress started.
  var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// Records `count` more units done and redraws or prints when due.
  func advance(_ count: Int = 1) {
    lock.withLock {
      completed += count
      draw()
    }
  }

  /// Records that `done` of `total` units are done (for work whose total is known late).
  func update(done: Int, total: Int) {
    lock.withLock {
      completed = Swift.max(completed, done)
      self.total = total
      draw()
    }
  }

  /// Draws the line when due; call with the lock held.
  private func draw() {
    let now = DispatchTime.now().uptimeNanoseconds
    switch mode {
    case .off:
      return
    case .terminal:
      if now - lastDraw >= 100_000_000 || completed >= total {
        lastDraw = now
        write("\r\u{1B}[K" + line())
      }
    case .plain:
      let tenth = total > 0 ? completed * 10 / total : 0
      guard elapsed >= quietSeconds else { return }
      if tenth > lastTenth || now - lastDraw >= 60_000_000_000 {
        lastTenth = tenth
        lastDraw = now
        write(line() + "\n")
      }
    }
  }

  /// Ends the line on a terminal (call once, after the last ``advance(_:)``).
  func finish() {
    lock.withLock {
      guard !finished else { return }
      finished = true
      if mode == .terminal { write("\r\u{1B}[K" + line() + "\n") }
    }
  }

  /// `escape: 120/560 runs (21%), 14.0 s elapsed, about 52 s left`.
  func line() -> String {
    let seconds = elapsed
    var text = "\(label): \(completed)/\(total) \(unit)"
    if total > 0 { text += " (\(completed * 100 / total)%)" }
    text += ", \(HumanFormat.duration(seconds)) elapsed"
    if completed > 0 && completed < total {
      let left = seconds / Double(completed) * Double(total - completed)
      text += ", about \(HumanFormat.duration(left)) left"
    }
    return text
  }
}

/// Numbers and durations for people.
enum HumanFormat {
  /// `850 ms`, `14.0 s`, `3 min 05 s`, `2 h 04 min`.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "—" }
    if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    let total = Int(seconds.rounded())
    if total < 3600 { return String(format: "%d min %02d s", total / 60, total % 60) }
    return String(format: "%d h %02d min", total / 3600, (total % 3600) / 60)
  }

  /// A `Duration` (from `ContinuousClock`) as ``duration(_:)-swift.type.method``.
  static func duration(_ d: Duration) -> String {
    let (s, attoseconds) = d.components
    return duration(Double(s) + Double(attoseconds) * 1e-18)
  }
}
