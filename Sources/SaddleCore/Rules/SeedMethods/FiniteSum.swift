/// A finite-sum objective `f(θ) = (1/n)Σᵢ fᵢ(θ)` whose components can be evaluated alone
/// (for variance-reduced methods such as ``SSRGD``).
///
/// ``Model/loss(at:on:)`` and ``Model/lossAndGradient(at:on:into:)`` are the full average `f`.
/// A component gradient costs `1/n` of a full gradient: evaluations made through
/// ``Objective/minibatchLossAndGradient(at:components:into:ledger:)`` are billed in whole
/// gradient (loss) equivalents as they accumulate to `n` (Li 2019 counts stochastic gradients
/// the same way, so costs stay comparable with full-gradient methods).
public protocol FiniteSumModel: Model {
  /// The number of components `n ≥ 1`.
  var componentCount: Int { get }

  /// `(1/|I|)Σ_{i∈I} fᵢ(θ)`, writing `(1/|I|)Σ_{i∈I} ∇fᵢ(θ)` into `gradient`.
  func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector
  ) -> Double

  /// `(1/|I|)Σ_{i∈I} fᵢ(θ)`.
  func minibatchLoss(at parameters: ParameterVector, components: [Int]) -> Double
}

/// Component evaluations not yet billed as whole gradient or loss equivalents.
public struct ComponentLedger: Codable, Sendable, Equatable {
  /// Component gradients evaluated but not yet billed (`< n` after each call).
  public var gradients = 0
  /// Component losses evaluated but not yet billed.
  public var losses = 0

  /// An empty ledger.
  public init() {}
}

protocol FiniteSumSource {
  var componentCount: Int { get }
  func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector
  ) -> Double
  func minibatchLoss(at parameters: ParameterVector, components: [Int]) -> Double
}

extension BoundModel: FiniteSumSource where M: FiniteSumModel {
  var componentCount: Int { model.componentCount }

  func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector
  ) -> Double {
    model.minibatchLossAndGradient(at: parameters, components: components, into: &gradient)
  }

  func minibatchLoss(at parameters: ParameterVector, components: [Int]) -> Double {
    model.minibatchLoss(at: parameters, components: components)
  }
}

extension Objective {
  /// `n` when the objective is a ``FiniteSumModel``; `1` otherwise (the whole objective on the
  /// step's batch is then the only component).
  public var componentCount: Int { (source as? any FiniteSumSource)?.componentCount ?? 1 }

  /// The minibatch loss and gradient over `components` (indices in `0..<componentCount`).
  /// Bills `|I|` component gradients into `ledger` and moves every whole `n` of them into the
  /// gradient count. Without a finite-sum model (`n = 1`) this is one full evaluation.
  public mutating func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector,
    ledger: inout ComponentLedger
  ) -> Double {
    guard let finite = source as? any FiniteSumSource else {
      return lossAndGradient(at: parameters, into: &gradient)
    }
    let n = finite.componentCount
    ledger.gradients += components.count
    _counts.gradients += ledger.gradients / n
    ledger.gradients %= n
    return finite.minibatchLossAndGradient(
      at: parameters, components: components, into: &gradient)
  }

  /// The minibatch loss over `components`, billed like
  /// ``minibatchLossAndGradient(at:components:into:ledger:)`` into the loss count.
  public mutating func minibatchLoss(
    at parameters: ParameterVector, components: [Int], ledger: inout ComponentLedger
  ) -> Double {
    guard let finite = source as? any FiniteSumSource else { return loss(at: parameters) }
    let n = finite.componentCount
    ledger.losses += components.count
    _counts.losses += ledger.losses / n
    ledger.losses %= n
    return finite.minibatchLoss(at: parameters, components: components)
  }
}
