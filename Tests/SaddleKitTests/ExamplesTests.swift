import Foundation
import Testing

/// Runs the example executables that `swift test` builds next to the test bundle.
@Suite("Examples")
struct ExamplesTests {
  static func executable(_ name: String) throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    throw ExampleNotBuilt(name: name)
  }

  struct ExampleNotBuilt: Error, CustomStringConvertible {
    var name: String
    var description: String { "example '\(name)' was not built next to the tests (swift build)" }
  }

  static func run(_ name: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try executable(name)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  @Test("ComposeOptimizer runs, reaches the minimum f = −1/4, and JSON agrees with the DSL")
  func composeOptimizer() throws {
    let (status, output) = try Self.run("ComposeOptimizer")
    #expect(status == 0, "\(output)")
    #expect(output.contains("same result from code and from JSON"))
    #expect(output.contains("loss -0.2499"))
  }
}
