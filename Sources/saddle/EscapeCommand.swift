import Foundation
import SaddleKit

enum EscapeCommand {
  static let options = [
    OptionSpec(
      name: "problems", valueName: "LIST",
      help: "Comma-separated problem labels (default: all of the standard set)."),
    OptionSpec(
      name: "methods", valueName: "LIST", help: "Comma-separated methods (default: all)."),
    OptionSpec(name: "seeds", valueName: "N", help: "Seeds per setting (default 10)."),
    OptionSpec(name: "budget", valueName: "EVALS", help: "Cost budget per run (default 50000)."),
    OptionSpec(name: "csv", valueName: "FILE", help: "Also write the table as CSV."),
    OptionSpec(
      name: "octopus", valueName: nil,
      help: "Instead: Du et al.'s octopus, d = 2…10, evaluations to reach the global minimum."),
  ]

  static let usage =
    "saddle escape [--problems P1,P2] [--methods M1,M2] [--seeds N] [--budget EVALS] [--csv FILE]"

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "escape", options: options)
    if args.has("help") {
      print(
        helpText(
          usage: usage,
          summary: """
            Starts every method at each saddle (plus a seeded 1e-8 perturbation) and reports the
            evaluations to escape (f < f_saddle − δ): median and 10–90% range over seeds, for each
            method's best setting from its grid. Cost: gradient 1, loss 1, exact HVP 2.
            Problems: \(EscapeBenchmark.standardProblems.map(\.label).joined(separator: ", ")).
            Methods: \(EscapeBenchmark.standardMethods.map(\.name).joined(separator: ", ")).
            """, options: options))
      return
    }
    let seeds = try args.int("seeds", default: 10, min: 1)!
    let budget = try args.int("budget", default: 50_000, min: 1)!
    let octopus = args.has("octopus")
    let problems = try select(
      args.string("problems"),
      from: octopus ? EscapeBenchmark.octopusProblems : EscapeBenchmark.standardProblems,
      name: \.label, what: "problem")
    let methods = try select(
      args.string("methods"),
      from: octopus ? EscapeBenchmark.octopusMethods : EscapeBenchmark.standardMethods,
      name: \.name, what: "method")
    let csvPath = args.string("csv")
    let benchmark = EscapeBenchmark(
      problems: problems, methods: methods, seeds: seeds, budget: budget, registry: registry)
    let rows = try runWithProgress(benchmark, label: "saddle escape")
    print(EscapeBenchmark.markdown(rows, budget: budget))
    if let csvPath {
      do {
        try FileOutput.write(Data(EscapeBenchmark.csv(rows).utf8), to: csvPath)
      } catch {
        throw RunError("saddle escape: \(error)")
      }
    }
  }

  /// Runs `benchmark` with a progress line on stderr and a Ctrl-C message saying how far it
  /// got (an interrupted benchmark keeps no partial table: rerun the same command).
  static func runWithProgress(_ benchmark: EscapeBenchmark, label: String) throws
    -> [EscapeBenchmark.Row]
  {
    let progress = Progress(label, total: 0, unit: "runs")
    Interrupt.onInterrupt {
      "\(label): interrupted after \(progress.done) runs in "
        + "\(HumanFormat.duration(progress.elapsed)); the benchmark keeps no partial results. "
        + "Rerun with: \(Interrupt.commandLine)"
    }
    let rows = try benchmark.run(runFinished: { done, total in
      progress.update(done: done, total: total)
    })
    progress.finish()
    return rows
  }

  static func select<T>(_ list: String?, from all: [T], name: KeyPath<T, String>, what: String)
    throws -> [T]
  {
    guard let list else { return all }
    var chosen: [T] = []
    for item in list.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) })
    {
      guard let found = all.first(where: { $0[keyPath: name] == item }) else {
        let names = all.map { $0[keyPath: name] }
        let hint = closestName(to: item, in: names).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(
          "saddle escape: unknown \(what) '\(item)'\(hint) (known: \(names.joined(separator: ", ")))"
        )
      }
      chosen.append(found)
    }
    return chosen
  }
}
