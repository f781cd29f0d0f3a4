import Foundation
import SaddleKit

/// Prints `message` on stderr as one line.
func printError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

let topLevelHelp = """
  USAGE: saddle [COMMAND] [OPTIONS]
         saddle --version

  With no command, runs the main job: the default ablation study of DEO and its neighbours
  (Studies/deo-ablation.json: 10 seeds, mean ± 95% CI), written to ./study-deo-ablation.

  COMMANDS:
    run        Run one optimizer on one problem (saddle run --help).
    list       Problems, rules, estimators, presets, schedules and their parameters
               (saddle list [problems|rules|estimators|presets|schedules] [--json]).
    compare    Every method × every built-in saddle problem, as one table (5 seeds).
    escape     The escape benchmark: evaluations to escape each saddle, per method.
    study      Ablation studies: run, report, status, merge (saddle study --help).
    bench      Time kernels: update steps, the Transformer gradient (build with -c release).

  Parameters, optimizer state and update kernels are float32 (closed-form problems evaluate
  in float64 and round). Run `saddle COMMAND --help` for a command's options.
  """

let arguments = Array(CommandLine.arguments.dropFirst())
let registry = Registry.standard
do {
  // Swift repairs invalid UTF-8 in arguments to U+FFFD; refuse it instead (it would otherwise
  // reach an inline --optimizer or a label unnoticed).
  for i in 1..<Int(CommandLine.argc) {
    guard let raw = CommandLine.unsafeArgv[i] else { continue }
    let bytes = UnsafeBufferPointer(start: raw, count: strlen(raw)).map { UInt8(bitPattern: $0) }
    if String(validating: bytes, as: UTF8.self) == nil {
      throw UsageError(
        "saddle: argument \(i) (\(String(decoding: bytes, as: UTF8.self))) is not valid UTF-8 (accepted: UTF-8 text)"
      )
    }
  }
  switch arguments.first {
  case nil:
    try StudyCommand.runDefault(registry: registry)
  case "--quick" where arguments.count == 1:
    try StudyCommand.runDefault(registry: registry, quick: true)
  case "--help", "-h", "help":
    print(topLevelHelp)
  case "--version", "version":
    print("saddle \(SaddleKitVersion.string)")
  case "run":
    try RunCommand.run(Array(arguments.dropFirst()), registry: registry)
  case "list":
    try ListCommand.run(Array(arguments.dropFirst()), registry: registry)
  case "compare":
    try CompareCommand.run(Array(arguments.dropFirst()), registry: registry)
  case "escape":
    try EscapeCommand.run(Array(arguments.dropFirst()), registry: registry)
  case "study":
    try StudyCommand.run(Array(arguments.dropFirst()), registry: registry)
  case "bench":
    try BenchCommand.run(Array(arguments.dropFirst()), registry: registry)
  case let command?:
    let known = ["run", "list", "compare", "escape", "study", "bench"]
    let hint = closestName(to: command, in: known).map { "; did you mean '\($0)'?" } ?? ""
    throw UsageError("saddle: unknown command '\(command)'\(hint) (see saddle --help)")
  }
} catch let error as UsageError {
  printError(error.description)
  exit(2)
} catch let error as SpecError {
  printError("saddle: \(error.description)")
  exit(2)
} catch let error as FileOutputError {
  printError("saddle: \(error.description)")
  exit(1)
} catch let error as CheckpointError {
  printError("saddle: \(error.description)")
  exit(1)
} catch let error as RunError {
  printError(error.description)
  exit(1)
} catch {
  printError("saddle: \(error)")
  exit(1)
}
