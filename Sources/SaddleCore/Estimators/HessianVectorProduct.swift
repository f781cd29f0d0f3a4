/// How a Hessian-vector product `H(θ)·v` is computed.
///
/// - `finiteDifference(step: h)`: central differences of the gradient,
///   `Hv ≈ (∇L(θ + t v) − ∇L(θ − t v)) / (2t)` with `t = h/‖v‖` (so the probe points are at
///   distance `h` from `θ`); 2 gradient evaluations, error `O(h²)` (exact on quadratics up to
///   rounding, which is about `ε_float·‖∇L‖/h` per component). Valid range: `h > 0`.
/// - `exact`: the model's own Hessian-vector product (Pearlmutter 1994); 1 HVP (cost 2).
///   Requires a model with ``Model/hasExactHessianVectorProduct``.
/// - `automatic`: `exact` when the model has one, else `finiteDifference(step: 1e-3)`.
public enum HVPMethod: Sendable, Hashable, Codable {
  /// Central finite differences of the gradient with probe distance `step`.
  case finiteDifference(step: Double = 1e-3)
  /// The model's exact Hessian-vector product.
  case exact
  /// Exact when available, else finite differences with step `1e-3`.
  case automatic

  /// The evaluations one product costs on `objective`.
  public func cost(on objective: Objective) -> EvaluationCounts {
    switch resolved(for: objective) {
    case .exact: return EvaluationCounts(hessianVectorProducts: 1)
    default: return EvaluationCounts(gradients: 2)
    }
  }

  /// The concrete method used on `objective`.
  func resolved(for objective: Objective) -> HVPMethod {
    switch self {
    case .automatic:
      return objective.hasExactHessianVectorProduct ? .exact : .finiteDifference(step: 1e-3)
    default: return self
    }
  }

  /// Writes `H(θ)·v` into `result`, paying through `objective`. A zero `v` gives zero at no cost.
  func product(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector, objective: inout Objective,
    workspace: inout HVPWorkspace
  ) {
    switch resolved(for: objective) {
    case .exact:
      objective.exactHessianVectorProduct(at: parameters, along: vector, into: &result)
    case .finiteDifference(let h):
      FiniteDifferenceHVP(step: h).product(
        at: parameters, along: vector, into: &result, objective: &objective,
        workspace: &workspace)
    case .automatic:
      preconditionFailure("unreachable: automatic resolves to a concrete method")
    }
  }
}

/// Finite-difference Hessian-vector products from two gradient evaluations:
/// `Hv ≈ (∇L(θ + t v) − ∇L(θ − t v)) / (2t)`, `t = h/‖v‖`.
///
/// Pearlmutter (1994) discusses this classical approximation; the truncation error is
/// `O(h²‖∇³L‖)` and the rounding error about `ε_float·‖∇L‖/h`, so `h` near `1e-3` balances the
/// two in `Float`. Cost: 2 gradient evaluations (none when `v = 0`).
public struct FiniteDifferenceHVP: Sendable, Hashable, Codable {
  /// The probe distance `h > 0`.
  public var step: Double

  /// Central differences with probe distance `step` (valid range `step > 0`).
  public init(step: Double = 1e-3) {
    precondition(step > 0 && step.isFinite, "FiniteDifferenceHVP: step must be > 0, got \(step)")
    self.step = step
  }

  /// Writes `≈ H(θ)·v` into `result` (sized like `v`), using `workspace` for the probe point and
  /// gradient (allocated once).
  public func product(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector, objective: inout Objective,
    workspace: inout HVPWorkspace
  ) {
    let n = parameters.count
    let norm = vector.norm
    guard norm > 0, norm.isFinite else {
      result.fill(with: 0)
      return
    }
    prepareScratch(&workspace.point, count: n)
    prepareScratch(&workspace.gradient, count: n)
    let t = step / norm
    workspace.point!.assign(parameters, plus: Float(t), times: vector)
    _ = objective.lossAndGradient(at: workspace.point!, into: &result)
    workspace.point!.assign(parameters, plus: Float(-t), times: vector)
    _ = objective.lossAndGradient(at: workspace.point!, into: &workspace.gradient!)
    result.add(workspace.gradient!, scaledBy: -1)
    result.scale(by: Float(1 / (2 * t)))
  }
}

/// Scratch buffers for Hessian-vector products (never encoded; allocated on first use).
public struct HVPWorkspace: Sendable {
  var point: ParameterVector?
  var gradient: ParameterVector?

  /// An empty workspace.
  public init() {}
}

extension HVPMethod {
  /// The `hvp` and `hvpStep` fields of every stage that takes Hessian-vector products.
  public enum Parameters {
    /// `hvp`: how products are computed.
    public static let hvp = Parameter.choice(
      "hvp", default: "automatic", from: ["automatic", "exact", "finite-difference"],
      doc: "Hessian-vector products: the model's exact ones if it has them, or finite differences")
    /// `hvpStep`: the finite-difference step.
    public static let hvpStep = Parameter.number(
      "hvpStep", default: 1e-3, in: .greaterThan(0),
      doc: "finite-difference step (with hvp = finite-difference)")
  }

  /// `hvp` and `hvpStep`, in listing order.
  public static let parameters: [any ParameterDeclaration] = [Parameters.hvp, Parameters.hvpStep]

  /// Reads `hvp` (and `hvpStep` with finite differences) from a spec's fields.
  public init(parameters p: StageParameters) throws(SpecError) {
    switch try p.read(Parameters.hvp) {
    case "exact": self = .exact
    case "finite-difference": self = .finiteDifference(step: try p.read(Parameters.hvpStep))
    default: self = .automatic
    }
  }
}
