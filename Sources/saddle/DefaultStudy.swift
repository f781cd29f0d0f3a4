/// The default study (`saddle` with no arguments): a copy of `Studies/deo-ablation.json`
/// (a test checks they are the same), so the tool runs from any directory.
let defaultStudyJSON = #"""
  {
    "name": "deo-ablation",
    "seeds": 10,
    "budget": {"cost": 3000},
    "curvePoints": 120,
    "problems": [
      {"label": "rotated ill-conditioned saddle (κ=100)", "problem": "ill-conditioned-saddle",
       "parameters": {"dimension": 10, "epsilon": 0.01}, "rotationSeed": 1, "escapeDelta": 0.00125},
      {"label": "quartic double well", "problem": "quartic-double-well", "escapeDelta": 0.03125}
    ],
    "optimizers": [
      {"label": "gd", "spec": [{"stage": "sgd", "learningRate": 1}]},
      {"label": "adam", "spec": [{"stage": "adam", "learningRate": 0.1}]},
      {"label": "dimer + projection + gd (the abstract's literal reading)",
       "spec": [{"stage": "dimer", "every": 10, "differences": "forward"},
                {"stage": "project-out-minimum-curvature", "when": "negative"},
                {"stage": "sgd", "learningRate": 1}]},
      {"label": "dimer + gd + negative-curvature step (no projection)",
       "spec": [{"stage": "dimer-nc-sgd", "learningRate": 1, "period": 10, "stepSize": 0.1}]},
      {"label": "deo-sgd (corrected)",
       "spec": [{"stage": "deo-sgd", "learningRate": 1, "period": 10, "stepSize": 0.1}],
       "grid": {"0.period": [1, 10]}},
      {"label": "deo-adam (corrected)",
       "spec": [{"stage": "deo-adam", "learningRate": 0.1, "period": 10, "stepSize": 0.1}]},
      {"label": "deo-reference (reference code's rule)",
       "spec": [{"stage": "deo-reference", "base": "sgd", "learningRate": 1, "strength": 0.1}]}
    ]
  }
  """#
