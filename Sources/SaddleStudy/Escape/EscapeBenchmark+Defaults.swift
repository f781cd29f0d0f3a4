import SaddleCore

extension EscapeBenchmark {
  /// The saddles of the problem table with closed-form escape thresholds, including the
  /// ill-conditioned saddle at `λ_max/|λ_min|` = 10, 100 and 1000, axis-aligned and rotated by
  /// a random orthogonal matrix (`δ` is half the depth `ε/4` of its minima, so "escaped" means
  /// well on the way down).
  public static let standardProblems: [Problem] = [
    Problem(
      label: "ill-conditioned-saddle(κ=10)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.1], delta: 0.1 / 8),
    Problem(
      label: "ill-conditioned-saddle(κ=100)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.01], delta: 0.01 / 8),
    Problem(
      label: "ill-conditioned-saddle(κ=1000)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.001], delta: 0.001 / 8),
    Problem(
      label: "rotated-ill-conditioned-saddle(κ=100)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.01], delta: 0.01 / 8, rotationSeed: 1),
    Problem(
      label: "rotated-ill-conditioned-saddle(κ=1000)", catalogName: "ill-conditioned-saddle",
      parameters: ["dimension": 10, "epsilon": 0.001], delta: 0.001 / 8, rotationSeed: 1),
    Problem(label: "quartic-double-well", catalogName: "quartic-double-well", delta: 1.0 / 32),
    Problem(label: "two-well", catalogName: "two-well", delta: 1.0 / 8),
    Problem(label: "scalar-factorization", catalogName: "scalar-factorization", delta: 1.0 / 8),
    Problem(label: "hyperbolic-saddle", catalogName: "hyperbolic-saddle", delta: 1.0 / 8),
    Problem(label: "matrix-factorization", catalogName: "matrix-factorization", delta: 0.1),
    Problem(label: "symmetric-factorization", catalogName: "symmetric-factorization", delta: 0.1),
  ]

  /// Du et al.'s octopus at `d` = 2 … 10 (L = e, γ = 1, τ = e as in the paper), started
  /// uniformly in `[−1, 1]^d`; done when within 1 of the global minimum `f = −dν`.
  public static let octopusProblems: [Problem] = (2...10).map { d in
    Problem(
      label: "octopus(d=\(d))", catalogName: "octopus", parameters: ["dimension": Double(d)],
      delta: 1, start: .uniform(low: -1, high: 1), goal: .minimum)
  }

  /// The octopus methods: every method at the paper's step `η = 1/(4L)` (curvature-aware ones
  /// with their own extra parameters), so the comparison isolates how each passes saddles.
  public static let octopusMethods: [Method] = {
    let eta = 1 / (4 * 2.718281828459045)
    return [
      Method(name: "gd") { _ in [("η=1/(4L)", #"[{"stage":"sgd","learningRate":\#(eta)}]"#)] },
      Method(name: "perturbed-gd") { _ in
        [0.1, 1.0].map { r in
          (
            "r=\(r)",
            #"[{"stage":"perturbed-gd","learningRate":\#(eta),"radius":\#(r),"threshold":0.1}]"#
          )
        }
      },
      Method(name: "deo-sgd") { _ in
        [0.5, 2.0].map { s in
          (
            "k=1 s=\(s)",
            #"[{"stage":"deo-sgd","learningRate":\#(eta),"period":1,"stepSize":\#(s)}]"#
          )
        }
      },
      Method(name: "neon-gd") { _ in
        [0.5, 2.0].map { s in
          (
            "s=\(s)",
            #"[{"stage":"neon-gd","learningRate":\#(eta),"stepSize":\#(s),"threshold":0.1}]"#
          )
        }
      },
      Method(name: "saddle-free-newton") { _ in
        [2, 10].map { rank in
          ("rank=\(rank)", #"[{"stage":"saddle-free-newton","rank":\#(rank)}]"#)
        }
      },
    ]
  }()

  /// Plain gradient descent with `η·λ_max` ∈ {0.25, 0.5, 1}: up to its stability limit
  /// `1/λ_max` near the saddle.
  public static let gradientDescent = Method(name: "gd") { lambdaMax in
    [0.25, 0.5, 1.0].map { c in
      ("η=\(c)/λmax", #"[{"stage":"sgd","learningRate":\#(c / lambdaMax)}]"#)
    }
  }

  /// Adam with `η` ∈ {1e-3, 1e-2, 1e-1}.
  public static let adam = Method(name: "adam") { _ in
    [1e-3, 1e-2, 1e-1].map { eta in
      ("η=\(eta)", #"[{"stage":"adam","learningRate":\#(eta)}]"#)
    }
  }

  /// Corrected DEO over SGD at `η = 1/λ_max`, dimer every `k` ∈ {1, 10} steps, negative-
  /// curvature step `s` ∈ {0.1, 0.5}.
  public static let deoSGD = Method(name: "deo-sgd") { lambdaMax in
    [1, 10].flatMap { period in
      [0.1, 0.5].map { s in
        (
          "k=\(period) s=\(s)",
          #"[{"stage":"deo-sgd","learningRate":\#(1 / lambdaMax),"period":\#(period),"stepSize":\#(s)}]"#
        )
      }
    }
  }

  /// Corrected DEO over Adam, `η` ∈ {1e-2, 1e-1}, dimer every 10 steps, step `s` ∈ {0.1, 0.5}.
  public static let deoAdam = Method(name: "deo-adam") { _ in
    [1e-2, 1e-1].flatMap { eta in
      [0.1, 0.5].map { s in
        (
          "η=\(eta) s=\(s)",
          #"[{"stage":"deo-adam","learningRate":\#(eta),"period":10,"stepSize":\#(s)}]"#
        )
      }
    }
  }

  /// Saddle-free Newton in a Krylov subspace of rank 2 or 5 (exact HVPs where available).
  public static let saddleFreeNewton = Method(name: "saddle-free-newton") { _ in
    [2, 5].map { rank in
      ("rank=\(rank)", #"[{"stage":"saddle-free-newton","rank":\#(rank)}]"#)
    }
  }

  /// Perturbed GD at `η = 1/λ_max`, radius ∈ {0.01, 0.1}.
  public static let perturbedGD = Method(name: "perturbed-gd") { lambdaMax in
    [0.01, 0.1].map { r in
      (
        "r=\(r)",
        #"[{"stage":"perturbed-gd","learningRate":\#(1 / lambdaMax),"radius":\#(r),"threshold":0.001}]"#
      )
    }
  }

  /// GD with NEON negative-curvature search at `η = 1/λ_max`.
  public static let neonGD = Method(name: "neon-gd") { lambdaMax in
    [0.1, 0.5].map { s in
      (
        "s=\(s)",
        #"[{"stage":"neon-gd","learningRate":\#(1 / lambdaMax),"stepSize":\#(s),"threshold":0.001}]"#
      )
    }
  }

  /// SAM over SGD at `η = 1/λ_max`, `ρ` ∈ {0.01, 0.05}.
  public static let samSGD = Method(name: "sam-sgd") { lambdaMax in
    [0.01, 0.05].map { rho in
      ("ρ=\(rho)", #"[{"stage":"sam-sgd","learningRate":\#(1 / lambdaMax),"radius":\#(rho)}]"#)
    }
  }

  /// DEO as its reference code has it (`Presets.deoReference(base:period:separation:rotationRate:strength:)`)
  /// over SGD at `η = 1/λ_max`, with the class default and the script's strength.
  public static let deoReference = Method(name: "deo-reference") { lambdaMax in
    [0.1, 5.0].map { s in
      (
        "s=\(s)",
        #"[{"stage":"deo-reference","base":"sgd","learningRate":\#(1 / lambdaMax),"strength":\#(s)}]"#
      )
    }
  }

  /// Every method of the escape benchmark.
  public static let standardMethods: [Method] = classicMethods + seedMethods

  /// The methods of the benchmark before issue 11's seed methods.
  public static let classicMethods: [Method] = [
    gradientDescent, adam, deoSGD, deoAdam, deoReference, saddleFreeNewton, perturbedGD, neonGD,
    samSGD,
  ]
}
