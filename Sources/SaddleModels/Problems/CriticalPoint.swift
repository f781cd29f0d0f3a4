/// A critical point of a closed-form problem (`∇f(p) = 0`), with its value and the spectrum of
/// the Hessian there, as listed in `reference/test-problems.md`.
public struct CriticalPoint: Sendable, Codable, Equatable {
  /// What the Hessian says about the point.
  public enum Kind: String, Sendable, Codable, Equatable {
    /// At least one negative Hessian eigenvalue (a strict saddle).
    case saddle
    /// A local (here: global) minimum. Its Hessian is positive semidefinite; zero eigenvalues
    /// mark flat directions of a manifold of minima (e.g. `ab = 1` in scalar factorization).
    case minimum
    /// No negative eigenvalue but the point is not a minimum: the Hessian cannot classify it
    /// (e.g. the monkey saddle, or all-zero weights of a deep linear network with `L ≥ 3`).
    case degenerate
    /// A strict local maximum: every Hessian eigenvalue negative (e.g. the origin of
    /// ``PhaseRetrieval``). Not listed among ``ClosedFormProblem/saddles``.
    case maximum
  }

  /// The point, in the flat parameter order of the problem's `layout`.
  public var point: [Double]
  /// `f(point)`.
  public var value: Double
  /// The eigenvalues of `∇²f(point)`, ascending.
  public var hessianEigenvalues: [Double]
  /// Saddle, minimum, degenerate or maximum.
  public var kind: Kind

  /// A critical point; `hessianEigenvalues` is stored sorted ascending.
  public init(point: [Double], value: Double, hessianEigenvalues: [Double], kind: Kind) {
    self.point = point
    self.value = value
    self.hessianEigenvalues = hessianEigenvalues.sorted()
    self.kind = kind
  }
}
