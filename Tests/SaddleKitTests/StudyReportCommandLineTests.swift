import Foundation
import Testing

@Suite("study report from the command line: strict trial files")
struct StudyReportCommandLineTests {
  @Test("a trial file with a duplicate key or an unknown format: one line, file and field, exit 2")
  func corruptTrialFileExitsTwo() throws {
    let root = try StudyCommandLineTests.root()
    defer { try? FileManager.default.removeItem(at: root) }
    let config = root.appendingPathComponent("study.json")
    try Data(StudyCommandLineTests.config.utf8).write(to: config)
    let out = root.appendingPathComponent("out")
    let run = try runSaddle(["study", "run", config.path, "--out", out.path])
    #expect(run.status == 0, "\(run.stderr)")
    let trials = out.appendingPathComponent("trials")
    let name = try #require(
      try FileManager.default.contentsOfDirectory(atPath: trials.path).sorted().first {
        $0.hasSuffix(".json")
      })
    let file = trials.appendingPathComponent(name)
    let good = try String(contentsOf: file, encoding: .utf8)
    for (text, field) in [
      (good.replacingOccurrences(of: "\"steps\":", with: "\"steps\":1,\"steps\":"), "steps"),
      (good.replacingOccurrences(of: "\"format\":1", with: "\"format\":7"), "field 'format'"),
    ] {
      try Data(text.utf8).write(to: file)
      let report = try runSaddle(["study", "report", out.path])
      #expect(report.status == 2)
      #expect(StudyCommandLineTests.isOneLine(report.stderr), "\(report.stderr)")
      #expect(report.stderr.contains(name) && report.stderr.contains(field), "\(report.stderr)")
    }
    try Data(good.utf8).write(to: file)
    #expect(try runSaddle(["study", "report", out.path]).status == 0)
  }
}
