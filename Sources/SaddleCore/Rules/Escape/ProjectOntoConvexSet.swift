/// A closed convex set with a cheap Euclidean projection.
///
/// - `.box(lower: a, upper: b)`: `{θ : a ≤ θᵢ ≤ b}`, `Π(y)ᵢ = min(max(yᵢ, a), b)`; `a ≤ b`.
/// - `.ball(center: c, radius: r)`: `{θ : ‖θ − c‖ ≤ r}` (`c = nil` is the origin),
///   `Π(y) = c + (y − c)·min(1, r/‖y − c‖)`; `r ≥ 0`.
/// - `.simplex`: the probability simplex `{θ ≥ 0, Σθᵢ = 1}`, projected by Michelot's (1986)
///   finite algorithm: `Π(y) = max(y − τ, 0)` with `τ` from a fixed-point iteration over the
///   coordinates above it (no sort, no allocation).
public enum ConvexSet: Sendable, Equatable, Codable {
  /// A box with the same bounds on every coordinate.
  case box(lower: Float, upper: Float)
  /// A Euclidean ball around `center` (the origin when `nil`).
  case ball(center: ParameterVector? = nil, radius: Double)
  /// The probability simplex.
  case simplex

  /// `y ← Π(y)`.
  public func project(_ y: inout ParameterVector) {
    let n = y.count
    let p = y.unsafeMutableBaseAddress()
    switch self {
    case .box(let lower, let upper):
      for i in 0..<n { p[i] = Swift.min(Swift.max(p[i], lower), upper) }
    case .ball(let center, let radius):
      var norm2 = 0.0
      for i in 0..<n {
        let v = Double(p[i] - (center?[i] ?? 0))
        norm2 += v * v
      }
      let norm = norm2.squareRoot()
      guard norm > radius, norm.isFinite else { return }
      let s = Float(radius / norm)
      for i in 0..<n {
        let c = center?[i] ?? 0
        p[i] = c + (p[i] - c) * s
      }
    case .simplex:
      guard n > 0 else { return }
      var sum = 0.0
      for i in 0..<n { sum += Double(p[i]) }
      var tau = (sum - 1) / Double(n)
      for _ in 0..<(n + 1) {
        var activeSum = 0.0
        var active = 0
        for i in 0..<n where Double(p[i]) > tau {
          activeSum += Double(p[i])
          active += 1
        }
        guard active > 0 else { break }
        let next = (activeSum - 1) / Double(active)
        if next == tau { break }
        tau = next
      }
      for i in 0..<n { p[i] = Float(Swift.max(Double(p[i]) - tau, 0)) }
    }
  }

  /// `v ← ` its projection onto the linear span of the face of the set that holds `θ` (within
  /// `tolerance`): the directions along which small moves of either sign stay feasible.
  /// Box: zero the coordinates at a bound; ball: on the boundary, remove the radial component;
  /// simplex: zero the coordinates at 0, then remove the mean of the others (so `Σvᵢ = 0`).
  public func restrictToFace(
    _ v: inout ParameterVector, at theta: ParameterVector, tolerance: Float = 1e-6
  ) {
    let n = v.count
    let p = v.unsafeMutableBaseAddress()
    switch self {
    case .box(let lower, let upper):
      for i in 0..<n where theta[i] <= lower + tolerance || theta[i] >= upper - tolerance {
        p[i] = 0
      }
    case .ball(let center, let radius):
      var norm2 = 0.0
      var along = 0.0
      for i in 0..<n {
        let r = Double(theta[i] - (center?[i] ?? 0))
        norm2 += r * r
        along += r * Double(p[i])
      }
      let norm = norm2.squareRoot()
      guard norm >= radius - Double(tolerance), norm > 0 else { return }
      let s = Float(along / norm2)
      for i in 0..<n { p[i] -= s * (theta[i] - (center?[i] ?? 0)) }
    case .simplex:
      var sum = 0.0
      var free = 0
      for i in 0..<n {
        if theta[i] <= tolerance {
          p[i] = 0
        } else {
          sum += Double(p[i])
          free += 1
        }
      }
      guard free > 0 else { return }
      let mean = Float(sum / Double(free))
      for i in 0..<n where theta[i] > tolerance { p[i] -= mean }
    }
  }
}

/// Projected steps onto a convex set: `d ← θ − Π(θ − d)`, so `θ − d = Π(θ − d)` lands in the
/// set (projected gradient descent; for escape with constraints see Mokhtari, Ozdaglar &
/// Jadbabaie 2018, "Escaping saddle points in constrained optimization").
///
/// Place it last: it makes whatever step the stages before produced (base rule, negative-
/// curvature step) feasible. Cost: no evaluations. Negative-curvature steps are restricted to
/// feasible directions by ``RestrictCurvatureToFeasibleDirections`` placed after the estimator.
public struct ProjectOntoConvexSet: UpdateRule, Sendable {
  /// The set.
  public var set: ConvexSet

  /// Projection onto `set`.
  public init(_ set: ConvexSet) {
    switch set {
    case .box(let a, let b): precondition(a <= b, "ProjectOntoConvexSet: box needs lower ≤ upper")
    case .ball(_, let r): precondition(r >= 0, "ProjectOntoConvexSet: radius must be ≥ 0")
    case .simplex: break
    }
    self.set = set
  }

  /// Scratch for `θ − d` (not encoded).
  public struct State: Codable, Sendable {
    var target: ParameterVector?
    enum CodingKeys: CodingKey {}
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    prepareScratch(&state.target, count: context.parameters.count)
    state.target!.assign(context.parameters, plus: -1, times: context.direction)
    set.project(&state.target!)
    context.direction.assign(context.parameters, plus: -1, times: state.target!)
  }
}

/// Restricts the curvature estimate's direction to the feasible directions of a convex set:
/// `N ← P_face(N)/‖P_face(N)‖` (see ``ConvexSet/restrictToFace(_:at:tolerance:)``), so a
/// following ``NegativeCurvatureStep`` moves within the face that holds `θ` — where moves of
/// either sign stay feasible for small steps. If nothing is left (`P_face(N) = 0`), the estimate
/// is dropped for this step. The curvature value is kept as estimated along the unrestricted
/// `N` (re-measuring would cost evaluations); it is exact when `N` already lies in the face.
/// Global estimates only (a per-segment estimate is restricted segment by segment).
/// Cost: no evaluations.
public struct RestrictCurvatureToFeasibleDirections: UpdateRule, Sendable {
  /// The set.
  public var set: ConvexSet

  /// Restriction to the faces of `set`.
  public init(_ set: ConvexSet) { self.set = set }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout EmptyState
  ) {
    guard var estimate = context.curvature else { return }
    context.curvature = nil
    set.restrictToFace(&estimate.direction, at: context.parameters)
    var remaining = false
    forEachCurvatureGroup(of: estimate, layout: context.layout) { range, _ in
      if normalize(&estimate.direction, in: range) > 1e-6 { remaining = true }
    }
    context.curvature = remaining ? estimate : nil
  }
}

extension ProjectOntoConvexSet {
  /// The parameters of the `project-box` and `project-ball` stages (and the presets on a set).
  public enum Parameters {
    /// `lower`: the box's lower bound.
    public static let lower = Parameter.number(
      "lower", default: -1, doc: "lower bound of every coordinate")
    /// `upper`: the box's upper bound, `≥ lower`.
    public static let upper = Parameter.number(
      "upper", default: 1, doc: "upper bound of every coordinate (≥ lower)")
    /// `radius`: the ball's radius.
    public static let radius = Parameter.number(
      "radius", default: 1, in: .atLeast(0), doc: "ball radius r")
  }

  /// `project-box` in specs and `saddle list`.
  public static let boxSchema = StageSchema(
    "project-box", summary: "keep θ in the box [lower, upper]",
    parameters: [Parameters.lower, Parameters.upper])
  /// `project-ball` in specs and `saddle list`.
  public static let ballSchema = StageSchema(
    "project-ball", summary: "keep θ in the ball ‖θ‖ ≤ r", parameters: [Parameters.radius])
  /// `project-simplex` in specs and `saddle list`.
  public static let simplexSchema = StageSchema(
    "project-simplex", summary: "keep θ in the probability simplex", parameters: [])

  /// Reads `lower` and `upper` (refusing `upper < lower`) and returns the bounds.
  public static func boxBounds(_ p: StageParameters) throws(SpecError) -> (Double, Double) {
    let lower = try p.read(Parameters.lower)
    let upper = try p.read(Parameters.upper)
    guard lower <= upper else {
      throw SpecError(location: p.location, field: "upper", "\(upper) is below lower \(lower)")
    }
    return (lower, upper)
  }

  /// `project-box` from a spec's fields.
  public static func box(parameters p: StageParameters) throws(SpecError) -> ProjectOntoConvexSet {
    let (lower, upper) = try boxBounds(p)
    return ProjectOntoConvexSet(.box(lower: Float(lower), upper: Float(upper)))
  }

  /// `project-ball` from a spec's fields.
  public static func ball(parameters p: StageParameters) throws(SpecError) -> ProjectOntoConvexSet {
    ProjectOntoConvexSet(.ball(radius: try p.read(Parameters.radius)))
  }
}
