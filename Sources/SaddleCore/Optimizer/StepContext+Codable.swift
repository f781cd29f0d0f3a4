extension StepContext: Codable {
  enum CodingKeys: String, CodingKey {
    case step, layout, parameters, loss, curvature, random, learningRateScale
  }

  /// Restores the context that persists across steps (gradient and direction are recomputed
  /// at the start of every step, so they are not stored).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    layout = try c.decode(ParameterLayout.self, forKey: .layout)
    parameters = try c.decode(ParameterVector.self, forKey: .parameters)
    guard parameters.count == layout.count else {
      throw DecodingError.dataCorruptedError(
        forKey: .parameters, in: c,
        debugDescription: "\(parameters.count) parameters but the layout has \(layout.count)")
    }
    step = try c.decode(Int.self, forKey: .step)
    loss = try c.decodeIfPresent(Double.self, forKey: .loss) ?? .nan
    curvature = try c.decodeIfPresent(CurvatureEstimate.self, forKey: .curvature)
    random = try c.decode(SeededGenerator.self, forKey: .random)
    learningRateScale = try c.decodeIfPresent(Double.self, forKey: .learningRateScale) ?? 1
    guard learningRateScale.isFinite, learningRateScale > 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .learningRateScale, in: c,
        debugDescription: "learning-rate scale \(learningRateScale) is not a positive number")
    }
    gradient = ParameterVector(count: layout.count)
    directionStorage = ParameterVector(count: layout.count)
    metrics = StepMetrics()
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(step, forKey: .step)
    try c.encode(layout, forKey: .layout)
    try c.encode(parameters, forKey: .parameters)
    if loss.isFinite { try c.encode(loss, forKey: .loss) }
    try c.encodeIfPresent(curvature, forKey: .curvature)
    try c.encode(random, forKey: .random)
    if learningRateScale != 1 { try c.encode(learningRateScale, forKey: .learningRateScale) }
  }
}
