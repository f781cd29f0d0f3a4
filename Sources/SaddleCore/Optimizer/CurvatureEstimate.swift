/// An estimate of the lowest-curvature direction of the loss at the current point.
///
/// `direction` is `N` with `‖N‖ = 1` globally, or `‖N_s‖ = 1` within every segment `s` when
/// the estimate is per segment; `curvature` is the Rayleigh quotient `C = NᵀHN` (for a
/// per-segment estimate, the smallest of `segmentCurvatures`).
public struct CurvatureEstimate: Codable, Sendable {
  /// The unit direction `N` (globally, or within each segment).
  public var direction: ParameterVector
  /// `C ≈ NᵀHN`, the curvature along `direction` (the minimum over segments when per segment).
  public var curvature: Double
  /// `C_s ≈ N_sᵀ H_ss N_s` for each segment, or `nil` for a global estimate.
  public var segmentCurvatures: [Double]?
  /// The optimizer step at which the estimate was made.
  public var step: Int

  /// A global or per-segment estimate.
  public init(
    direction: ParameterVector, curvature: Double, segmentCurvatures: [Double]? = nil, step: Int
  ) {
    self.direction = direction
    self.curvature = curvature
    self.segmentCurvatures = segmentCurvatures
    self.step = step
  }
}
