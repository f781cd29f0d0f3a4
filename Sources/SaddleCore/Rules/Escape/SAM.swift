/// Sharpness-aware minimization (Foret, Kleiner, Mobahi & Neyshabur 2021, "Sharpness-Aware
/// Minimization for Efficiently Improving Generalization", ICLR 2021; arXiv 2010.01412): the
/// direction becomes the gradient at the adversarial point `θ + ε̂`, `ε̂ = ρ g/‖g‖` — eq. (2),
/// `ε̂(w) = ρ sign(∇L)|∇L|^{q−1}/(‖∇L‖_q^q)^{1/p}`, in the `p = q = 2` case ("this boils down
/// to simply rescaling the gradient such that its norm is ρ"), the first-order solution of the
/// inner `max_{‖ε‖_p ≤ ρ}` of the SAM objective (1); the direction is eq. (3),
/// `∇L^{SAM}(w) ≈ ∇L(w)|_{w+ε̂(w)}`, the SAM gradient with its second-order terms dropped, as
/// in the paper's Algorithm 1 (SAM with SGD as the base optimizer). Read in full-text copies
/// of the paper (`Docs/paper-verification.md`). Not included: the `λ‖w‖²` term of (1) (use the
/// base optimizer's weight decay) and the paper's per-accelerator sub-batch perturbations.
/// Rangwani, Aithal, Mishra & Babu (2022, NeurIPS; arXiv 2212.13827) use this update on
/// class-imbalanced data (with re-weighting or margins); they change the setting, not the
/// rule (their text was not reachable).
///
/// `adaptive: true` is ASAM (Kwon et al. 2021): `ε = ρ T²g/‖Tg‖` with `T = diag(|θ|)` (Kwon et
/// al.'s text was not reachable: this form and its equation number are not verified).
/// `g` is the step's raw gradient; with `g = 0` (or `Tg = 0`) `ε = 0`. Place it first: it
/// replaces the direction. Cost: 1 extra gradient evaluation per step.
public struct SAM: UpdateRule, Sendable {
  /// The neighbourhood radius `ρ ≥ 0`.
  public var radius: Double
  /// ASAM's scale-invariant neighbourhood.
  public var adaptive: Bool

  /// SAM with radius `ρ ≥ 0` (0.05, the paper's default and its ImageNet value).
  public init(
    radius: Double = SAM.Parameters.radius.default, adaptive: Bool = SAM.Parameters.adaptive.default
  ) {
    precondition(radius >= 0 && radius.isFinite, "SAM: radius must be ≥ 0")
    self.radius = radius
    self.adaptive = adaptive
  }

  /// Scratch for the adversarial point (not encoded).
  public struct State: Codable, Sendable {
    var point: ParameterVector?
    enum CodingKeys: CodingKey {}
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    prepareScratch(&state.point, count: n)
    let p = state.point!.unsafeMutableBaseAddress()
    let theta = context.parameters.unsafeBaseAddress
    let g = context.gradient.unsafeBaseAddress
    if adaptive {
      var norm2 = 0.0
      for i in 0..<n { norm2 += Double(abs(theta[i]) * g[i]) * Double(abs(theta[i]) * g[i]) }
      let scale = norm2 > 0 && norm2.isFinite ? Float(radius / norm2.squareRoot()) : 0
      for i in 0..<n { p[i] = theta[i] + scale * theta[i] * theta[i] * g[i] }
    } else {
      let norm = context.gradient.norm
      let scale = norm > 0 && norm.isFinite ? Float(radius / norm) : 0
      for i in 0..<n { p[i] = theta[i] + scale * g[i] }
    }
    _ = objective.lossAndGradient(at: state.point!, into: &context.direction)
  }
}

extension SAM: SchemaDeclaring {
  /// The parameters of the `sam` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `radius`: neighbourhood radius ρ.
    public static let radius = Parameter.number(
      "radius", default: 0.05, in: .atLeast(0), doc: "neighbourhood radius ρ")
    /// `adaptive`: ASAM: scale the ascent step by |θ|.
    public static let adaptive = Parameter.bool(
      "adaptive", default: false, doc: "ASAM: scale the ascent step by |θ|")
  }

  /// `sam` in specs and `saddle list`.
  public static let schema = StageSchema(
    "sam", summary: "gradient at θ + ρg/‖g‖ (Foret et al. 2021)",
    parameters: [Parameters.radius, Parameters.adaptive])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(radius: try p.read(Parameters.radius), adaptive: try p.read(Parameters.adaptive))
  }
}
