/// A simplified stand-in for SSRGD, formerly shipped under that name: a SARAH/SPIDER recursive
/// gradient estimator plus the perturbed-GD trigger. It is not the algorithm of Li (2019),
/// "SSRGD: Simple Stochastic Recursive Gradient Descent for Escaping Saddle Points" — that is
/// ``SSRGD`` (no super-epoch, no `f_thres` escape test, no return of `x̃` here).
///
/// `v_t = ∇f_B(θ_t) − ∇f_B(θ_{t−1}) + v_{t−1}` with both gradients on the step's batch `B`
/// (the second one is an extra evaluation through the objective at the previous parameters),
/// and a refresh `v_t = ∇f_B(θ_t)` every `refreshPeriod` steps (the paper's full gradient at
/// the start of an epoch; here the step's batch gradient, which is the full gradient for
/// deterministic problems). `v` replaces the direction, so place it first (before the base
/// rule that applies the learning rate). When `‖v‖ ≤ g_thres` and no perturbation happened in
/// the last `t_thres` steps, `θ ← θ + ξ`, `ξ ~ U(B(0, r))` (as ``PerturbedGradient``), and the
/// next step refreshes `v`.
///
/// Cost per step: 1 extra gradient evaluation, 0 on refresh steps.
public struct PerturbedRecursiveGradient: UpdateRule, Sendable {
  /// Steps between refreshes `q ≥ 1`.
  public var refreshPeriod: Int
  /// `g_thres ≥ 0`.
  public var threshold: Double
  /// `r ≥ 0`.
  public var radius: Double
  /// `t_thres ≥ 0`.
  public var waitingSteps: Int

  /// The stand-in. Valid ranges: `refreshPeriod ≥ 1`, the trigger's values `≥ 0`.
  public init(
    refreshPeriod: Int = PerturbedRecursiveGradient.Parameters.refreshPeriod.default,
    threshold: Double = PerturbedRecursiveGradient.Parameters.threshold.default,
    radius: Double = PerturbedRecursiveGradient.Parameters.radius.default,
    waitingSteps: Int = PerturbedRecursiveGradient.Parameters.waitingSteps.default
  ) {
    precondition(refreshPeriod >= 1, "PerturbedRecursiveGradient: refreshPeriod must be ≥ 1")
    precondition(
      threshold >= 0 && radius >= 0 && waitingSteps >= 0,
      "PerturbedRecursiveGradient: threshold, radius and waitingSteps must be ≥ 0")
    self.refreshPeriod = refreshPeriod
    self.threshold = threshold
    self.radius = radius
    self.waitingSteps = waitingSteps
  }

  /// The recursive estimate, the previous parameters and the trigger's memory.
  public struct State: Codable, Sendable {
    /// `v_{t−1}`, or `nil` before the first step.
    public var estimate: ParameterVector?
    /// `θ_{t−1}`, or `nil` before the first step.
    public var previousParameters: ParameterVector?
    /// Steps since the last refresh.
    public var sinceRefresh = 0
    /// The step of the last perturbation.
    public var lastPerturbation: Int?
    var gradient: ParameterVector?
    var noise: ParameterVector?

    enum CodingKeys: String, CodingKey {
      case estimate, previousParameters, sinceRefresh, lastPerturbation
    }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    let refresh =
      state.estimate?.count != n || state.previousParameters?.count != n
      || state.sinceRefresh >= refreshPeriod
    if refresh {
      prepareScratch(&state.estimate, count: n)
      prepareScratch(&state.previousParameters, count: n)
      state.estimate!.assign(context.gradient)
      state.sinceRefresh = 0
    } else {
      prepareScratch(&state.gradient, count: n)
      _ = objective.lossAndGradient(at: state.previousParameters!, into: &state.gradient!)
      state.estimate!.add(context.gradient)
      state.estimate!.add(state.gradient!, scaledBy: -1)
    }
    state.sinceRefresh += 1
    state.previousParameters!.assign(context.parameters)
    context.direction.assign(state.estimate!)
    let perturbed = perturbIfDue(
      &context, gradientNorm: state.estimate!.norm, threshold: threshold, radius: radius,
      waitingSteps: waitingSteps, lastPerturbation: &state.lastPerturbation, noise: &state.noise)
    if perturbed { state.sinceRefresh = refreshPeriod }
    context.metrics["perturbed"] = perturbed ? 1 : 0
    context.metrics["ssrgd.refreshed"] = refresh ? 1 : 0
  }
}

extension PerturbedRecursiveGradient: SchemaDeclaring {
  /// The parameters of the `perturbed-recursive-gradient` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `refreshPeriod`: recompute the full gradient every this many steps.
    public static let refreshPeriod = Parameter.integer(
      "refreshPeriod", default: 10, in: .atLeast(1),
      doc: "recompute the full gradient every this many steps")
    /// `threshold`: gradient threshold g_thres (the `perturbation` stage's declaration).
    public static let threshold = PerturbedGradient.Parameters.threshold
    /// `radius`: perturbation radius r (the `perturbation` stage's declaration).
    public static let radius = PerturbedGradient.Parameters.radius
    /// `waitingSteps`: t_thres (the `perturbation` stage's declaration).
    public static let waitingSteps = PerturbedGradient.Parameters.waitingSteps
  }

  /// `perturbed-recursive-gradient` in specs and `saddle list`.
  public static let schema = StageSchema(
    "perturbed-recursive-gradient",
    summary: "SARAH recursive estimator + PGD trigger on ‖v‖ (simplified SSRGD, not Li 2019's)",
    parameters: [
      Parameters.refreshPeriod, Parameters.threshold, Parameters.radius, Parameters.waitingSteps,
    ])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(
      refreshPeriod: try p.read(Parameters.refreshPeriod),
      threshold: try p.read(Parameters.threshold), radius: try p.read(Parameters.radius),
      waitingSteps: try p.read(Parameters.waitingSteps))
  }
}
