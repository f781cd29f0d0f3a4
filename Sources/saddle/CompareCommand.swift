import Foundation
import SaddleKit

/// A quick comparison: GD, Adam and the saddle-aware presets on the built-in saddle problems.
enum CompareCommand {
  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(
      arguments, command: "compare",
      options: [OptionSpec(name: "seeds", valueName: "N", help: "Seeds per setting (default 5).")])
    if args.has("help") {
      print(
        helpText(
          usage: "saddle [compare] [--seeds N]",
          summary: """
            A quick comparison of plain GD, Adam and the curvature-aware presets on the built-in
            saddle problems (the main job, with confidence intervals, is `saddle` with no
            command: the default study). Each run starts at the saddle plus a 1e-8 perturbation; the table
            shows the evaluations to escape (median and 10–90% over seeds, best setting of each
            method). For the full benchmark use `saddle escape`.
            """,
          options: [
            OptionSpec(name: "seeds", valueName: "N", help: "Seeds per setting (default 5).")
          ]))
      return
    }
    let seeds = try args.int("seeds", default: 5, min: 1)!
    let budget = 30_000
    print(
      "SaddleKit — escaping saddle points: evaluations to escape (cost: gradient 1, loss 1, HVP 2)")
    print(
      "\(seeds) seeds, budget \(budget) per run; each method's grid point chosen on 2 tuning seeds.\n"
    )
    let benchmark = EscapeBenchmark(
      problems: EscapeBenchmark.standardProblems.filter {
        $0.label != "spectrum-saddle-uniform(d=500 κ=100)"
      },
      methods: EscapeBenchmark.standardMethods, seeds: seeds, tuningSeeds: 2,
      budgetOverride: budget, registry: registry)
    let clock = ContinuousClock()
    let start = clock.now
    let report = try EscapeCommand.runWithProgress(benchmark, label: "saddle compare")
    print(EscapeBenchmark.markdown(report))
    print(
      "\n(\(HumanFormat.duration(clock.now - start)); reproduce or vary with `saddle escape --help`)"
    )
  }
}
