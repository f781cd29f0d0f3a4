/// Builds an optimizer's stages from a block, in the style of swift-parsing.
///
/// ```swift
/// let deo = Optimizer {
///   Dimer(separation: 1e-3).every(10)
///   ProjectOutMinimumCurvature(strength: 1, when: .negative)
///   Adam(learningRate: 1e-3)
/// }
/// ```
/// Stages fold left into ``Chain``; consecutive elementwise stages fold into ``FusedChain``
/// so they run as one pass. `if` gives an `Optional` stage, `if`/`else` an ``Either``, `for`
/// a ``StageArray``. Existential stages are wrapped explicitly with ``AnyUpdateRule``.
@resultBuilder
public enum OptimizerBuilder {
  /// A stage as written.
  public static func buildExpression<R: UpdateRule>(_ rule: R) -> R { rule }

  /// A curvature estimator, lifted into a stage.
  public static func buildExpression<E: CurvatureEstimator>(_ estimator: E) -> EstimatorStage<E> {
    EstimatorStage(estimator)
  }

  /// An empty block is the identity.
  public static func buildBlock() -> Identity { Identity() }

  /// The first stage of a block.
  public static func buildPartialBlock<R: UpdateRule>(first: R) -> R { first }

  /// A stage after the ones before it.
  public static func buildPartialBlock<A: UpdateRule, B: UpdateRule>(
    accumulated: A, next: B
  ) -> Chain<A, B> {
    Chain(accumulated, next)
  }

  /// Two elementwise stages, fused into one pass.
  public static func buildPartialBlock<A: ElementwiseUpdateRule, B: ElementwiseUpdateRule>(
    accumulated: A, next: B
  ) -> FusedChain<A, B> {
    FusedChain(accumulated, next)
  }

  /// An elementwise stage after a chain that ends in one: fused with that last stage.
  public static func buildPartialBlock<
    X: UpdateRule, A: ElementwiseUpdateRule, B: ElementwiseUpdateRule
  >(accumulated: Chain<X, A>, next: B) -> Chain<X, FusedChain<A, B>> {
    Chain(accumulated.first, FusedChain(accumulated.second, next))
  }

  /// `if` without `else`.
  public static func buildOptional<R: UpdateRule>(_ rule: R?) -> R? { rule }

  /// The `if` branch of `if`/`else`.
  public static func buildEither<A: UpdateRule, B: UpdateRule>(first: A) -> Either<A, B> {
    .first(first)
  }

  /// The `else` branch of `if`/`else`.
  public static func buildEither<A: UpdateRule, B: UpdateRule>(second: B) -> Either<A, B> {
    .second(second)
  }

  /// The stages of a `for` loop.
  public static func buildArray<R: UpdateRule>(_ rules: [R]) -> StageArray<R> { StageArray(rules) }

  /// `if #available`.
  public static func buildLimitedAvailability<R: UpdateRule>(_ rule: R) -> R { rule }
}
