/// How many oracle evaluations an optimizer and its estimators made.
///
/// The honest cost unit of every comparison (see `reference/test-problems.md`): a gradient
/// costs 1, an exact Hessian-vector product 2, a loss-only evaluation 1.
public struct EvaluationCounts: Hashable, Codable, Sendable {
  /// Gradient evaluations (each also yields the loss).
  public var gradients: Int = 0
  /// Loss-only evaluations.
  public var losses: Int = 0
  /// Exact Hessian-vector products.
  public var hessianVectorProducts: Int = 0

  /// A zero count.
  public init(gradients: Int = 0, losses: Int = 0, hessianVectorProducts: Int = 0) {
    self.gradients = gradients
    self.losses = losses
    self.hessianVectorProducts = hessianVectorProducts
  }

  /// The cost in gradient-equivalents: `gradients + losses + 2·hessianVectorProducts`.
  public var cost: Int { gradients + losses + 2 * hessianVectorProducts }

  /// Componentwise sum.
  public static func + (a: Self, b: Self) -> Self {
    Self(
      gradients: a.gradients + b.gradients, losses: a.losses + b.losses,
      hessianVectorProducts: a.hessianVectorProducts + b.hessianVectorProducts)
  }

  /// Componentwise difference.
  public static func - (a: Self, b: Self) -> Self {
    Self(
      gradients: a.gradients - b.gradients, losses: a.losses - b.losses,
      hessianVectorProducts: a.hessianVectorProducts - b.hessianVectorProducts)
  }
}
