import Foundation
import SaddleCore

extension EscapeBenchmark {
  /// Zeroth-order GD + ZO-NCF (Zhang, Xiong & Gu 2022) at GD's tuned step: function values
  /// only, its cost is loss evaluations. Negative-curvature step `s ∈ D·{0.03, 0.1, 0.3, 1}`;
  /// the search runs 100 power iterations at rate `0.9/λ_max` and certifies curvature below
  /// `−0.1·|λ_min|` (a threshold above `|λ_min|` would certify the saddle as stationary).
  public static let zerothOrderNCF = scaled(
    "zo-ncf", stage: "zo-ncf", key: "stepSize", symbol: "s", factors: curvatureStepFactors,
    extra: { scale in
      [
        "\"rate\":\(json(0.9 / scale.lambdaMax))", "\"iterations\":100",
        "\"curvatureThreshold\":\(json(0.1 * scale.lambdaMinMagnitude))",
      ]
    })

  /// SSRGD with super-epochs (Li 2019, Algorithm 2, finite-sum form), minibatch and epoch
  /// length `b = m = ⌈√n⌉` as in the paper (on the closed-form problems `n = 1`: full
  /// gradients), perturbation radius `0.1·D`, step `η·λ_max` ∈ {0.25, 0.5, 1, 1.9}: the step is
  /// tuned rather than inherited from GD because the recursive estimator is stable only for
  /// `η ≲ 1/(2L)` with `L` the components' smoothness, which exceeds `λ_max` of the sum (at GD's
  /// step it diverges on the finite sum). A component gradient costs `1/n`. `t_thres` is
  /// `⌈30/(η·|λ_min|)⌉` steps, long enough for the escape the paper's analysis assumes, so a
  /// super-epoch does not stop at the saddle before the unstable direction has grown.
  public static let ssrgd = Method(name: "ssrgd") { scale in
    let batch = Int(Double(scale.components).squareRoot().rounded(.up))
    return [0.25, 0.5, 1.0, 1.9].map { c in
      let eta = c / scale.lambdaMax
      let steps = (30 / (eta * Swift.max(scale.lambdaMinMagnitude, 1e-6))).rounded(.up)
      return Setting(
        "η=\(short(c))/λmax",
        spec: spec(
          "ssrgd",
          [
            "\"learningRate\":\(json(eta))", "\"radius\":\(json(0.1 * scale.minimumDistance))",
            "\"minibatchSize\":\(batch)", "\"epochLength\":\(batch)",
            "\"escapeSteps\":\(Int(Swift.min(steps, 1e7)))",
          ]),
        learningRate: eta)
    }
  }

  /// Compressed SGD with noise and error reset (Avdiukhin & Yaroslavtsev 2021), top-1, at the
  /// step chosen for `compressed-sgd`, noise `r ∈ λ_max·D·{0.001, 0.01, 0.1, 1}` (gradient
  /// units).
  public static let compressedSGDNoisy = scaled(
    "compressed-sgd-noisy", stage: "compressed-sgd-noisy", key: "noise", symbol: "r",
    factors: radiusFactors, from: "compressed-sgd",
    unit: { $0.lambdaMax * $0.minimumDistance }, unitName: "λmax·D")

  /// The constrained second-order method (Mokhtari, Ozdaglar & Jadbabaie 2018) in the
  /// problem's box at projected GD's tuned step, convex-combination fraction
  /// `σ ∈ {0.125, 0.25, 0.5, 1}`. Runs only on constrained problems.
  public static let constrainedSecondOrder = Method(
    name: "constrained-second-order", baseStepFrom: "gd", applicability: .constrained
  ) { scale in
    let box = scale.box ?? Problem.Box(lower: -1, upper: 1)
    return [0.125, 0.25, 0.5, 1.0].map { sigma in
      Setting(
        "σ=\(short(sigma))",
        spec: spec(
          "constrained-second-order",
          [
            "\"lower\":\(json(box.lower))", "\"upper\":\(json(box.upper))",
            "\"learningRate\":\(json(scale.step))", "\"stepFraction\":\(json(sigma))",
          ]),
        learningRate: scale.step)
    }
  }
}
