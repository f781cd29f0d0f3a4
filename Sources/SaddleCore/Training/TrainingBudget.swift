/// When a training run stops.
public struct TrainingBudget: Sendable, Codable, Equatable {
  /// Maximum number of optimizer steps.
  public var steps: Int?
  /// Maximum gradient evaluations (the optimizer's and its estimators').
  public var gradientEvaluations: Int?
  /// Maximum cost in gradient-equivalents (see ``EvaluationCounts/cost``).
  public var cost: Int?
  /// Stop once the loss at the current parameters is at or below this.
  public var targetLoss: Double?

  /// A budget; at least one limit should be set.
  public init(
    steps: Int? = nil, gradientEvaluations: Int? = nil, cost: Int? = nil,
    targetLoss: Double? = nil
  ) {
    self.steps = steps
    self.gradientEvaluations = gradientEvaluations
    self.cost = cost
    self.targetLoss = targetLoss
  }
}
