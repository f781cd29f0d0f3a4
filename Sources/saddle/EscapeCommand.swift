import Foundation
import SaddleKit

enum EscapeCommand {
  static let options = [
    OptionSpec(
      name: "problems", valueName: "LIST",
      help: "Comma-separated problem labels (default: all of the standard set)."),
    OptionSpec(
      name: "methods", valueName: "LIST", help: "Comma-separated methods (default: all)."),
    OptionSpec(
      name: "seeds", valueName: "N", help: "Reporting seeds 1…N (default 10, at most 1000)."),
    OptionSpec(
      name: "tuning-seeds", valueName: "N",
      help: "Tuning seeds 1001…1000+N, disjoint from the reporting seeds (default 5)."),
    OptionSpec(
      name: "budget", valueName: "EVALS",
      help: "Cost budget of every run (default: each problem's own, at which GD escapes)."),
    OptionSpec(name: "csv", valueName: "FILE", help: "Also write the table as CSV."),
    OptionSpec(
      name: "per-seed-csv", valueName: "FILE", help: "Also write every reporting run as CSV."),
    OptionSpec(
      name: "timing-csv", valueName: "FILE",
      help: "Also write the median wall-clock seconds per run of each row as CSV."),
    OptionSpec(
      name: "tuning", valueName: "FILE",
      help: "Also write the grids, chosen points and tuning results as Markdown."),
    OptionSpec(
      name: "octopus", valueName: nil,
      help: "Instead: Du et al.'s octopus, d = 2…10, evaluations to reach the global minimum."),
  ]

  static let usage =
    "saddle escape [--problems P1,P2] [--methods M1,M2] [--seeds N] [--tuning-seeds N] "
    + "[--budget EVALS] [--csv FILE] [--per-seed-csv FILE] [--timing-csv FILE] [--tuning FILE]"

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "escape", options: options)
    if args.has("help") {
      print(
        helpText(
          usage: usage,
          summary: """
            Starts every method at each saddle (plus a seeded 1e-8 perturbation) and measures the
            cost to escape (f < f_saddle − δ; escaping and then diverging is a failure). Every
            method has a 4-point grid spanning the problem's scale; the point with the lowest
            Kaplan–Meier median cost on the tuning seeds (1001…) is reported on the seeds 1…N:
            escape rate (Wilson 95%), Kaplan–Meier median cost (Brookmeyer–Crowley 95%; failures
            censored at the budget), and the cost ratio against tuned GD paired by seed (bootstrap
            95%, Wilcoxon p). ⚑ marks a choice at the edge of its grid. Cost: gradient 1, loss 1,
            exact HVP 2.
            Problems: \(EscapeBenchmark.standardProblems.map(\.label).joined(separator: ", ")).
            Methods: \(allMethods.map(\.name).joined(separator: ", ")) (adam only when asked for).
            """, options: options))
      return
    }
    let seeds = try args.int("seeds", default: 10, min: 1)!
    guard seeds < Int(EscapeBenchmark.firstTuningSeed) else {
      throw UsageError("saddle escape: --seeds \(seeds) (accepted: 1…1000, below the tuning seeds)")
    }
    let tuningSeeds = try args.int("tuning-seeds", default: 5, min: 1)!
    let budget = try args.int("budget", default: nil, min: 1)
    let octopus = args.has("octopus")
    let problems = try select(
      args.string("problems"),
      from: octopus ? EscapeBenchmark.octopusProblems : EscapeBenchmark.standardProblems,
      name: \.label, what: "problem")
    let methods = try select(
      args.string("methods"),
      from: allMethods, name: \.name, what: "method",
      defaultList: EscapeBenchmark.standardMethods)
    let benchmark = EscapeBenchmark(
      problems: problems, methods: methods, seeds: seeds, tuningSeeds: tuningSeeds,
      budgetOverride: budget, registry: registry)
    let report = try runWithProgress(benchmark, label: "saddle escape")
    print(EscapeBenchmark.markdown(report))
    let outputs: [(String, (EscapeBenchmark.Report) -> String)] = [
      ("csv", EscapeBenchmark.csv), ("per-seed-csv", EscapeBenchmark.perSeedCSV),
      ("timing-csv", EscapeBenchmark.timingCSV),
      ("tuning", { EscapeBenchmark.tuningMarkdown($0) + "\n" }),
    ]
    for (option, render) in outputs {
      guard let path = args.string(option) else { continue }
      do {
        try FileOutput.write(Data(render(report).utf8), to: path)
      } catch {
        throw RunError("saddle escape: \(error)")
      }
    }
  }

  /// Every method that can be asked for by name.
  static let allMethods = EscapeBenchmark.standardMethods + EscapeBenchmark.extraMethods

  /// Runs `benchmark` with a progress line on stderr and a Ctrl-C message saying how far it
  /// got (an interrupted benchmark keeps no partial table: rerun the same command).
  static func runWithProgress(_ benchmark: EscapeBenchmark, label: String) throws
    -> EscapeBenchmark.Report
  {
    let progress = Progress(label, total: 0, unit: "runs")
    Interrupt.onInterrupt {
      "\(label): interrupted after \(progress.done) runs in "
        + "\(HumanFormat.duration(progress.elapsed)); the benchmark keeps no partial results. "
        + "Rerun with: \(Interrupt.commandLine)"
    }
    let report = try benchmark.run(runFinished: { done, total in
      progress.update(done: done, total: total)
    })
    progress.finish()
    return report
  }

  static func select<T>(
    _ list: String?, from all: [T], name: KeyPath<T, String>, what: String,
    defaultList: [T]? = nil
  ) throws -> [T] {
    guard let list else { return defaultList ?? all }
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
