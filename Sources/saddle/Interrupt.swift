import Dispatch
import Foundation

/// Ctrl-C handling for long commands: on SIGINT, print where the work stopped and how to
/// resume it on stderr, then exit with status 130 (128 + SIGINT, the shell convention).
///
/// ```swift
/// Interrupt.onInterrupt { "stopped after \(progress.done) of \(total) trials; resume with: …" }
/// ```
/// The message closure runs on a dedicated queue while the work is still running; it should
/// only read thread-safe state (``Progress/done``). Files written atomically (study trials,
/// checkpoints) are complete or absent, so the resume command never sees half a file.
enum Interrupt {
  private static let queue = DispatchQueue(label: "saddle.interrupt")
  nonisolated(unsafe) private static var source: DispatchSourceSignal?

  /// Replaces the Ctrl-C handler: print `message()` (one or more lines) and exit 130.
  static func onInterrupt(_ message: @escaping @Sendable () -> String) {
    queue.sync {
      signal(SIGINT, SIG_IGN)
      source?.cancel()
      let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
      s.setEventHandler {
        FileHandle.standardError.write(Data(("\n" + message() + "\n").utf8))
        exit(130)
      }
      s.resume()
      source = s
    }
  }

  /// The command line that started this process, quoted for a POSIX shell, with the program
  /// shown as `saddle`.
  static var commandLine: String {
    (["saddle"] + CommandLine.arguments.dropFirst().map(shellQuoted)).joined(separator: " ")
  }

  /// `text` quoted for a POSIX shell when it needs it.
  static func shellQuoted(_ text: String) -> String {
    let safe = CharacterSet(charactersIn: "/-_.,:=+@%")
      .union(.alphanumerics)
    if !text.isEmpty, text.unicodeScalars.allSatisfy({ safe.contains($0) && $0.isASCII }) {
      return text
    }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
