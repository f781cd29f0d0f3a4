import Foundation
import SaddleCore
import SaddleModels

/// How fast a curvature estimator finds the minimum-curvature direction at a saddle, per
/// gradient spent: the measurement behind the presets' dimer defaults
/// (`Guides/EscapeMethods.md`, "Choosing the rotations").
///
/// The estimator runs warm-started at a fixed point next to the saddle of a
/// `SpectrumSaddle` (the parameters never move: the pipeline is the estimator followed by a
/// zero step), and after each call the run records the gradients spent so far, the estimated
/// curvature `C` and `|cos ∠(N, v_min)|` against the exact eigenvector. Rotation-based
/// estimators converge at a rate set by the gap between `λ_min` and the next eigenvalue
/// relative to the spread of the spectrum; Krylov methods at roughly its square root.
public struct EstimatorConvergence: Sendable {
  /// One estimator on one problem: evaluations until the estimate is usable.
  public struct Result: Sendable {
    /// The estimator's JSON stage, as given.
    public var estimator: String
    /// The problem's label.
    public var problem: String
    /// The seed of the estimator's random start.
    public var seed: UInt64
    /// Cost (gradients + losses + 2·HVPs) until the estimated curvature was first negative
    /// (`nil`: not within the budget).
    public var costToNegative: Int?
    /// Cost until `|cos ∠(N, v_min)| ≥ 0.9` first held.
    public var costToAligned: Int?
    /// `|cos ∠(N, v_min)|` and `C` after the last call.
    public var finalCosine: Double
    /// The last curvature estimate.
    public var finalCurvature: Double
  }

  /// The problems: label and instance.
  public var problems: [(label: String, problem: SpectrumSaddle)]
  /// Estimator stages as JSON objects (e.g. `{"stage": "dimer", "rotation": "optimal-angle"}`).
  public var estimators: [String]
  /// Evaluation cost allowed per run.
  public var budget: Int
  /// Seeds of the estimators' random starts.
  public var seeds: [UInt64]

  /// A measurement of `estimators` on `problems`, each for `seeds`, up to `budget` evaluations.
  public init(
    problems: [(label: String, problem: SpectrumSaddle)], estimators: [String], budget: Int,
    seeds: [UInt64]
  ) {
    self.problems = problems
    self.estimators = estimators
    self.budget = budget
    self.seeds = seeds
  }

  /// Runs every estimator on every problem for every seed.
  public func run(registry: Registry = .standard) throws -> [Result] {
    var results: [Result] = []
    for (label, problem) in problems {
      let d = problem.dimension
      let vMin = Array(problem.eigenvectors[0..<d])  // λ_min comes first
      let point = ParameterVector(
        perturbedPoint(problem.defaultStart, norm: 1e-6, seed: 0).map { Float($0) })
      for estimator in estimators {
        let optimizer = try registry.optimizer(
          fromJSON: "[\(estimator), {\"stage\": \"scale\", \"factor\": 0}]")
        for seed in seeds {
          var state = optimizer.makeState(parameters: point, layout: problem.layout, seed: seed)
          var result = Result(
            estimator: estimator, problem: label, seed: seed, finalCosine: 0, finalCurvature: .nan)
          while state.evaluations.cost < budget {
            try optimizer.step(&state, model: problem)
            guard let estimate = state.context.curvature else { continue }
            // The optimizer's own gradient at the point is not the estimator's cost.
            let cost = state.evaluations.cost - state.step
            let n = estimate.direction.array
            var dot = 0.0
            var norm = 0.0
            for i in 0..<d {
              dot += Double(n[i]) * vMin[i]
              norm += Double(n[i]) * Double(n[i])
            }
            let cosine = abs(dot) / max(norm.squareRoot(), 1e-300)
            result.finalCosine = cosine
            result.finalCurvature = estimate.curvature
            if result.costToNegative == nil, estimate.curvature < 0 { result.costToNegative = cost }
            if result.costToAligned == nil, cosine >= 0.9 { result.costToAligned = cost }
            if result.costToAligned != nil, result.costToNegative != nil { break }
          }
          results.append(result)
        }
      }
    }
    return results
  }

  /// The results as a Markdown table: lower medians over seeds (`—`: not reached within the budget
  /// by at least half of the seeds), with the count of seeds that reached each mark.
  public static func markdown(_ results: [Result], budget: Int) -> String {
    func med(_ values: [Int?]) -> String {
      let reached = values.compactMap { $0 }.sorted()
      guard reached.count * 2 > values.count else { return "> \(budget)" }
      // Failures count as +∞: the median of all runs.
      let all = values.map { $0 ?? Int.max }.sorted()
      let m = all.count % 2 == 1 ? all[all.count / 2] : all[all.count / 2 - 1]
      return "\(m) (\(reached.count)/\(values.count))"
    }
    var lines = [
      "| problem | estimator | cost to C < 0 | cost to cos ≥ 0.9 | final cos (median) |",
      "| --- | --- | ---: | ---: | ---: |",
    ]
    var keys: [String] = []
    var groups: [String: [Result]] = [:]
    for r in results {
      let key = r.problem + "\u{1F}" + r.estimator
      if groups[key] == nil { keys.append(key) }
      groups[key, default: []].append(r)
    }
    for key in keys {
      let g = groups[key]!
      let cosines = g.map(\.finalCosine).sorted()
      lines.append(
        "| \(g[0].problem) | `\(g[0].estimator)` | \(med(g.map(\.costToNegative))) | "
          + "\(med(g.map(\.costToAligned))) | "
          + String(format: "%.2f", cosines[cosines.count / 2]) + " |")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
