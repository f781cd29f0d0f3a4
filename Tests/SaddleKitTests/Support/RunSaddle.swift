import Dispatch
import Foundation

/// Runs the `saddle` executable that `swift test` builds next to the test bundle, with extra
/// environment variables and optionally in `cwd`. Standard error is drained on another thread
/// while standard output is read, so a command that writes a lot to both cannot block on a full
/// pipe.
func runSaddle(
  _ arguments: [String], environment: [String: String] = [:], cwd: URL? = nil
) throws -> (status: Int32, stdout: String, stderr: String) {
  let process = Process()
  process.executableURL = try ExamplesTests.executable("saddle")
  process.arguments = arguments
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  if let cwd { process.currentDirectoryURL = cwd }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let errorReader = PipeReader(err.fileHandleForReading)
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = errorReader.wait()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: outData, as: UTF8.self),
    String(decoding: errData, as: UTF8.self)
  )
}

/// Reads a pipe to its end on a background thread.
private final class PipeReader: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    DispatchQueue.global().async {
      self.data = handle.readDataToEndOfFile()
      self.done.signal()
    }
  }

  func wait() -> Data {
    done.wait()
    return data
  }
}
