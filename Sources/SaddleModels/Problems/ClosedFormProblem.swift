import SaddleCore

/// A deterministic test objective with an exact gradient and Hessian in `Double` and known
/// critical points (`reference/test-problems.md`), so estimators and update rules can be
/// checked against the truth.
///
/// A conforming type writes only ``value(at:)``, ``gradient(at:)`` and ``hessian(at:)`` (in
/// `Double`); the `Model` requirements (`Float` loss, gradient and exact Hessian-vector
/// product) come from the default implementations in `ClosedFormProblem+Model.swift`, and
/// the `SaddleDeclaring` value (the first listed saddle's) from there too.
public protocol ClosedFormProblem: SaddleDeclaring, Sendable where Batch == Void {
  /// The registry name used by ``ProblemCatalog``, e.g. `"rosenbrock"`.
  static var name: String { get }

  /// The number of parameters `d`.
  var dimension: Int { get }

  /// `f(p)` in `Double`.
  func value(at p: [Double]) -> Double

  /// `∇f(p)` in `Double`.
  func gradient(at p: [Double]) -> [Double]

  /// The exact Hessian `∇²f(p)` in `Double`, as `d` rows of `d` entries.
  func hessian(at p: [Double]) -> [[Double]]

  /// The exact product `∇²f(p)·v` in `Double`. Defaults to ``hessian(at:)`` times `v`
  /// (`O(d²)`); problems with structure override it with an `O(d)` or matrix-free product.
  func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double]

  /// Known closed-form saddle points (`[]` if none).
  var saddles: [CriticalPoint] { get }

  /// Known minima (a representative point of each family when minima form a manifold).
  var minima: [CriticalPoint] { get }

  /// Where `Model.initialParameters(seed:)` starts: exactly for seed 0, perturbed by `1e-8`
  /// for other seeds (usually a saddle).
  var defaultStart: [Double] { get }
}
