import Foundation
import SaddleKit

/// `saddle run`'s progress on standard output: on a terminal a live bar with loss, steps/s and
/// the estimated time left; otherwise a plain line every `interval` steps (logs, CI), with the
/// same figures. `SADDLE_PROGRESS=plain|terminal|off` overrides the detection, as for
/// ``Progress``.
///
/// The presentation lives here, in the tool; the library's ``TrainingObserver`` only reports
/// steps.
final class ProgressObserver: TrainingObserver {
  let totalSteps: Int?
  let interval: Int
  let mode: Progress.Mode
  let start = Date()
  var lastDraw = Date.distantPast
  var firstStep: Int?
  let write: (String) -> Void

  /// Progress towards `totalSteps` (if known), plain lines every `interval` steps when not on
  /// a terminal; `write` receives the text (standard output by default).
  init(
    totalSteps: Int?, interval: Int = 100, mode: Progress.Mode? = nil,
    write: ((String) -> Void)? = nil
  ) {
    self.totalSteps = totalSteps
    self.interval = Swift.max(1, interval)
    self.mode = mode ?? Self.detectMode()
    self.write = write ?? { FileHandle.standardOutput.write(Data($0.utf8)) }
  }

  /// `SADDLE_PROGRESS` when set, else a bar when standard output is a terminal.
  static func detectMode() -> Progress.Mode {
    switch ProcessInfo.processInfo.environment["SADDLE_PROGRESS"] {
    case "plain": return .plain
    case "terminal": return .terminal
    case "off": return .off
    default: return isatty(STDOUT_FILENO) != 0 ? .terminal : .plain
    }
  }

  /// The estimated time left, from the rate since the first step this process saw.
  func eta(step: Int, elapsed: Double) -> String? {
    guard let total = totalSteps, let first = firstStep, step > first, elapsed > 0 else {
      return nil
    }
    let rate = Double(step - first) / elapsed
    return HumanFormat.duration(Double(Swift.max(0, total - step)) / rate)
  }

  func trainer(didComplete record: StepRecord) -> Bool {
    if firstStep == nil { firstStep = record.step - 1 }
    let isTerminal = mode == .terminal
    switch mode {
    case .off: return true
    case .plain: if record.step % interval != 0 { return true }
    case .terminal: break
    }
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

  func trainer(didFinish history: TrainingHistory) {
    if mode == .terminal { write("\n") }
  }
}
