/// What one step did, as observers see it.
public struct StepRecord: Sendable {
  /// Steps completed (1 after the first step).
  public var step: Int
  /// The loss at the parameters before this step's update (NaN for a skipped step).
  public var loss: Double
  /// The parameters after the update.
  public var parameters: ParameterVector
  /// Evaluations so far.
  public var evaluations: EvaluationCounts
  /// What the stages reported in this step.
  public var metrics: StepMetrics
  /// Held-out metrics, on steps where the trainer evaluated.
  public var evaluation: [String: Double]?
  /// The stages' summaries (``Optimizer/summary(of:)``: learning rates, counters), on steps
  /// where an observer asked for them (``TrainingObserver/wantsStageSummary(atStep:)``).
  public var summary: [String: Double]?
  /// The learning-rate scale (1 unless a rollback reduced it).
  public var learningRateScale: Double = 1
  /// Set when the step was skipped (``NonFinitePolicy/skip``): parameters and state are as
  /// before it.
  public var skipped: TrainingHistory.NonFiniteEvent?
}
