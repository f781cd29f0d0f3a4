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

  static func run(_ name: String, _ arguments: [String] = []) throws -> (
    status: Int32, output: String
  ) {
    let process = Process()
    process.executableURL = try executable(name)
    process.arguments = arguments
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

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString)")
  }

  @Test("RegisterEstimator: the user's estimator runs from JSON and in a study, report printed")
  func registerEstimator() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (status, output) = try Self.run("RegisterEstimator", ["--quick", "--out", directory.path])
    #expect(status == 0, "\(output)")
    // The JSON run reaches the minimum f = −ε/4 = −0.0025 of the ill-conditioned saddle.
    #expect(output.contains("JSON spec on ill-conditioned-saddle (d = 6): loss -0.0025"))
    #expect(output.contains("study: 9 trials run, 0 already done"))
    let rows = output.split(separator: "\n").filter { $0.hasPrefix("| quartic double well |") }
    #expect(rows.count == 3)
    #expect(rows.contains { $0.contains("| axis-curvature | 3 | 3/3") })
    #expect(
      FileManager.default.fileExists(atPath: directory.appendingPathComponent("report.md").path))
    // Resuming the same study directory redoes nothing.
    let again = try Self.run("RegisterEstimator", ["--quick", "--out", directory.path])
    #expect(again.output.contains("study: 0 trials run, 9 already done"))
  }

  @Test("AblationStudy: a study over a user model that declares its saddle, report printed")
  func ablationStudy() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (status, output) = try Self.run("AblationStudy", ["--quick", "--out", directory.path])
    #expect(status == 0, "\(output)")
    #expect(output.contains("study: 24 trials run, 0 already done"))
    let rows = output.split(separator: "\n").filter { $0.hasPrefix("| paired κ=") }
    // 2 problems × 4 settings in the main table, every run escaped (the model's saddle).
    #expect(rows.filter { $0.contains("| 3 | 3/3") }.count == 8)
    #expect(output.contains("EscapeRunner, gd on paired κ=100: 3/3 escaped"))
    let csv = try String(
      contentsOf: directory.appendingPathComponent("report.csv"), encoding: .utf8)
    #expect(csv.contains("deo[period=20]"))
  }

  @Test("examples reject unknown arguments with one line on stderr and exit 2")
  func badArguments() throws {
    for name in ["RegisterEstimator", "AblationStudy", "DEOOnTransformer"] {
      let (status, output) = try Self.run(name, ["--nonsense"])
      #expect(status == 2, "\(name): \(output)")
      #expect(output.split(separator: "\n").count == 1, "\(name): \(output)")
    }
  }

  @Test("DEOOnTransformer: --help lists every flag; --output is required without --quick")
  func transformerFlags() throws {
    let help = try Self.run("DEOOnTransformer", ["--help"])
    #expect(help.status == 0)
    for flag in [
      "--output", "--steps", "--eval-every", "--learning-rate", "--vocabulary",
      "--sequence-length", "--width", "--periods", "--seed", "--quick", "--adam-only", "--help",
    ] {
      #expect(help.output.contains(flag), "--help does not list \(flag)")
    }
    let missing = try Self.run("DEOOnTransformer", ["--steps", "1"])
    #expect(missing.status == 2)
    #expect(missing.output.contains("--output PATH is required"))
  }
}
