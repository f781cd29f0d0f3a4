/// Perturbed gradient descent's trigger (Jin, Ge, Netrapalli, Kakade & Jordan 2017, "How to
/// Escape Saddle Points Efficiently", ICML 2017; arXiv 1703.00887): when `‖g‖ ≤ g_thres` and no
/// perturbation happened in the last `t_thres` steps, add a uniform sample `ξ` from the ball of
/// radius `r` to the parameters. This is the trigger of the paper's Algorithm 2 (PGD, the
/// algorithm it analyzes; Algorithm 1 is the "Perturbed Gradient Descent (Meta-algorithm)",
/// Algorithm 3 PGD with local improvement), read in a full-text copy of the paper (see
/// `Docs/paper-verification.md`): "When the norm of the current gradient is small
/// (≤ g_thres) … the algorithm adds a small random perturbation … The perturbation is added at
/// most only once every t_thres iterations." Deviations: PGD's stopping test with `f_thres`
/// (kept by public reimplementations next to `g_thres`, `r`, `t_thres`) is not part of this
/// stage, which only perturbs; the paper's prose says the perturbation is added "to the
/// gradient", while this stage adds `ξ` to the iterate (the algorithm box's own lines were not
/// in the text read).
///
/// The perturbation moves `θ` directly (`θ ← θ + ξ`, as public reimplementations of PGD do), so
/// it does not pass through later stages (learning rate, Adam's normalization) and its position
/// in the pipeline does not matter; the step's gradient step still uses `g = ∇L(θ)` from before
/// the perturbation, and the next step's gradient is taken at the perturbed point. `ξ` comes from
/// ``StepContext/random``. Cost: no evaluations.
public struct PerturbedGradient: UpdateRule, Sendable {
  /// `g_thres ≥ 0`: perturb only when `‖g‖ ≤ g_thres`.
  public var threshold: Double
  /// `r ≥ 0`: the radius of the perturbation ball.
  public var radius: Double
  /// `t_thres ≥ 0`: steps that must pass after a perturbation before the next one.
  public var waitingSteps: Int

  /// The PGD trigger. Valid ranges: `threshold ≥ 0`, `radius ≥ 0`, `waitingSteps ≥ 0`.
  public init(
    threshold: Double = PerturbedGradient.Parameters.threshold.default,
    radius: Double = PerturbedGradient.Parameters.radius.default,
    waitingSteps: Int = PerturbedGradient.Parameters.waitingSteps.default
  ) {
    precondition(
      threshold >= 0 && radius >= 0 && waitingSteps >= 0,
      "PerturbedGradient: threshold, radius and waitingSteps must be ≥ 0")
    self.threshold = threshold
    self.radius = radius
    self.waitingSteps = waitingSteps
  }

  /// When the last perturbation happened.
  public struct State: Codable, Sendable, Equatable {
    /// The step of the last perturbation, or `nil` if none yet.
    public var lastPerturbation: Int?
    /// Perturbations made so far.
    public var perturbations = 0
    var noise: ParameterVector?

    enum CodingKeys: String, CodingKey { case lastPerturbation, perturbations }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let triggered = perturbIfDue(
      &context, gradientNorm: context.gradient.norm, threshold: threshold, radius: radius,
      waitingSteps: waitingSteps, lastPerturbation: &state.lastPerturbation,
      noise: &state.noise)
    if triggered { state.perturbations += 1 }
    context.metrics["perturbed"] = triggered ? 1 : 0
  }

  public func summary(of state: State) -> [String: Double] {
    ["perturbedGradient.perturbations": Double(state.perturbations)]
  }
}

/// The shared PGD/SSRGD trigger: `θ ← θ + ξ`, `ξ ~ U(B(0, r))`, when `‖g‖ ≤ g_thres` and
/// `t − t_last > t_thres`. Returns whether it perturbed.
func perturbIfDue(
  _ context: inout StepContext, gradientNorm: Double, threshold: Double, radius: Double,
  waitingSteps: Int, lastPerturbation: inout Int?, noise: inout ParameterVector?
) -> Bool {
  guard gradientNorm <= threshold else { return false }
  if let last = lastPerturbation, context.step - last <= waitingSteps { return false }
  prepareScratch(&noise, count: context.parameters.count)
  fillUniformBall(&noise!, radius: radius, using: &context.random)
  context.parameters.add(noise!)
  lastPerturbation = context.step
  return true
}

extension PerturbedGradient: SchemaDeclaring {
  /// The parameters of the `perturbation` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `threshold`: gradient threshold g_thres: perturb when ‖g‖ ≤ g_thres.
    public static let threshold = Parameter.number(
      "threshold", default: 1e-3, in: .atLeast(0),
      doc: "gradient threshold g_thres: perturb when ‖g‖ ≤ g_thres")
    /// `radius`: perturbation radius r: ξ ~ U(ball(r)).
    public static let radius = Parameter.number(
      "radius", default: 1e-2, in: .atLeast(0), doc: "perturbation radius r: ξ ~ U(ball(r))")
    /// `waitingSteps`: t_thres: at least this many steps between perturbations.
    public static let waitingSteps = Parameter.integer(
      "waitingSteps", default: 10, in: .atLeast(0),
      doc: "t_thres: at least this many steps between perturbations")
  }

  /// `perturbation` in specs and `saddle list`.
  public static let schema = StageSchema(
    "perturbation",
    summary:
      "PGD: add ξ ~ U(ball(r)) when ‖g‖ ≤ g_thres, at most every t_thres steps (Jin et al. 2017)",
    parameters: [Parameters.threshold, Parameters.radius, Parameters.waitingSteps])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      threshold: try p.read(Parameters.threshold), radius: try p.read(Parameters.radius),
      waitingSteps: try p.read(Parameters.waitingSteps))
  }
}
