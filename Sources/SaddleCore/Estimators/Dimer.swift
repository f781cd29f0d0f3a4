import Foundation

/// The dimer method (Henkelman & Jónsson 1999, "A dimer method for finding saddle points on
/// high dimensional potential surfaces using only first derivatives", J. Chem. Phys. 111(15),
/// 7010–7022, doi:10.1063/1.480097): the minimum-curvature direction of the loss from
/// gradients only, with two closely spaced points `θ ± ΔN`. The paper's text was not reachable
/// here: the optimal-angle rotation is cross-checked against ASE's `ase/mep/dimer.py` in the
/// tests, and the paper's section and equation numbers quoted below are not verified.
///
/// With `h = (g₊ − g₋)/(2Δ) ≈ HN` (`g± = ∇L(θ ± ΔN)`):
/// - curvature `C = h·N ≈ NᵀHN`;
/// - rotational force (gradient form) `F⊥ = h − (h·N)N`, the sphere gradient of the Rayleigh
///   quotient (up to a factor 2).
///
/// Differences: `.central` evaluates both ends; `.forward` evaluates `g₊` only and uses
/// `g₋ ≈ 2g₀ − g₊` with `g₀ = ∇L(θ)` from the step (free) — ASE's `use_central_forces=True`.
///
/// Rotations (`rotations = r ≥ 0` per call; with `r = 0` the dimer only measures `C`):
/// - `.gradientStep(rate: η)`: `N ← normalize(N − ηF⊥)`, which descends the Rayleigh quotient
///   and converges to the eigenvector of the SMALLEST eigenvalue (a step of power iteration on
///   `I − ηH` restricted to the sphere; stable for `η < 2/(λ_max − λ_min)`). `C` is the value
///   measured before the last rotation.
/// - `.optimalAngle(trialAngle: φ₁, minimumForce:, maximumForce:)`: ASE's `ase/mep/dimer.py`
///   rotation, with forces `F = −∇L`: `Θ = normalize(⊥_N(F₁ − F₂))`, `c₀' = −2‖F_rot‖`, a trial
///   rotation by `φ₁` to `N_B`, `c₁' = (F₂ − F₁)_B·Θ_B/Δ`,
///   `a₁ = c₀' cos 2φ₁ − c₁'/(2 sin 2φ₁)` (ASE's operator precedence; identical to the textbook
///   `(c₀' cos 2φ₁ − c₁')/(2 sin 2φ₁)` at `φ₁ = π/4`), `b₁ = c₀'/2`, `a₀ = 2(c₀ − a₁)`,
///   `φ* = ½ atan(b₁/a₁)`, `C_min = a₀/2 + a₁ cos 2φ* + b₁ sin 2φ*`, `φ* += π/2` if `c₀ < C_min`,
///   `N ← N cos φ* + Θ sin φ*`, `C ← C_min`. No rotation when `‖F_rot‖ ≤ minimumForce`; after a
///   rotation, stop when `r` rotations are done or when `‖F_rot‖ ≤ maximumForce` (ASE's
///   `f_rot_min = 0.1`, `f_rot_max = 1`, `max_num_rot = 1`; our defaults `0, 0` let `rotations`
///   decide). One deliberate difference: after the `π/2` flip ASE keeps the pre-flip
///   `C_min` (the fitted *maximum*); we report the fitted value at the new angle, `a₀ − C_min`.
///   The fit is exact on quadratics.
/// - `conjugate: true` (optimal-angle only): the rotation plane's axis follows conjugate
///   gradients on the Rayleigh quotient instead of the bare force, as in Henkelman & Jónsson
///   (1999, sec. II, eqs. 9–11 — numbering not verified): `G = F_rot + γ‖G_prev‖Θ*_prev` with
///   the Polak–Ribière
///   `γ = max(0, (F_rot − F_rot,prev)·F_rot / ‖F_rot,prev‖²)` and `Θ*_prev = Θ_prev cos φ* −
///   N_prev sin φ*` (the previous axis carried through its rotation), `Θ = normalize(⊥_N G)`.
///   The memory persists across calls (the midpoint moves between them, so it is restarted
///   whenever `γ` would be negative). On a spectrum whose gap between `λ_min` and the next
///   eigenvalue is small relative to `λ_max`, steepest-descent rotations need ∝ `λ_max/gap`
///   rotations, conjugate ones ∝ `√(λ_max/gap)` (`saddle bench estimators`).
///
/// Scope: `.global` (one unit `N`) or `.perSegment` (one `N_s` per layout segment, unit within
/// it, as the DEO reference code keeps one per weight tensor). Per segment, every segment is
/// displaced at once (`θ ± ΔN` with the stacked `N`), so the cost equals the global dimer and
/// `C_s = h_s·N_s` includes the cross-segment blocks `Σ_{t≠s} N_sᵀH_{st}N_t`; it is exact for a
/// block-diagonal Hessian.
///
/// Cost per call, in gradient evaluations beyond `g₀` (forward / central): gradient-step
/// `max(r, 1)` / `2·max(r, 1)`; optimal-angle `2r` / `4r` (fewer when it stops early),
/// `1` / `2` when `r = 0`. `N` is warm-started across calls (persisted in ``State``).
public struct Dimer: CurvatureEstimator, Sendable {
  /// How the dimer rotates toward the minimum-curvature direction.
  public enum Rotation: Sendable, Hashable, Codable {
    /// `N ← normalize(N − η F⊥)`; valid range `η > 0` (stable for `η < 2/(λ_max − λ_min)`).
    case gradientStep(rate: Double = 0.1)
    /// ASE's optimal-angle rotation; `trialAngle ∈ (0, π/2)`, forces `≥ 0`.
    case optimalAngle(
      trialAngle: Double = .pi / 4, minimumForce: Double = 0, maximumForce: Double = 0)
  }

  /// Which end points are evaluated.
  public enum Differences: String, Sendable, Hashable, Codable {
    /// Both ends, `g₋ = ∇L(θ − ΔN)`.
    case central
    /// One end, `g₋ ≈ 2g₀ − g₊`.
    case forward
  }

  /// One direction for all parameters, or one per layout segment.
  public enum Scope: String, Sendable, Hashable, Codable {
    /// One unit `N` over the whole vector.
    case global
    /// One unit `N_s` per segment.
    case perSegment
  }

  /// The half-separation `Δ > 0` (end points at `θ ± ΔN`).
  public var separation: Double
  /// Rotations per call, `r ≥ 0`.
  public var rotations: Int
  /// The rotation scheme.
  public var rotation: Rotation
  /// Central or forward differences.
  public var differences: Differences
  /// Global or per-segment directions.
  public var scope: Scope
  /// Conjugate-gradient rotation planes (optimal-angle rotation only; see above).
  public var conjugate: Bool

  /// A dimer. Valid ranges: `separation > 0`, `rotations ≥ 0`, rates `> 0`,
  /// `trialAngle ∈ (0, π/2)`.
  public init(
    separation: Double = Dimer.Parameters.separation.default,
    rotations: Int = Dimer.Parameters.rotations.default,
    rotation: Rotation = .gradientStep(rate: Dimer.Parameters.rotationRate.default),
    differences: Differences = .central, scope: Scope = .global, conjugate: Bool = false
  ) {
    precondition(separation > 0 && separation.isFinite, "Dimer: separation must be > 0")
    precondition(rotations >= 0, "Dimer: rotations must be ≥ 0, got \(rotations)")
    switch rotation {
    case .gradientStep(let rate):
      precondition(rate > 0 && rate.isFinite, "Dimer: rotation rate must be > 0, got \(rate)")
    case .optimalAngle(let angle, let fMin, let fMax):
      precondition(angle > 0 && angle < .pi / 2, "Dimer: trialAngle must be in (0, π/2)")
      precondition(fMin >= 0 && fMax >= 0, "Dimer: rotational force thresholds must be ≥ 0")
    }
    self.separation = separation
    self.rotations = rotations
    self.rotation = rotation
    self.differences = differences
    self.scope = scope
    self.conjugate = conjugate
  }

  /// The warm-started direction, the last curvatures and counters (scratch not encoded).
  public struct State: Codable, Sendable {
    /// `N` (unit globally, or within each segment).
    public var direction: ParameterVector
    /// The last curvature estimate (minimum over segments), if any.
    public var curvature: Double?
    /// The last per-segment curvatures (per-segment scope).
    public var segmentCurvatures: [Double]?
    /// Rotations made so far.
    public var rotationsPerformed = 0
    /// Conjugate rotation memory: the previous rotational force `F_rot`, the previous axis
    /// carried through its rotation `Θ*`, and `‖G‖` per group (`nil` until the first rotation).
    var previousForce: ParameterVector?
    var carriedAxis: ParameterVector?
    var conjugateNorms: [Double]?

    var groups: [Range<Int>]?
    var point: ParameterVector?
    var endGradient: ParameterVector?
    var h: ParameterVector?
    var axis: ParameterVector?
    var trial: ParameterVector?
    var trialAxis: ParameterVector?
    var c0: [Double] = []
    var derivative0: [Double] = []
    var forceNorm: [Double] = []
    var done: [Bool] = []

    enum CodingKeys: String, CodingKey {
      case direction, curvature, segmentCurvatures, rotationsPerformed, previousForce,
        carriedAxis, conjugateNorms
    }

    init(direction: ParameterVector) { self.direction = direction }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    var generator = SeededGenerator(seed: mixSeed(seed, 0xD1_4E5))
    var n = ParameterVector(count: layout.count)
    fillUnitGaussian(
      &n, groups: curvatureGroups(layout, perSegment: scope == .perSegment),
      using: &generator)
    return State(direction: n)
  }

  public func estimate(at context: StepContext, objective: inout Objective, state: inout State)
    -> CurvatureEstimate
  {
    let count = context.parameters.count
    if state.groups == nil {
      state.groups = curvatureGroups(context.layout, perSegment: scope == .perSegment)
    }
    let groups = state.groups!
    prepareScratch(&state.point, count: count)
    prepareScratch(&state.endGradient, count: count)
    prepareScratch(&state.h, count: count)
    if state.c0.count != groups.count {
      state.c0 = Array(repeating: 0, count: groups.count)
      state.derivative0 = state.c0
      state.forceNorm = state.c0
      state.done = Array(repeating: false, count: groups.count)
    }
    // Take the array out of the state so it is uniquely referenced and reused in place.
    var curvatures = state.segmentCurvatures ?? []
    state.segmentCurvatures = nil
    if curvatures.count != groups.count { curvatures = Array(repeating: 0, count: groups.count) }

    switch rotation {
    case .gradientStep(let rate):
      for r in 0..<Swift.max(rotations, 1) {
        measure(context, &objective, &state, along: \.direction)
        for (s, range) in groups.enumerated() {
          let c = rangeDot(state.h!, state.direction, range)
          curvatures[s] = c
          guard rotations > 0, r < rotations, c.isFinite else { continue }
          // N − η(h − cN) = (1 + ηc)N − ηh, then renormalize within the group.
          let n = state.direction.unsafeMutableBaseAddress()
          let h = state.h!.unsafeBaseAddress
          let a = Float(1 + rate * c)
          let b = Float(rate)
          var norm2 = 0.0
          for i in range { norm2 += Double(a * n[i] - b * h[i]) * Double(a * n[i] - b * h[i]) }
          guard norm2 > 0, norm2.isFinite else { continue }
          for i in range { n[i] = a * n[i] - b * h[i] }
          normalize(&state.direction, in: range)
        }
        if rotations > 0 { state.rotationsPerformed += 1 }
      }
    case .optimalAngle(let trialAngle, let minimumForce, let maximumForce):
      optimalAngleRotations(
        context, &objective, &state, &curvatures, groups: groups, trialAngle: trialAngle,
        minimumForce: minimumForce, maximumForce: maximumForce)
    }

    let minimum = curvatures.min() ?? 0
    state.curvature = minimum
    state.segmentCurvatures = curvatures
    return CurvatureEstimate(
      direction: state.direction, curvature: minimum,
      segmentCurvatures: scope == .perSegment ? curvatures : nil, step: context.step)
  }

  /// `h ← (g₊ − g₋)/(2Δ)` for the dimer along `state[keyPath: n]`.
  private func measure(
    _ context: StepContext, _ objective: inout Objective, _ state: inout State,
    along n: WritableKeyPath<State, ParameterVector>
  ) {
    let delta = separation
    state.point!.assign(context.parameters, plus: Float(delta), times: state[keyPath: n])
    _ = objective.lossAndGradient(at: state.point!, into: &state.h!)
    switch differences {
    case .central:
      state.point!.assign(context.parameters, plus: Float(-delta), times: state[keyPath: n])
      _ = objective.lossAndGradient(at: state.point!, into: &state.endGradient!)
      state.h!.add(state.endGradient!, scaledBy: -1)
      state.h!.scale(by: Float(1 / (2 * delta)))
    case .forward:
      // g₊ − g₋ = g₊ − (2g₀ − g₊) = 2(g₊ − g₀), so h = (g₊ − g₀)/Δ.
      state.h!.add(context.gradient, scaledBy: -1)
      state.h!.scale(by: Float(1 / delta))
    }
  }

  /// Turns `state.axis` (holding `F_rot` of group `s`) into the conjugate direction
  /// `G = F_rot + γ‖G_prev‖Θ*_prev`, orthogonal to `N` (Henkelman & Jónsson 1999, eqs. 9–11,
  /// numbering not verified), and records `F_rot` and `‖G‖` for the next rotation.
  private func conjugateAxis(_ state: inout State, group s: Int, range: Range<Int>, groups: Int) {
    let count = state.direction.count
    if state.previousForce?.count != count || state.carriedAxis?.count != count
      || state.conjugateNorms?.count != groups
    {
      state.previousForce = ParameterVector(count: count)
      state.carriedAxis = ParameterVector(count: count)
      state.conjugateNorms = Array(repeating: 0, count: groups)
    }
    let f = state.axis!.unsafeMutableBaseAddress()
    let previous = state.previousForce!.unsafeMutableBaseAddress()
    let carried = state.carriedAxis!.unsafeBaseAddress
    let n = state.direction.unsafeBaseAddress
    var numerator = 0.0
    var denominator = 0.0
    for i in range {
      numerator += (Double(f[i]) - Double(previous[i])) * Double(f[i])
      denominator += Double(previous[i]) * Double(previous[i])
    }
    let gamma = denominator > 0 ? Swift.max(0, numerator / denominator) : 0
    for i in range { previous[i] = f[i] }
    let weight = Float(gamma * state.conjugateNorms![s])
    if weight.isFinite, weight > 0 {
      for i in range { f[i] += weight * carried[i] }
      var along = 0.0
      for i in range { along += Double(f[i]) * Double(n[i]) }
      let a = Float(along)
      for i in range { f[i] -= a * n[i] }
    }
    state.conjugateNorms![s] = state.axis!.squaredNorm(in: range).squareRoot()
  }

  private func optimalAngleRotations(
    _ context: StepContext, _ objective: inout Objective, _ state: inout State,
    _ curvatures: inout [Double], groups: [Range<Int>], trialAngle phi1: Double,
    minimumForce: Double, maximumForce: Double
  ) {
    let count = context.parameters.count
    prepareScratch(&state.axis, count: count)
    prepareScratch(&state.trial, count: count)
    prepareScratch(&state.trialAxis, count: count)
    for s in groups.indices { state.done[s] = false }
    var performed = 0
    while true {
      measure(context, &objective, &state, along: \.direction)
      var anyActive = false
      for (s, range) in groups.enumerated() where !state.done[s] {
        let c0 = rangeDot(state.h!, state.direction, range)
        state.c0[s] = c0
        curvatures[s] = c0
        // Θ = normalize(F_rot), F_rot = −(h − c₀N).
        let n = state.direction.unsafeBaseAddress
        let h = state.h!.unsafeBaseAddress
        let axis = state.axis!.unsafeMutableBaseAddress()
        let c = Float(c0)
        for i in range { axis[i] = c * n[i] - h[i] }
        let force = state.axis!.squaredNorm(in: range).squareRoot()
        state.forceNorm[s] = force
        guard force > minimumForce, force > 0, force.isFinite, c0.isFinite else {
          state.done[s] = true
          continue
        }
        if conjugate { conjugateAxis(&state, group: s, range: range, groups: groups.count) }
        normalize(&state.axis!, in: range)
        state.derivative0[s] = 2 * rangeDot(state.h!, state.axis!, range)
        anyActive = true
      }
      guard anyActive, rotations > 0 else { break }
      // Trial rotation of the active groups (the others stay put in the trial dimer).
      let cosT = Float(cos(phi1))
      let sinT = Float(sin(phi1))
      state.trial!.assign(state.direction)
      for (s, range) in groups.enumerated() where !state.done[s] {
        let n = state.direction.unsafeBaseAddress
        let axis = state.axis!.unsafeBaseAddress
        let nb = state.trial!.unsafeMutableBaseAddress()
        let tb = state.trialAxis!.unsafeMutableBaseAddress()
        for i in range {
          nb[i] = n[i] * cosT + axis[i] * sinT
          tb[i] = axis[i] * cosT - n[i] * sinT
        }
        normalize(&state.trial!, in: range)
        normalize(&state.trialAxis!, in: range)
      }
      measure(context, &objective, &state, along: \.trial!)
      for (s, range) in groups.enumerated() where !state.done[s] {
        let c0 = state.c0[s]
        let d0 = state.derivative0[s]
        let d1 = 2 * rangeDot(state.h!, state.trialAxis!, range)
        let a1 = d0 * cos(2 * phi1) - d1 / (2 * sin(2 * phi1))
        let b1 = 0.5 * d0
        let a0 = 2 * (c0 - a1)
        var angle = a1 == 0 && b1 == 0 ? 0 : 0.5 * atan(b1 / a1)
        var cmin = a0 / 2 + a1 * cos(2 * angle) + b1 * sin(2 * angle)
        if c0 < cmin {
          angle += .pi / 2
          cmin = a0 - cmin
        }
        guard angle.isFinite, cmin.isFinite else {
          state.done[s] = true
          continue
        }
        let n = state.direction.unsafeMutableBaseAddress()
        let axis = state.axis!.unsafeBaseAddress
        let ca = Float(cos(angle))
        let sa = Float(sin(angle))
        if conjugate {
          // Θ* = Θ cos φ* − N sin φ*: the axis carried through the rotation, tangent at the new N.
          let carried = state.carriedAxis!.unsafeMutableBaseAddress()
          for i in range { carried[i] = axis[i] * ca - n[i] * sa }
        }
        for i in range { n[i] = n[i] * ca + axis[i] * sa }
        normalize(&state.direction, in: range)
        curvatures[s] = cmin
        if state.forceNorm[s] <= maximumForce { state.done[s] = true }
      }
      performed += 1
      state.rotationsPerformed += 1
      if performed >= rotations || !state.done.contains(false) { break }
    }
  }
}

extension Dimer: SchemaDeclaring {
  /// The parameters of the `dimer` estimator (the DEO presets read the same ones with their own
  /// defaults, ``Dimer/Variant``).
  public enum Parameters {
    /// `trialAngle`: the optimal-angle rotation's trial angle.
    public static let trialAngle = Parameter.number(
      "trialAngle", default: .pi / 4, in: .open(0, .pi / 2),
      defaultText: "π/4 (optimal-angle only)",
      doc: "trial rotation angle (optimal-angle only)"
    ).withAcceptedText("0 < x < π/2")
    /// `minimumForce`: skip a rotation below this rotational force.
    public static let minimumForce = Parameter.number(
      "minimumForce", default: 0, in: .atLeast(0), defaultText: "0 (optimal-angle only)",
      doc: "no rotation when the rotational force is below this (optimal-angle only)")
    /// `maximumForce`: the rotational force beyond which the trial angle is reduced.
    public static let maximumForce = Parameter.number(
      "maximumForce", default: 0, in: .atLeast(0), defaultText: "0 (optimal-angle only)",
      doc: "rotational force above which the trial angle shrinks, 0: never (optimal-angle only)")
    /// `rotation`: the rotation scheme.
    public static let rotation = Parameter.choice(
      "rotation", default: "gradient-step", from: ["gradient-step", "optimal-angle"],
      doc: "N ← normalize(N − η F⊥), or ASE's optimal-angle rotation (Henkelman & Jónsson 1999)")
    /// `conjugate`: conjugate rotation planes.
    public static let conjugate = Parameter.bool(
      "conjugate", default: false,
      doc: "conjugate-gradient rotation planes (needs rotation = optimal-angle)")
    /// `rotationRate`: the gradient-step rotation's rate.
    public static let rotationRate = Parameter.number(
      "rotationRate", default: 0.1, in: .greaterThan(0),
      doc: "rotation rate η (rotation = gradient-step)")
    /// `separation`: the half-separation `Δ`.
    public static let separation = Parameter.number(
      "separation", default: 1e-3, in: .greaterThan(0), doc: "half-separation Δ: ends at θ ± ΔN")
    /// `rotations`: rotations per call.
    public static let rotations = Parameter.integer(
      "rotations", default: 1, in: .closed(0, 1000), doc: "rotations per call")
    /// `differences`: both end points, or one.
    public static let differences = Parameter.choice(
      "differences", default: "central", from: ["central", "forward"],
      doc: "evaluate both ends (central), or one with g₋ ≈ 2g₀ − g₊ (forward)")
    /// `scope`: one direction, or one per segment.
    public static let scope = Parameter.choice(
      "scope", default: "global", from: ["global", "per-segment"],
      doc: "one direction N for all parameters, or one per layout segment")
  }

  /// The dimer's fields with the defaults of one use (the `dimer` estimator, or the corrected
  /// DEO family's presets).
  public struct Variant: Sendable {
    /// `rotation`, with this use's default.
    public var rotation: Parameter<String>
    /// `conjugate`, with this use's default.
    public var conjugate: Parameter<Bool>
    /// `separation`, with this use's default.
    public var separation: Parameter<Double>
    /// `differences`, with this use's default.
    public var differences: Parameter<String>

    /// The fields with these defaults (the others as in ``Dimer/Parameters``).
    public init(
      rotation: String = Parameters.rotation.default,
      conjugate: Bool = Parameters.conjugate.default,
      separation: Double = Parameters.separation.default,
      differences: String = Parameters.differences.default
    ) {
      self.rotation = Parameters.rotation.defaulting(to: rotation)
      self.conjugate = Parameters.conjugate.defaulting(to: conjugate)
      self.separation = Parameters.separation.defaulting(to: separation)
      self.differences = Parameters.differences.defaulting(to: differences)
    }

    /// The `dimer` estimator's defaults.
    public static let estimator = Variant()

    /// The fields in listing order.
    public var parameters: [any ParameterDeclaration] {
      [
        Parameters.trialAngle, Parameters.minimumForce, Parameters.maximumForce, rotation,
        conjugate, Parameters.rotationRate, separation, Parameters.rotations, differences,
        Parameters.scope,
      ]
    }

    /// The dimer these defaults describe.
    public var dimer: Dimer {
      // An empty spec takes every default and cannot fail.
      do {
        return try read(StageParameters([:], location: "defaults"))
      } catch {
        preconditionFailure("Dimer defaults: \(error)")
      }
    }

    /// Reads a dimer from a spec's fields with these defaults.
    public func read(_ p: StageParameters) throws(SpecError) -> Dimer {
      let mode = try p.read(rotation)
      let conjugate = try p.read(conjugate)
      if conjugate && mode != "optimal-angle" && !p.isDescribing {
        throw SpecError(
          location: p.location, field: "conjugate",
          "conjugate rotations need \"rotation\": \"optimal-angle\" (got \"\(mode)\")")
      }
      let rotation: Rotation
      switch mode {
      case "optimal-angle":
        rotation = .optimalAngle(
          trialAngle: try p.read(Parameters.trialAngle),
          minimumForce: try p.read(Parameters.minimumForce),
          maximumForce: try p.read(Parameters.maximumForce))
      default:
        rotation = .gradientStep(rate: try p.read(Parameters.rotationRate))
      }
      return Dimer(
        separation: try p.read(separation),
        rotations: try p.read(Parameters.rotations),
        rotation: rotation,
        differences: try p.read(differences) == "central" ? .central : .forward,
        scope: try p.read(Parameters.scope) == "global" ? .global : .perSegment,
        conjugate: conjugate && mode == "optimal-angle")
    }
  }

  /// `dimer` in specs and `saddle list`.
  public static let schema = StageSchema(
    "dimer",
    summary: "minimum-curvature direction from gradient differences (Henkelman & Jónsson 1999)",
    parameters: Variant.estimator.parameters)

  /// Builds the estimator from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self = try Variant.estimator.read(p)
  }
}
