import SaddleCore

extension EscapeBenchmark {
  /// Zeroth-order GD + ZO-NCF (Zhang, Xiong & Gu 2022) at `η = 1/λ_max`: function values only,
  /// its cost is loss evaluations. The curvature threshold δ = 1e-4 lies below every table
  /// saddle's |λ_min| (δ above it certifies the saddle as stationary).
  public static let zerothOrderNCF = Method(name: "zo-ncf") { lambdaMax in
    // The search's power iteration separates λ_min from the small positive eigenvalues by a
    // factor ≈ 1 + rate·gap per iteration: ill-conditioned saddles need hundreds.
    [50, 300].flatMap { iterations in
      [0.1, 0.5].map { s in
        (
          "T=\(iterations) s=\(s)",
          #"[{"stage":"zo-ncf","learningRate":\#(1 / lambdaMax),"stepSize":\#(s),"curvatureThreshold":1e-4,"iterations":\#(iterations),"rate":\#(0.9 / lambdaMax)}]"#
        )
      }
    }
  }

  /// SSRGD with super-epochs (Li 2019) at `η = 1/λ_max`, perturbation radius ∈ {0.01, 0.1}
  /// (on closed-form problems `n = 1`: anchors and minibatches are full gradients).
  public static let ssrgd = Method(name: "ssrgd") { lambdaMax in
    [0.01, 0.1].map { r in
      (
        "r=\(r)",
        #"[{"stage":"ssrgd","learningRate":\#(1 / lambdaMax),"radius":\#(r),"escapeSteps":1000000}]"#
      )
    }
  }

  /// Compressed SGD with noise and error reset (Avdiukhin & Yaroslavtsev 2021), top-1 at
  /// `η·λ_max` ∈ {0.25, 1} (top-1 error feedback diverges at `1/λ_max` in 10 dimensions),
  /// noise ∈ {0.01, 0.1}.
  public static let compressedSGDNoisy = Method(name: "compressed-sgd-noisy") { lambdaMax in
    [0.25, 1.0].flatMap { c in
      [0.01, 0.1].map { r in
        (
          "η=\(c)/λmax r=\(r)",
          #"[{"stage":"compressed-sgd-noisy","learningRate":\#(c / lambdaMax),"noise":\#(r)}]"#
        )
      }
    }
  }

  /// The constrained second-order method (Mokhtari, Ozdaglar & Jadbabaie 2018) in a box wide
  /// enough to hold every minimum of the standard problems ([−20, 20]), `η = 1/λ_max`.
  public static let constrainedSecondOrder = Method(name: "constrained-second-order") {
    lambdaMax in
    [0.5, 1.0].map { sigma in
      (
        "σ=\(sigma)",
        #"[{"stage":"constrained-second-order","lower":-20,"upper":20,"learningRate":\#(1 / lambdaMax),"stepFraction":\#(sigma)}]"#
      )
    }
  }

  /// The seed papers' methods added by issue 11.
  public static let seedMethods: [Method] = [
    zerothOrderNCF, ssrgd, compressedSGDNoisy, constrainedSecondOrder,
  ]
}
