import Foundation
import SaddleKit
import Testing

@Suite("saddle terminal output")
struct TerminalTests {
  @Test("saddle --version prints the one version constant")
  func version() throws {
    let result = try runSaddle(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout == "saddle \(SaddleKitVersion.string)\n")
    #expect(SaddleKitVersion.string.hasPrefix("0."))
  }

  @Test("saddle list --json parses, with a description and one range notation per parameter")
  func listJSON() throws {
    let result = try runSaddle(["list", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    for key in ["problems", "rules", "estimators", "presets", "schedules", "conventions"] {
      #expect(object[key] != nil, "missing \(key)")
    }
    #expect((object["conventions"] as? String)?.contains("float32") == true)
    let problems = try #require(object["problems"] as? [[String: Any]])
    let well = try #require(problems.first { $0["name"] as? String == "quartic-double-well" })
    #expect((well["summary"] as? String)?.contains("x²/2 + y⁴/4 − y²/2") == true)
    for problem in problems {
      #expect(problem["summary"] as? String != "closed-form test problem")
      for parameter in problem["parameters"] as? [[String: String]] ?? [] {
        let accepted = parameter["accepted"] ?? ""
        // One notation (`> 0`, `a ≤ x ≤ b`), no interval brackets, no float noise.
        #expect(!accepted.contains("∞") && !accepted.contains("[") && !accepted.hasPrefix("("))
        #expect(!accepted.contains("9007199254740992") && !accepted.contains("e+"))
      }
    }
    let rules = try runSaddle(["list", "rules", "--json"])
    let only = try #require(
      try JSONSerialization.jsonObject(with: Data(rules.stdout.utf8)) as? [String: Any])
    #expect(Set(only.keys) == ["rules", "conventions"])
    let wrong = try runSaddle(["list", "rule"])
    #expect(wrong.status == 2 && wrong.stderr.contains("did you mean 'rules'"))
  }

  @Test("a problem error has one prefix")
  func singleErrorPrefix() throws {
    let result = try runSaddle([
      "run", "--problem", "ill-conditioned-saddle", "--dim", "1", "--optimizer",
      #"[{"stage":"sgd"}]"#, "--steps", "3",
    ])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "saddle: problem 'ill-conditioned-saddle': dimension = 1 is not accepted; "
        + "expected integer 2 ≤ x ≤ 10000000\n")
  }

  @Test("saddle compare --help describes a quick comparison, not the main job")
  func compareHelp() throws {
    let result = try runSaddle(["compare", "--help"])
    #expect(result.status == 0)
    #expect(!result.stdout.contains("The main job:"))
  }

  @Test("escape prints plain progress lines with counts when stderr is not a terminal")
  func plainProgress() throws {
    let arguments = [
      "escape", "--problems", "quartic-double-well", "--methods", "gd", "--seeds", "4",
      "--budget", "300",
    ]
    // Work that ends within 2 seconds prints no progress (errors stay one line) …
    let quick = try runSaddle(arguments)
    #expect(quick.status == 0 && quick.stderr.isEmpty, "\(quick.stderr)")
    // … and SADDLE_PROGRESS=plain prints lines from the start.
    let result = try runSaddle(arguments, environment: ["SADDLE_PROGRESS": "plain"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("saddle escape: ") })
    #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))
    // The last line says every run is done: "saddle escape: N/N runs (100%), … elapsed".
    let last = try #require(lines.last?.split(separator: " "))
    let counts = try #require(last.count > 3 ? last[2].split(separator: "/") : nil)
    #expect(counts.count == 2 && counts[0] == counts[1] && Int(counts[0])! % 4 == 0)
    #expect(last[3] == "runs" && last[4] == "(100%),")
    #expect(lines.contains { $0.contains("left") })
    #expect(result.stdout.contains("| quartic-double-well | gd |"))
  }

  @Test("Ctrl-C prints where the work stopped and the command to rerun, and exits 130")
  func interrupt() throws {
    let log = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-interrupt-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let process = Process()
    process.executableURL = try ExamplesTests.executable("saddle")
    process.arguments = ["escape", "--seeds", "200", "--budget", "50000"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: log)
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline,
      !(try String(contentsOf: log, encoding: .utf8)).contains("runs")
    {
      Thread.sleep(forTimeInterval: 0.05)
    }
    process.interrupt()
    process.waitUntilExit()
    let text = try String(contentsOf: log, encoding: .utf8)
    #expect(process.terminationStatus == 130, "\(text)")
    #expect(text.contains("saddle escape: interrupted after "))
    #expect(text.contains("Rerun with: saddle escape --seeds 200 --budget 50000"))
  }
}
