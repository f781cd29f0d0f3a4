/// A differentiable objective: its loss and gradient at a point, on a batch.
///
/// Closed-form problems use `Batch == Void`; networks draw batches deterministically from
/// `(step, seed)`, so a run is reproducible and resumable.
public protocol Model {
  /// The data one evaluation uses (`Void` for deterministic problems).
  associatedtype Batch = Void

  /// How the flat parameter vector splits into named tensors.
  var layout: ParameterLayout { get }

  /// The starting point for `seed` (deterministic).
  func initialParameters(seed: UInt64) -> ParameterVector

  /// The batch for `step` (deterministic in `(step, seed)`).
  func batch(step: Int, seed: UInt64) -> Batch

  /// The loss `L(θ; batch)`.
  func loss(at parameters: ParameterVector, on batch: Batch) -> Double

  /// The loss, writing `∇L(θ; batch)` into `gradient` (already sized to `layout.count`).
  func lossAndGradient(
    at parameters: ParameterVector, on batch: Batch, into gradient: inout ParameterVector
  ) -> Double

  /// Whether ``hessianVectorProduct(at:on:along:into:)`` is exact. Defaults to `false`.
  var hasExactHessianVectorProduct: Bool { get }

  /// Writes `H(θ)·v` into `result` when the model has an exact Hessian-vector product.
  /// The default does nothing; callers check ``hasExactHessianVectorProduct`` first.
  func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Batch, along vector: ParameterVector,
    into result: inout ParameterVector)

  /// Held-out metrics (e.g. `["loss": …, "accuracy": …]`) at `parameters`. Defaults to none.
  func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double]
}

extension Model {
  public var hasExactHessianVectorProduct: Bool { false }

  public func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Batch, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {}

  public func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double] { [:] }
}

extension Model where Batch == Void {
  /// Deterministic problems have no batches.
  public func batch(step: Int, seed: UInt64) {}
}
