import Foundation
import Testing

/// Runs the `DEOOnTransformer` example (built next to the test bundle by `swift build`) in its
/// `--quick` mode.
@Suite("DEOOnTransformer example")
struct DEOOnTransformerExampleTests {
  static func executable() -> URL? {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("DEOOnTransformer")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return nil
  }

  @Test("--quick trains a few dozen steps and writes the loss-curve CSV")
  func quickRun() throws {
    let executable = try #require(Self.executable(), "build the example first (swift build)")
    let output = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddlekit-\(UUID().uuidString)-induction.csv")
    defer { try? FileManager.default.removeItem(at: output) }
    let process = Process()
    process.executableURL = executable
    process.arguments = ["--quick", "--output", output.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("adam: 40 steps"))
    #expect(text.contains("deo-adam: 40 steps"))
    let csv = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
    #expect(csv.first == "optimizer,step,train_loss,eval_loss,eval_accuracy")
    // Header, then step 0 and every 10 steps up to 40 for Adam and for DEO over Adam.
    #expect(csv.count == 11)
    #expect(csv[5].hasPrefix("adam,40,"))
    #expect(csv.last?.hasPrefix("deo-adam,40,") == true)
  }
}
