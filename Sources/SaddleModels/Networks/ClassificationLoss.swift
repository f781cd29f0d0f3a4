import Foundation

/// The training loss of a classifier on class-imbalanced data: the softmax cross-entropy with
/// optional class re-weighting, deferred re-weighting and label-distribution-aware margins.
///
/// With training counts `n_c` (or any numbers proportional to them for the options that only
/// use ratios), class weights `w_c`, margins `Δ_c` and logits `z`, the loss of a batch is
///
/// `L = Σₑ w_{yₑ}·ℓₑ / Σₑ w_{yₑ}`, `ℓₑ = −log softmax(zₑ − Δ_{yₑ}·e_{yₑ})_{yₑ}`
///
/// (the weighted mean of PyTorch's `cross_entropy(weight:)`, as in Cao et al.'s code; with unit
/// weights and zero margins the plain mean cross-entropy):
///
/// - ``Weighting/inverseFrequency``: `w_c ∝ 1/n_c`;
/// - ``Weighting/effectiveNumber(beta:)``: `w_c ∝ (1 − β)/(1 − β^{n_c})`, the inverse of the
///   effective number of samples `E_{n_c} = (1 − β^{n_c})/(1 − β)` (Cui, Jia, Lin, Song &
///   Belongie 2019, "Class-balanced loss based on effective number of samples", eqs. 2–3;
///   `β → 1` is inverse frequency, `β = 0` no re-weighting);
///
///   both normalized so that `Σ_c w_c = C` (the number of classes), as in Cui et al.;
/// - ``reweightFromStep`` (deferred re-weighting, DRW; Cao, Wei, Gaidon, Arechiga & Ma 2019,
///   "Learning imbalanced datasets with label-distribution-aware margin loss", Algorithm 1):
///   the weights apply only to batches of step `≥ reweightFromStep`; before it `w_c = 1`;
/// - ``margin`` `C_Δ > 0` (LDAM, Cao et al. 2019, eq. 13): `Δ_c = C_Δ·(n_min/n_c)^{1/4}`, i.e.
///   `Δ_c ∝ n_c^{−1/4}` scaled so that the largest margin (the rarest class's) is `C_Δ`. The
///   logits are not rescaled (Cao et al.'s `s = 30` goes with their normalized last layer).
///
/// LDAM-DRW is `margin > 0` with a weighting and `reweightFromStep > 0`, the combination
/// Rangwani et al. (2022, "Escaping saddle points for effective generalization on
/// class-imbalanced data") train with SAM.
public struct ClassificationLoss: Sendable, Equatable {
  /// How classes are re-weighted.
  public enum Weighting: Sendable, Equatable {
    /// All weights 1.
    case none
    /// `w_c ∝ 1/n_c`.
    case inverseFrequency
    /// `w_c ∝ (1 − β)/(1 − β^{n_c})` (Cui et al. 2019, eq. 3), `0 ≤ β < 1`.
    case effectiveNumber(beta: Double)
  }

  /// How classes are re-weighted.
  public var weighting: Weighting
  /// The first step whose batches are re-weighted (0: from the start; DRW when positive).
  public var reweightFromStep: Int
  /// The LDAM margin constant `C_Δ ≥ 0` (the rarest class's margin; 0: no margins).
  public var margin: Double

  /// A loss with the given options (the defaults give the plain cross-entropy).
  public init(weighting: Weighting = .none, reweightFromStep: Int = 0, margin: Double = 0) {
    if case .effectiveNumber(let beta) = weighting {
      precondition(beta >= 0 && beta < 1, "ClassificationLoss: need 0 ≤ beta < 1")
    }
    precondition(reweightFromStep >= 0, "ClassificationLoss: reweightFromStep must be ≥ 0")
    precondition(margin >= 0 && margin.isFinite, "ClassificationLoss: margin must be ≥ 0")
    self.weighting = weighting
    self.reweightFromStep = reweightFromStep
    self.margin = margin
  }

  /// The plain mean cross-entropy.
  public static let crossEntropy = ClassificationLoss()

  /// The class weights `w_c` for training counts `counts` (normalized to `Σ_c w_c = C`), or nil
  /// for ``Weighting/none``.
  public func classWeights(counts: [Double]) -> [Double]? {
    precondition(counts.allSatisfy { $0 > 0 }, "ClassificationLoss: class counts must be > 0")
    let raw: [Double]
    switch weighting {
    case .none: return nil
    case .inverseFrequency: raw = counts.map { 1 / $0 }
    case .effectiveNumber(let beta): raw = counts.map { (1 - beta) / (1 - pow(beta, $0)) }
    }
    let total = raw.reduce(0, +)
    return raw.map { $0 * Double(counts.count) / total }
  }

  /// The LDAM margins `Δ_c = C_Δ·(n_min/n_c)^{1/4}` (Cao et al. 2019, eq. 13), or nil when
  /// ``margin`` is 0.
  public func classMargins(counts: [Double]) -> [Double]? {
    precondition(counts.allSatisfy { $0 > 0 }, "ClassificationLoss: class counts must be > 0")
    guard margin > 0 else { return nil }
    let smallest = counts.min()!
    return counts.map { margin * pow(smallest / $0, 0.25) }
  }
}
