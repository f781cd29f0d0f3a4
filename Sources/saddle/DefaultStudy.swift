/// The default study (`saddle` with no arguments): a copy of `Studies/deo-ablation.json`
/// (a test checks they are the same), so the tool runs from any directory.
let defaultStudyJSON = #"""
  {
    "name": "deo-ablation",
    "seeds": 10,
    "budget": {"cost": 3000},
    "curvePoints": 120,
    "problems": [
      {"label": "rotated ill-conditioned saddle (kappa=100)", "problem": "ill-conditioned-saddle",
       "parameters": {"dimension": 10, "epsilon": 0.01}, "rotationSeed": 1, "escapeDelta": 0.00125},
      {"label": "uniform-spectrum saddle (d=200)", "problem": "spectrum-saddle-uniform",
       "parameters": {"dimension": 200, "seed": 7}, "escapeDelta": 0.00125},
      {"label": "quartic double well", "problem": "quartic-double-well", "escapeDelta": 0.03125}
    ],
    "optimizers": [
      {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 1}],
       "grid": {"0.learningRate": [0.5, 1, 1.5, 1.9]}},
      {"label": "adam", "spec": [{"stage": "adam", "learningRate": 0.1}],
       "grid": {"0.learningRate": [0.01, 0.03, 0.1, 0.3]}},
      {"label": "perturbed gd", "spec": [{"stage": "perturbed-gd", "learningRate": 1.9, "radius": 0.1}],
       "grid": {"0.radius": [0.01, 0.1, 0.3, 1]}},
      {"label": "dimer + projection + gd (the abstract's literal reading)",
       "spec": [{"stage": "dimer", "differences": "forward", "rotation": "optimal-angle", "conjugate": true},
                {"stage": "project-out-minimum-curvature", "when": "negative"},
                {"stage": "sgd", "learningRate": 1}],
       "grid": {"2.learningRate": [0.5, 1, 1.5, 1.9]}},
      {"label": "dimer + gd + negative-curvature step (no projection)",
       "spec": [{"stage": "dimer-nc-sgd", "learningRate": 1}],
       "grid": {"0.learningRate": [0.5, 1, 1.5, 1.9]}},
      {"label": "deo-sgd (corrected, default dimer)",
       "spec": [{"stage": "deo-sgd", "learningRate": 1}],
       "grid": {"0.learningRate": [0.5, 1, 1.5, 1.9]}},
      {"label": "deo-adam (corrected, default dimer)",
       "spec": [{"stage": "deo-adam", "learningRate": 0.1}],
       "grid": {"0.learningRate": [0.01, 0.03, 0.1, 0.3]}},
      {"label": "deo-reference (reference code's rule)",
       "spec": [{"stage": "deo-reference", "base": "sgd", "learningRate": 1.9, "strength": 0.1}],
       "grid": {"0.strength": [0.1, 0.5, 1, 5]}}
    ]
  }
  """#
