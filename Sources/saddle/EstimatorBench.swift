import Foundation
import SaddleKit

/// `saddle bench estimators`: evaluations until each curvature estimator finds the
/// minimum-curvature direction of spectrum saddles (d = 500, λ_min = −0.01, λ_max = 1, gaps
/// from 0.1 to 0.001, three spectrum shapes), 5 seeds each; the measurement behind the presets'
/// dimer defaults (the default is the conjugate optimal-angle dimer with one rotation per call;
/// power iteration keeps its vector between calls, i.e. is warm-started).
enum EstimatorBench {
  static let estimators = [
    #"{"stage": "dimer", "differences": "forward"}"#,
    #"{"stage": "dimer", "differences": "forward", "rotationRate": 1}"#,
    #"{"stage": "dimer", "differences": "forward", "rotationRate": 1.9}"#,
    #"{"stage": "dimer", "differences": "forward", "rotationRate": 1, "rotations": 3}"#,
    #"{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle"}"#,
    #"{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle", "rotations": 3}"#,
    #"{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle", "rotations": 10}"#,
    #"{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle", "conjugate": true}"#,
    #"{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle", "conjugate": true, "rotations": 3}"#,
    #"{"stage": "power-iteration", "iterations": 1}"#,
    #"{"stage": "power-iteration", "iterations": 10}"#,
    #"{"stage": "lanczos", "rank": 10}"#,
    #"{"stage": "lanczos", "rank": 30}"#,
  ]

  static func run(registry: Registry) throws {
    var problems: [(label: String, problem: SpectrumSaddle)] = []
    for gap in [0.1, 0.01, 0.001] {
      problems.append(("uniform gap \(gap)", SpectrumSaddle(dimension: 500, gap: gap, seed: 21)))
    }
    problems.append(
      ("power-law gap 0.01", SpectrumSaddle(dimension: 500, shape: .powerLaw, seed: 22)))
    problems.append(
      ("clustered gap 0.01", SpectrumSaddle(dimension: 500, shape: .clustered, seed: 23)))
    let budget = 2000
    let measurement = EstimatorConvergence(
      problems: problems, estimators: estimators, budget: budget, seeds: [1, 2, 3, 4, 5])
    let results = try measurement.run(registry: registry)
    print(EstimatorConvergence.markdown(results, budget: budget))
  }
}
