/// The per-step oracle: a model bound to the current batch, counting every evaluation.
///
/// Estimators and rules that need extra evaluations (a dimer probe, SAM's second gradient,
/// Hessian-vector products) call it on the *same* batch as the step's gradient. It is passed
/// as `inout` to whichever stage needs it, so there is exactly one owner of the counters.
public struct Objective {
  /// The model bound to the batch, held as an existential so that a small model (most
  /// closed-form problems, any class-based network) needs no allocation per step.
  @usableFromInline let source: any ObjectiveSource

  /// Evaluations made through this objective so far.
  @usableFromInline var _counts = EvaluationCounts()
  /// Evaluations made through this objective so far.
  public var counts: EvaluationCounts { _counts }

  /// An objective over `model` on `batch`.
  public init<M: Model>(model: M, batch: M.Batch) {
    source = BoundModel(model: model, batch: batch)
  }

  /// An objective from closures (for tests and adapters).
  public init(
    lossAndGradient: @escaping (ParameterVector, inout ParameterVector) -> Double,
    loss: @escaping (ParameterVector) -> Double,
    hessianVectorProduct: ((ParameterVector, ParameterVector, inout ParameterVector) -> Void)? =
      nil
  ) {
    source = ClosureSource(
      lossAndGradientBody: lossAndGradient, lossBody: loss, hvpBody: hessianVectorProduct)
  }

  /// `L(θ)`, writing `∇L(θ)` into `gradient`. Counts one gradient evaluation.
  @inlinable
  public mutating func lossAndGradient(
    at parameters: ParameterVector, into gradient: inout ParameterVector
  ) -> Double {
    _counts.gradients += 1
    return source.lossAndGradient(at: parameters, into: &gradient)
  }

  /// `L(θ)` alone. Counts one loss evaluation.
  @inlinable
  public mutating func loss(at parameters: ParameterVector) -> Double {
    _counts.losses += 1
    return source.loss(at: parameters)
  }

  /// Whether the model provides an exact Hessian-vector product.
  public var hasExactHessianVectorProduct: Bool { source.hasExactHessianVectorProduct }

  /// Writes the exact `H(θ)·v` into `result`. Counts one Hessian-vector product.
  /// - Precondition: ``hasExactHessianVectorProduct``.
  @inlinable
  public mutating func exactHessianVectorProduct(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    precondition(
      source.hasExactHessianVectorProduct, "this model has no exact Hessian-vector product")
    _counts.hessianVectorProducts += 1
    source.hessianVectorProduct(at: parameters, along: vector, into: &result)
  }
}

/// What an ``Objective`` evaluates: a model bound to a batch, or closures.
@usableFromInline
protocol ObjectiveSource {
  func lossAndGradient(at parameters: ParameterVector, into gradient: inout ParameterVector)
    -> Double
  func loss(at parameters: ParameterVector) -> Double
  var hasExactHessianVectorProduct: Bool { get }
  func hessianVectorProduct(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector)
}

struct BoundModel<M: Model>: ObjectiveSource {
  let model: M
  let batch: M.Batch

  func lossAndGradient(at parameters: ParameterVector, into gradient: inout ParameterVector)
    -> Double
  {
    model.lossAndGradient(at: parameters, on: batch, into: &gradient)
  }

  func loss(at parameters: ParameterVector) -> Double { model.loss(at: parameters, on: batch) }

  var hasExactHessianVectorProduct: Bool { model.hasExactHessianVectorProduct }

  func hessianVectorProduct(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    model.hessianVectorProduct(at: parameters, on: batch, along: vector, into: &result)
  }
}

struct ClosureSource: ObjectiveSource {
  let lossAndGradientBody: (ParameterVector, inout ParameterVector) -> Double
  let lossBody: (ParameterVector) -> Double
  let hvpBody: ((ParameterVector, ParameterVector, inout ParameterVector) -> Void)?

  func lossAndGradient(at parameters: ParameterVector, into gradient: inout ParameterVector)
    -> Double
  {
    lossAndGradientBody(parameters, &gradient)
  }

  func loss(at parameters: ParameterVector) -> Double { lossBody(parameters) }

  var hasExactHessianVectorProduct: Bool { hvpBody != nil }

  func hessianVectorProduct(
    at parameters: ParameterVector, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    hvpBody?(parameters, vector, &result)
  }
}
