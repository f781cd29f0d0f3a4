import Foundation
import SaddleCore

extension EscapeBenchmark {
  /// The basis seed of the realistic spectrum saddle: held out — the DEO defaults were tuned on
  /// seeds 11 and 12 (`Studies/tuning/`) and confirmed on 101–103 (`Studies/deo-spectrum.json`).
  public static let spectrumBasisSeed = 201

  /// The problems of the benchmark: the closed-form saddles (the ill-conditioned saddle at
  /// `κ = λ_max/|λ_min|` = 100 and 1000 in a random basis, the quartic double well, the two-well,
  /// matrix and symmetric factorization), the realistic spectrum saddle (`spectrum-saddle-uniform`,
  /// d = 500, κ = 100, held-out basis ``spectrumBasisSeed``), the finite-sum saddle (for SSRGD's
  /// minibatches) and the boundary saddle of a box (for the constrained method). `δ` is an
  /// eighth of the minima's depth (a quarter of it for the box saddle), so "escaped" means well
  /// on the way down; each budget is one at which GD, at every point of its grid, escapes.
  public static let standardProblems: [Problem] = [
    Problem(
      label: "rotated-ill-conditioned-saddle(κ=100)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.01], delta: 0.01 / 8, rotationSeed: 7,
      budget: 20_000),
    Problem(
      label: "rotated-ill-conditioned-saddle(κ=1000)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.001], delta: 0.001 / 8, rotationSeed: 7,
      budget: 100_000),
    Problem(
      label: "spectrum-saddle-uniform(d=500 κ=100)", catalogName: "spectrum-saddle-uniform",
      parameters: ["dimension": 500, "seed": Double(spectrumBasisSeed)], delta: 0.01 / 8,
      budget: 6_000),
    Problem(label: "quartic-double-well", catalogName: "quartic-double-well", delta: 1.0 / 32),
    Problem(label: "two-well", catalogName: "two-well", delta: 1.0 / 8),
    Problem(label: "matrix-factorization", catalogName: "matrix-factorization", delta: 0.1),
    Problem(label: "symmetric-factorization", catalogName: "symmetric-factorization", delta: 0.1),
    Problem(
      label: "finite-sum-saddle(d=10 n=50)", catalogName: "finite-sum-saddle",
      parameters: ["dimension": 10, "components": 50], delta: 1.0 / 32, isFiniteSum: true),
    Problem(
      label: "box-saddle(d=3)", catalogName: "box-saddle", parameters: ["dimension": 3],
      delta: 1.0 / 16, box: Problem.Box(lower: -1, upper: 1)),
  ]

  /// Du et al.'s octopus at `d` = 2 … 10 (L = e, γ = 1, τ = e as in the paper), started
  /// uniformly in `[−1, 1]^d`; done when within 1 of the global minimum `f = −dν`.
  public static let octopusProblems: [Problem] = (2...10).map { d in
    Problem(
      label: "octopus(d=\(d))", catalogName: "octopus", parameters: ["dimension": Double(d)],
      delta: 1, start: .uniform(low: -1, high: 1), goal: .minimum, budget: 20_000)
  }

  /// The number of points in every method's grid.
  public static let gridSize = 4

  /// A number for a label: `0.5`, `1`, `1e-03`.
  static func short(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    if abs(x) >= 0.01 { return String(format: "%g", x) }
    return String(format: "%.0e", x)
  }

  /// A JSON number.
  static func json(_ x: Double) -> String { "\(x)" }

  /// A one-stage spec with `fields` (already JSON) after the stage name, followed on a box by
  /// the projection onto it.
  static func spec(_ stage: String, _ fields: [String], box: Problem.Box? = nil) -> String {
    let first = (["\"stage\":\"\(stage)\""] + fields).joined(separator: ",")
    guard let box else { return "[{\(first)}]" }
    return
      "[{\(first)},{\"stage\":\"project-box\",\"lower\":\(json(box.lower)),\"upper\":\(json(box.upper))}]"
  }

  /// Gradient descent, `η·λ_max` ∈ {0.5, 1, 1.5, 1.9}: up to its best stable step (the
  /// stability limit is `2/λ_max`, `reference/evidence.md`). On a box, projected GD.
  public static let gradientDescent = Method(name: "gd", applicability: .everywhere) { scale in
    [0.5, 1.0, 1.5, 1.9].map { c in
      let eta = c / scale.lambdaMax
      return Setting(
        "η=\(short(c))/λmax", spec: spec("sgd", ["\"learningRate\":\(json(eta))"], box: scale.box),
        learningRate: eta)
    }
  }

  /// The distance multiples of a radius-like grid: `D·{0.001, 0.01, 0.1, 1}`, up to the
  /// distance `D` of the nearest minimum.
  static let radiusFactors = [0.001, 0.01, 0.1, 1.0]
  /// The distance multiples of a negative-curvature step: `D·{0.03, 0.1, 0.3, 1}`.
  static let curvatureStepFactors = [0.03, 0.1, 0.3, 1.0]

  /// A method at the base step inherited from `gd`, over a grid of `key` = factor · `unit`.
  static func scaled(
    _ name: String, stage: String, key: String, symbol: String, factors: [Double],
    from source: String = "gd",
    unit: @escaping @Sendable (Scale) -> Double = { $0.minimumDistance },
    unitName: String = "D", extra: @escaping @Sendable (Scale) -> [String] = { _ in [] }
  ) -> Method {
    Method(name: name, baseStepFrom: source) { scale in
      factors.map { f in
        Setting(
          "\(symbol)=\(short(f))·\(unitName)",
          spec: spec(
            stage,
            ["\"learningRate\":\(json(scale.step))", "\"\(key)\":\(json(f * unit(scale)))"]
              + extra(scale)),
          learningRate: scale.step)
      }
    }
  }

  /// Perturbed GD (Jin et al. 2017) at GD's tuned step, radius `r ∈ D·{0.001, 0.01, 0.1, 1}`.
  public static let perturbedGD = scaled(
    "perturbed-gd", stage: "perturbed-gd", key: "radius", symbol: "r", factors: radiusFactors)

  /// The simplified recursive-gradient PGD at GD's tuned step, radius as perturbed GD's.
  public static let perturbedRecursiveGD = scaled(
    "perturbed-recursive-gd", stage: "perturbed-recursive-gd", key: "radius", symbol: "r",
    factors: radiusFactors)

  /// GD + NEON's normalized power search at GD's tuned step (power rate `0.9/λ_max`),
  /// negative-curvature step `s ∈ D·{0.03, 0.1, 0.3, 1}`.
  public static let neonGD = scaled(
    "neon-gd", stage: "neon-gd", key: "stepSize", symbol: "s", factors: curvatureStepFactors,
    extra: { ["\"rate\":\(json(0.9 / $0.lambdaMax))"] })

  /// GD + NEON2's Oja search (Allen-Zhu & Li 2018), otherwise as ``neonGD``.
  public static let neon2GD = scaled(
    "neon2-gd", stage: "neon-gd", key: "stepSize", symbol: "s", factors: curvatureStepFactors,
    extra: { ["\"rate\":\(json(0.9 / $0.lambdaMax))", "\"search\":\"oja\""] })

  /// Corrected DEO over SGD with its default dimer (`Presets.defaultDimer`, one conjugate
  /// optimal-angle rotation every step) at GD's tuned step, negative-curvature step
  /// `s ∈ D·{0.03, 0.1, 0.3, 1}`.
  public static let deoSGD = scaled(
    "deo-sgd", stage: "deo-sgd", key: "stepSize", symbol: "s", factors: curvatureStepFactors)

  /// The dimer and the negative-curvature step without DEO's projection, as ``deoSGD``.
  public static let dimerNCSGD = scaled(
    "dimer-nc-sgd", stage: "dimer-nc-sgd", key: "stepSize", symbol: "s",
    factors: curvatureStepFactors)

  /// SAM over SGD (Foret et al. 2021) at GD's tuned step, `ρ ∈ D·{0.001, 0.01, 0.1, 1}` (up
  /// to large ρ).
  public static let samSGD = scaled(
    "sam-sgd", stage: "sam-sgd", key: "radius", symbol: "ρ", factors: radiusFactors)

  /// Saddle-free Newton (Dauphin et al. 2014, rank-10 Krylov, preset defaults otherwise) with a
  /// single damping `λ ∈ λ_max·{0.001, 0.01, 0.1, 1}` per point (`dampings: [λ]`).
  public static let saddleFreeNewton = Method(name: "saddle-free-newton") { scale in
    [0.001, 0.01, 0.1, 1.0].map { f in
      Setting(
        "λ=\(short(f))·λmax",
        spec: spec("saddle-free-newton", ["\"dampings\":[\(json(f * scale.lambdaMax))]"]))
    }
  }

  /// Error-feedback top-1 SGD (Karimireddy et al. 2019), `η·λ_max` ∈ {0.1, 0.3, 1, 1.9}
  /// (top-1 error feedback is unstable at larger steps than GD's).
  public static let compressedSGD = Method(name: "compressed-sgd") { scale in
    [0.1, 0.3, 1.0, 1.9].map { c in
      let eta = c / scale.lambdaMax
      return Setting(
        "η=\(short(c))/λmax", spec: spec("compressed-sgd", ["\"learningRate\":\(json(eta))"]),
        learningRate: eta)
    }
  }

  /// Adam with `η` ∈ {1e-3, 1e-2, 1e-1, 1}·D (not a seed method; `--methods adam`).
  public static let adam = Method(name: "adam") { scale in
    [0.001, 0.01, 0.1, 1.0].map { f in
      Setting(
        "η=\(short(f))·D",
        spec: spec("adam", ["\"learningRate\":\(json(f * scale.minimumDistance))"]),
        learningRate: f * scale.minimumDistance)
    }
  }

  /// Every method of the default benchmark: every seed method (`gd` first, the baseline).
  public static let standardMethods: [Method] = [
    gradientDescent, perturbedGD, ssrgd, perturbedRecursiveGD, zerothOrderNCF, neonGD, neon2GD,
    compressedSGD, compressedSGDNoisy, saddleFreeNewton, samSGD, deoSGD, dimerNCSGD,
    constrainedSecondOrder,
  ]

  /// Methods that can be asked for by name but are not in the default run.
  public static let extraMethods: [Method] = [adam]
}
