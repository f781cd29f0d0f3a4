/// A model that declares the saddle its runs start near, so the cost of escaping it can be
/// measured on any model, not only on closed-form problems (`EscapeRunner` in SaddleStudy,
/// and studies, report an escape cost for every model that declares one).
///
/// A run has escaped at the first evaluation whose loss is below `saddleValue − escapeDepth`
/// (`reference/test-problems.md`). The model's ``Model/initialParameters(seed:)`` should start
/// near the saddle (e.g. the saddle plus a small seeded perturbation): a run starting exactly
/// on a saddle has a zero gradient and never moves. Closed-form problems conform already:
/// their ``saddleValue`` is the value of their first listed saddle and their ``escapeDepth``
/// is `nil`. In a study, `δ` is always the problem's `escapeDelta` (no `escapeDelta`, no
/// escape measured); ``escapeDepth`` is the default depth of `EscapeRunner`.
public protocol SaddleDeclaring: Model {
  /// `f(θ_s)`, the loss at the saddle the runs start near; `nil` if the model declares none.
  var saddleValue: Double? { get }
  /// `δ > 0`: escaped once `f < f(θ_s) − δ`; `nil` if the caller must give it.
  var escapeDepth: Double? { get }
}

extension SaddleDeclaring {
  /// No default depth: give one to the runner or the study (`escapeDelta`).
  public var escapeDepth: Double? { nil }
}
