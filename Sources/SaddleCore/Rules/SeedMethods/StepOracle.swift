/// What a pipeline needs the optimizer to evaluate at the start of each step.
///
/// By default ``Optimizer`` evaluates `L(θ)` and `∇L(θ)` on the step's batch before the stages
/// run. A stage that uses function values only (``ZerothOrderNCF``, Zhang, Xiong & Gu 2022) or
/// its own component-gradient oracle (``SSRGD``, Li 2019) declares a weaker need by
/// conforming to ``StepOracleDeclaring``; a pipeline needs the strongest oracle any of its
/// stages needs, and a stage that declares nothing needs ``lossAndGradient``.
public enum StepOracle: Int, Comparable, Sendable {
  /// The optimizer evaluates nothing; `context.gradient` is zero and `context.loss` is NaN
  /// until a stage sets it (the step returns the stage's value). A stage that finds its loss
  /// non-finite reports it with ``StepContext/reportNonFinite(_:stage:)``.
  case nothing
  /// The optimizer evaluates `L(θ)` only (one loss evaluation); `context.gradient` is zero.
  case loss
  /// The optimizer evaluates `L(θ)` and `∇L(θ)` (one gradient evaluation). The default.
  case lossAndGradient

  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A stage (or a composition of stages) that states which ``StepOracle`` it needs.
public protocol StepOracleDeclaring {
  /// The evaluations this stage needs the optimizer to make at the start of each step.
  var stepOracle: StepOracle { get }
}

/// The oracle `rule` needs: its declaration, or ``StepOracle/lossAndGradient`` if it declares
/// none.
@inlinable
public func stepOracle<R: UpdateRule>(of rule: R) -> StepOracle {
  (rule as? any StepOracleDeclaring)?.stepOracle ?? .lossAndGradient
}

extension Chain: StepOracleDeclaring {
  public var stepOracle: StepOracle {
    max(SaddleCore.stepOracle(of: first), SaddleCore.stepOracle(of: second))
  }
}

extension DynamicChain: StepOracleDeclaring {
  public var stepOracle: StepOracle {
    stages.map { SaddleCore.stepOracle(of: $0) }.max() ?? .lossAndGradient
  }
}

extension AnyUpdateRule: StepOracleDeclaring {
  public var stepOracle: StepOracle {
    (base as? any StepOracleDeclaring)?.stepOracle ?? .lossAndGradient
  }
}

extension Every: StepOracleDeclaring {
  public var stepOracle: StepOracle { SaddleCore.stepOracle(of: base) }
}

extension After: StepOracleDeclaring {
  public var stepOracle: StepOracle { SaddleCore.stepOracle(of: base) }
}

extension Named: StepOracleDeclaring {
  public var stepOracle: StepOracle { SaddleCore.stepOracle(of: base) }
}
