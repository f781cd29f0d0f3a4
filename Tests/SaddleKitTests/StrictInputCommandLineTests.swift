import Foundation
import Testing

/// Issue 9 from the command line: every silently accepted input is now exit code 2 with one
/// line on stderr naming the source, the field and the value.
@Suite("Strict input from the command line")
struct StrictInputCommandLineTests {
  static func temporaryFile(_ bytes: [UInt8], _ name: String = "spec.json") throws -> URL {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("saddle-strict-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
  }

  static func expectOneLineRefusal(
    _ result: (status: Int32, stdout: String, stderr: String), _ expected: [String]
  ) {
    #expect(result.status == 2, "\(result.stderr)")
    let lines = result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n")
    #expect(lines.count == 1, "\(result.stderr)")
    for text in expected { #expect(result.stderr.contains(text), "\(result.stderr)") }
  }

  static let run = ["run", "--problem", "rosenbrock", "--steps", "3"]

  @Test(
    "saddle run refuses malformed and meaningless optimizer specs",
    arguments: [
      (#"[{"stage":"sgd",}]"#, ["--optimizer, field '[0]'", "trailing comma"]),
      (#"[{"stage":"adam","stage":"sgd"}]"#, ["field '[0].stage'", "duplicate key 'stage'"]),
      (
        #"[{"stage":"sgd","learningRate":0.1,"learningRate":-5}]"#,
        ["field '[0].learningRate'", "duplicate key"]
      ),
      (#"[{"stage":"sgd","learningRate":NaN}]"#, ["NaN and Infinity"]),
      (#"[{"stage":"sgd"}] x"#, ["after the end of the document"]),
      (
        #"[{"stage":"sgd","segments":["nosuch"]}]"#,
        ["stage 1 ('sgd'), field 'segments'", "unknown segment 'nosuch'", "segments: x"]
      ),
      (#"[{"stage":"dimer"}]"#, ["no stage scales the step", "rate 1", "raw-gradient"]),
      (#"[{"stage":"clip-norm"}]"#, ["no stage scales the step"]),
      (#"[{"stage":"adam","beta1":1.5}]"#, ["field 'beta1'", "1.5", "0 ≤ x < 1"]),
    ])
  func badSpecs(spec: String, expected: [String]) throws {
    Self.expectOneLineRefusal(try runSaddle(Self.run + ["--optimizer", spec]), expected)
  }

  @Test("a spec file with invalid UTF-8 or a duplicate key is refused, naming the file")
  func badSpecFile() throws {
    let bytes = Array(#"[{"stage":"sgd","name":""#.utf8) + [0xFF] + Array(#""}]"#.utf8)
    let file = try Self.temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    Self.expectOneLineRefusal(
      try runSaddle(Self.run + ["--optimizer", file.path]),
      ["\(file.path), field '[0].name'", "invalid UTF-8"])
  }

  @Test("an inline --optimizer with invalid UTF-8 is refused")
  func invalidUTF8Argument() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c",
      #"exec "$0" run --problem rosenbrock --steps 3 --optimizer "$(printf '[{"stage":"sgd","name":"\377"}]')""#,
      try ExamplesTests.executable("saddle").path,
    ]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    Self.expectOneLineRefusal(
      (process.terminationStatus, "", stderr), ["argument 7", "is not valid UTF-8"])
  }

  @Test(
    "--param sets model parameters, validated like a study config",
    arguments: [
      (["--param", "a=2", "--param", "c=1"], ["rosenbrock", "c", "a, b"]),
      (["--param", "a=1", "--param", "a=2"], ["--param a is given twice"]),
      (["--param", "a"], ["--param expects key=value"]),
      (["--param", "a=x"], ["expected a number", "\"x\""]),
      (["--steps", "4"], ["--steps is given twice"]),
    ])
  func params(extra: [String], expected: [String]) throws {
    Self.expectOneLineRefusal(
      try runSaddle(Self.run + ["--optimizer", #"[{"stage":"sgd"}]"#] + extra), expected)
  }

  @Test("transformer-charlm with sequenceLength 3000 is refused in one line, not a crash")
  func charlmSequenceLength() throws {
    Self.expectOneLineRefusal(
      try runSaddle([
        "run", "--problem", "transformer-charlm", "--param", "sequenceLength=3000", "--steps", "1",
        "--optimizer", #"[{"stage":"sgd"}]"#,
      ]), ["--param, problem 'transformer-charlm', field 'sequenceLength'", "3000", "out of range"])
  }

  @Test("--param changes the run: Rosenbrock with a = 2 has its minimum at (2, 4)")
  func paramApplies() throws {
    let result = try runSaddle([
      "run", "--problem", "rosenbrock", "--param", "a=2", "--steps", "1", "--start", "2,4",
      "--optimizer", #"[{"stage":"sgd","learningRate":0.001}]"#,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("final loss   0.0"), "\(result.stdout)")
  }

  @Test("saddle list --model prints the parameters as set and the segments (name, offset, count)")
  func listModel() throws {
    let result = try runSaddle(["list", "--model", "mlp-parity", "--param", "bits=8"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("bits = 8 (given)"), "\(result.stdout)")
    #expect(result.stdout.contains("relevant = 3"), "\(result.stdout)")
    let rows = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true)
    }
    // 8 inputs × 128 hidden, then the bias, then 128 × 2 and the output bias.
    #expect(rows.contains(["layer1.weight", "0", "1024"]), "\(result.stdout)")
    #expect(rows.contains(["layer1.bias", "1024", "128"]), "\(result.stdout)")
    #expect(result.stdout.contains("total: 1410 parameters in 4 segments"), "\(result.stdout)")
    let closed = try runSaddle(["list", "--model", "rosenbrock"])
    #expect(
      closed.stdout.split(separator: "\n").map { $0.split(separator: " ") }.contains([
        "x", "0", "2",
      ]),
      "\(closed.stdout)")
    Self.expectOneLineRefusal(
      try runSaddle(["list", "--model", "mlp-parity", "--param", "bitz=8"]),
      ["field 'bitz'", "did you mean 'bits'?"])
    Self.expectOneLineRefusal(try runSaddle(["list", "--param", "a=1"]), ["needs --model"])
  }

  static let config = """
    {"name": "cli", "seeds": 2, "budget": {"cost": 50},
     "problems": [{"label": "qdw", "problem": "quartic-double-well", "escapeDelta": 0.03}],
     "optimizers": [{"label": "gd", "spec": [{"stage": "sgd", "learningRate": 0.5}]}]}
    """

  @Test(
    "saddle study run refuses bad configs in one line naming the file and the field",
    arguments: [
      (
        #""escapeDelta": 0.03"#, #""escapeDelat": 0.03"#,
        ["problems[0].escapeDelat'", "did you mean 'escapeDelta'?"]
      ),
      (#""seeds": 2"#, #""seeds": 2, "seeds": 3"#, ["field 'seeds'", "duplicate key"]),
      (#""name": "cli""#, #""name": "../../x""#, ["field 'name'", "'../../x'", "accepted"]),
      (#""seeds": 2"#, #""seeds": 2, "curvePoints": 1"#, ["field 'curvePoints'"]),
    ])
  func studyRefusals(old: String, new: String, expected: [String]) throws {
    let file = try Self.temporaryFile(
      Array(Self.config.replacingOccurrences(of: old, with: new).utf8), "cfg.json")
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    let out = file.deletingLastPathComponent().appendingPathComponent("out").path
    Self.expectOneLineRefusal(
      try runSaddle(["study", "run", file.path, "--out", out]), ["\(file.path)"] + expected)
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test("saddle study run prints the trial count first; over 100,000 trials needs --allow-large")
  func studyTrialCount() throws {
    let file = try Self.temporaryFile(Array(Self.config.utf8), "cfg.json")
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    let out = file.deletingLastPathComponent().appendingPathComponent("out").path
    let result = try runSaddle(["study", "run", file.path, "--out", out])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains("study 'cli': 2 trials (1 problems × 1 settings × 2 seeds)"),
      "\(result.stdout)")
    let values = (0..<400).map { "\($0)" }.joined(separator: ",")
    let large = Self.config.replacingOccurrences(
      of: #"[{"stage": "sgd", "learningRate": 0.5}]}"#,
      with:
        #"[{"stage": "sgd", "learningRate": 0.5}], "grid": {"0.every": [\#(values)], "0.offset": [\#(values)]}}"#
    )
    try Data(large.utf8).write(to: file)
    Self.expectOneLineRefusal(
      try runSaddle(["study", "run", file.path, "--out", out]),
      ["320000 trials", "at most 100000", "--allow-large"])
  }
}
