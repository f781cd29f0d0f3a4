import SaddleCore

/// A deterministic test objective with an exact gradient and Hessian in `Double` and known
/// critical points (`reference/test-problems.md`), so estimators and update rules can be
/// checked against the truth.
///
/// A conforming type writes ``value(at:)``, ``gradient(at:)`` and the exact Hessian-vector
/// product ``hessianVectorProduct(at:along:)`` (in `Double`); a problem whose Hessian is easier
/// written densely conforms to ``DenseHessianProblem`` instead and writes ``hessian(at:)``, from
/// which the product follows. The dense ``hessian(at:)`` of any other problem is assembled
/// from `d` products, so nothing that needs only products pays for it. Problems that share work
/// between `f` and `∇f` override ``valueAndGradient(at:)``, which the `Model` bridge calls once
/// per gradient evaluation. The `Model` requirements (`Float` loss, gradient and exact
/// Hessian-vector product) come from the default implementations in
/// `ClosedFormProblem+Model.swift`, and the `SaddleDeclaring` value (the first listed saddle's)
/// from there too.
public protocol ClosedFormProblem: SaddleDeclaring, Sendable where Batch == Void {
  /// The registry name used by ``ProblemCatalog``, e.g. `"rosenbrock"`.
  static var name: String { get }

  /// The number of parameters `d`.
  var dimension: Int { get }

  /// `f(p)` in `Double`.
  func value(at p: [Double]) -> Double

  /// `∇f(p)` in `Double`.
  func gradient(at p: [Double]) -> [Double]

  /// `f(p)` and `∇f(p)` in `Double`, in one call. Defaults to ``value(at:)`` and
  /// ``gradient(at:)``; problems that share work between the two (a change of basis, a
  /// recursion) override it with a single pass giving the same bits.
  func valueAndGradient(at p: [Double]) -> (value: Double, gradient: [Double])

  /// The exact Hessian `∇²f(p)` in `Double`, as `d` rows of `d` entries. Defaults to the `d`
  /// products `∇²f(p)·eᵢ` (``hessianVectorProduct(at:along:)``, symmetrized columns), so only
  /// problems with a natural dense form (``DenseHessianProblem``) write it.
  func hessian(at p: [Double]) -> [[Double]]

  /// The exact product `∇²f(p)·v` in `Double`. A ``DenseHessianProblem`` gets it as
  /// ``hessian(at:)`` times `v` (`O(d²)`); other problems write it, usually in `O(d)` or
  /// matrix-free.
  func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double]

  /// Known closed-form saddle points (`[]` if none).
  var saddles: [CriticalPoint] { get }

  /// Known minima (a representative point of each family when minima form a manifold).
  var minima: [CriticalPoint] { get }

  /// Where `Model.initialParameters(seed:)` starts: exactly for seed 0, perturbed by `1e-8`
  /// for other seeds (usually a saddle).
  var defaultStart: [Double] { get }
}

/// A ``ClosedFormProblem`` that writes its dense Hessian ``ClosedFormProblem/hessian(at:)``
/// and gets the Hessian-vector product from it (`O(d²)`): the natural form for small problems
/// given by a formula (Rosenbrock, the double well, the monkey saddle).
///
/// A conforming type must write ``ClosedFormProblem/hessian(at:)``: the default dense Hessian
/// is assembled from products, and the default product here from the dense Hessian.
public protocol DenseHessianProblem: ClosedFormProblem {}
