/// The per-step oracle: a model bound to the current batch, counting every evaluation.
///
/// Estimators and rules that need extra evaluations (a dimer probe, SAM's second gradient,
/// Hessian-vector products) call it on the *same* batch as the step's gradient. It is passed
/// as `inout` to whichever stage needs it, so there is exactly one owner of the counters.
public struct Objective {
  @usableFromInline let lossAndGradientBody: (ParameterVector, inout ParameterVector) -> Double
  @usableFromInline let lossBody: (ParameterVector) -> Double
  @usableFromInline let hvpBody:
    ((ParameterVector, ParameterVector, inout ParameterVector) -> Void)?

  /// Evaluations made through this objective so far.
  @usableFromInline var _counts = EvaluationCounts()
  /// Evaluations made through this objective so far.
  public var counts: EvaluationCounts { _counts }

  /// An objective over `model` on `batch`.
  public init<M: Model>(model: M, batch: M.Batch) {
    lossAndGradientBody = { model.lossAndGradient(at: $0, on: batch, into: &$1) }
    lossBody = { model.loss(at: $0, on: batch) }
    hvpBody =
      model.hasExactHessianVectorProduct
      ? { model.hessianVectorProduct(at: $0, on: batch, along: $1, into: &$2) } : nil
  }

  /// An objective from closures (for tests and adapters).
  public init(
    lossAndGradient: @escaping (ParameterVector, inout ParameterVector) -> Double,
    loss: @escaping (ParameterVector) -> Double,
    hessianVectorProduct: ((ParameterVector, ParameterVector, inout ParameterVector) -> Void)? =
      nil
  ) {
    lossAndGradientBody = lossAndGradient
    lossBody = loss
    hvpBody = hessianVectorProduct
  }

  /// `L(θ)`, writing `∇L(θ)` into `gradient`. Counts one gradient evaluation.
  @inlinable
  public mutating func lossAndGradient(
    at parameters: ParameterVector, into gradient: inout ParameterVector
  ) -> Double {
    _counts.gradients += 1
    return lossAndGradientBody(parameters, &gradient)
  }

  /// `L(θ)` alone. Counts one loss evaluation.
  @inlinable
  public mutating func loss(at parameters: ParameterVector) -> Double {
    _counts.losses += 1
    return lossBody(parameters)
  }

  /// Whether the model provides an exact Hessian-vector product.
  public var hasExactHessianVectorProduct: Bool { hvpBody != nil }

  /// Writes the exact `H(θ)·v` into `result`. Counts one Hessian-vector product.
  /// - Precondition: ``hasExactHessianVectorProduct``.
  @inlinable
  public mutating func exactHessianVectorProduct(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    guard let hvpBody else {
      preconditionFailure("this model has no exact Hessian-vector product")
    }
    _counts.hessianVectorProducts += 1
    hvpBody(parameters, vector, &result)
  }
}
