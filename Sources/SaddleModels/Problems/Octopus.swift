import SaddleCore

/// The "octopus" of Du, Jin, Lee, Jordan, Póczos & Singh (2017), "Gradient Descent Can Take
/// Exponential Time to Escape Saddle Points" (NeurIPS; arXiv:1705.10412): `d` strict saddles
/// chained so that gradient descent from `[−1, 1]^d` needs time exponential in `d` to reach the
/// minimum, while perturbed gradient descent needs time polynomial in `d`.
///
/// **The paper's function** (its §5 and appendix, parameters `L, γ, τ`; the experiments use
/// `L = e, γ = 1, τ = e`). On the tube regions
/// `Dᵢ = {|x₁|, …, |x_{i−1}| ∈ [2τ, 6τ], |xᵢ| ≤ 2τ, |x_{i+1}|, …, |x_d| ≤ τ}`:
/// - `|xᵢ| ≤ τ`: `f = Σ_{j<i} L(|xⱼ| − 4τ)² − γxᵢ² + Σ_{j>i} Lxⱼ² − (i − 1)ν`;
/// - `τ < |xᵢ| ≤ 2τ`: `f = Σ_{j<i} L(|xⱼ| − 4τ)² + g₁(|xᵢ|) + g₂(|xᵢ|)x_{i+1}² +
///   Σ_{j>i+1} Lxⱼ² − (i − 1)ν` (for `i = d` the `g₂` term is absent);
/// - `D_{d+1}` (all `|xⱼ| ∈ [2τ, 6τ]`): `f = Σⱼ L(|xⱼ| − 4τ)² − dν`;
///
/// with the splines `g₁(s) = −γs² + (−14L + 10γ)/(3τ)·(s − τ)³ + (5L − 3γ)/(2τ²)·(s − τ)⁴` and
/// `g₂(s) = −γ − 10(L + γ)/τ³·(s − 2τ)³ − 15(L + γ)/τ⁴·(s − 2τ)⁴ − 6(L + γ)/τ⁵·(s − 2τ)⁵`, and
/// `ν = −g₁(2τ) + 4Lτ² = (13γ + 37L)τ²/6`. `g₁` joins `−γs²` at `τ` to `L(s − 4τ)² − ν` at `2τ`
/// and `g₂` joins `L` to `−γ`, each matching value, slope and curvature at both ends, so `f`
/// is `C²`. The absolute values are the paper's mirroring of the tube into `2^d` "tentacles".
/// (Transcribed from the paper's definition as implemented in a public MATLAB reproduction
/// (`octopus.m`, `g.m`, `g1.m`), whose constants were checked here: continuity of `f`, `∇f`,
/// `∇²f` at `|xᵢ| = τ, 2τ` is verified by the tests.)
///
/// **Where this differs.** The paper extends `f` from the tube to `ℝ^d` by the Whitney extension
/// theorem, which is not constructive. Here `f` is instead defined everywhere by the recursion
/// `f = T₁`, `T_{d+1} = 0`, `Sᵢ = Σ_{j≥i} Lxⱼ²`, with `s = |xᵢ|`:
/// `Tᵢ = −γs² + S_{i+1}` (`s ≤ τ`), `Tᵢ = g₁(s) + w(s)S_{i+1} + (1 − w(s))T_{i+1}` (`τ < s ≤ 2τ`),
/// `Tᵢ = L(s − 4τ)² − ν + T_{i+1}` (`s > 2τ`), where `w = (g₂ + γ)/(L + γ)` is the quintic step
/// from 1 at `τ` to 0 at `2τ`. On the tube this is exactly the paper's function (there
/// `T_{i+1} = −γx_{i+1}² + S_{i+2}`, so the middle case is `g₁ + g₂x_{i+1}² + S_{i+2}`); off the
/// tube it is a `C²`, coercive extension whose only critical points are those below (the
/// `xᵢ`-slope in the middle case is `g₁′ + w′(S_{i+1} − T_{i+1}) < 0` since `g₁′ < 0`,
/// `w′ ≤ 0` and `T_{i+1} ≤ S_{i+1}`).
///
/// Critical points (and their `2^d` mirror images under sign flips, not listed): the saddles
/// `zᵢ = (4τ, …, 4τ, 0, …, 0)` with `i − 1` leading `4τ` (`i = 1, …, d`), `f = −(i − 1)ν`,
/// Hessian `diag(2L, …, 2L, −2γ, 2L, …, 2L)`; the minimum `(4τ, …, 4τ)`, `f = −dν`,
/// Hessian `2L·I`.
///
/// Floating point note: between saddles gradient descent shrinks the coordinates still to come
/// by `(1 − 2ηL)` per step, and the time spent grows by a constant factor per saddle, so for
/// moderate `d` those coordinates underflow to exactly 0 (in `Float` after about 150 halvings)
/// and plain GD then stays at a saddle forever instead of merely for exponential time.
public struct Octopus: ClosedFormProblem {
  /// `"octopus"`.
  public static let name = "octopus"

  /// The number of coordinates (and of saddles) `d`.
  public let dimension: Int
  /// The curvature `L` of the stable directions (`2L` in the Hessian).
  public let L: Double
  /// The curvature `γ` of the unstable direction (`−2γ` in the Hessian).
  public let gamma: Double
  /// The length scale `τ`: the saddles sit at multiples `4τ`, the splines span `[τ, 2τ]`.
  public let tau: Double
  /// The drop `ν = −g₁(2τ) + 4Lτ² = (13γ + 37L)τ²/6` in `f` from one saddle to the next.
  public let nu: Double

  /// The octopus in `dimension` coordinates; defaults are the paper's experiments:
  /// `L = e`, `γ = 1`, `τ = e`.
  public init(
    dimension: Int = 5, L: Double = 2.718_281_828_459_045, gamma: Double = 1,
    tau: Double = 2.718_281_828_459_045
  ) {
    precondition(dimension >= 1, "Octopus needs dimension ≥ 1")
    precondition(L > 0 && gamma > 0 && tau > 0, "Octopus needs L, γ, τ > 0")
    self.dimension = dimension
    self.L = L
    self.gamma = gamma
    self.tau = tau
    nu = (13 * gamma + 37 * L) * tau * tau / 6
  }

  /// `g₁(s)`, `g₁′(s)`, `g₁″(s)`.
  func g1(_ s: Double) -> (Double, Double, Double) {
    let alpha = (-14 * L + 10 * gamma) / (3 * tau)
    let beta = (5 * L - 3 * gamma) / (2 * tau * tau)
    let t = s - tau
    return (
      -gamma * s * s + alpha * t * t * t + beta * t * t * t * t,
      -2 * gamma * s + 3 * alpha * t * t + 4 * beta * t * t * t,
      -2 * gamma + 6 * alpha * t + 12 * beta * t * t
    )
  }

  /// `g₂(s)` of the paper.
  public func g2(_ s: Double) -> Double { -gamma + (L + gamma) * blend(s).0 }

  /// `w(s) = (g₂(s) + γ)/(L + γ) = −10u³ − 15u⁴ − 6u⁵`, `u = (s − 2τ)/τ`, and its derivatives.
  func blend(_ s: Double) -> (Double, Double, Double) {
    let u = (s - 2 * tau) / tau
    let u2 = u * u
    return (
      -u2 * u * (10 + 15 * u + 6 * u2),
      -30 * u2 * (1 + 2 * u + u2) / tau,
      -60 * u * (1 + 3 * u + 2 * u2) / (tau * tau)
    )
  }

  /// One level of the recursion `Tᵢ = a(xᵢ) + b(xᵢ)S_{i+1} + c(xᵢ)T_{i+1}`: `(a, b, c)` and
  /// their first and second derivatives in `xᵢ`.
  struct Level {
    var a = 0.0, a1 = 0.0, a2 = 0.0
    var b = 0.0, b1 = 0.0, b2 = 0.0
    var c: Double { 1 - b }
  }

  func level(_ x: Double) -> Level {
    let s = abs(x)
    let sign: Double = x < 0 ? -1 : 1
    if s <= tau {
      return Level(a: -gamma * x * x, a1: -2 * gamma * x, a2: -2 * gamma, b: 1, b1: 0, b2: 0)
    }
    if s <= 2 * tau {
      let (g, g1p, g1pp) = g1(s)
      let (w, w1, w2) = blend(s)
      return Level(a: g, a1: sign * g1p, a2: g1pp, b: w, b1: sign * w1, b2: w2)
    }
    let r = s - 4 * tau
    return Level(a: L * r * r - nu, a1: 2 * L * sign * r, a2: 2 * L, b: 0, b1: 0, b2: 0)
  }

  /// `f(x) = T₁(x)` (see the type's documentation).
  public func value(at p: [Double]) -> Double {
    var t = 0.0
    var s = 0.0
    for i in stride(from: dimension - 1, through: 0, by: -1) {
      let l = level(p[i])
      t = l.a + l.b * s + l.c * t
      s += L * p[i] * p[i]
    }
    return t
  }

  /// `∂f/∂xⱼ = 2Lxⱼ Σ_{i<j} Cᵢbᵢ + Cⱼ(aⱼ′ + bⱼ′S_{j+1} − bⱼ′T_{j+1})`, with
  /// `Cⱼ = Π_{i<j} cᵢ` (`O(d)`).
  public func gradient(at p: [Double]) -> [Double] { valueAndGradient(at: p).gradient }

  /// `f` and `∇f` from one pass of the recursion: `f = T₁`, the backward sweep's last tail, is
  /// computed by the same operations as ``value(at:)`` (the same bits).
  public func valueAndGradient(at p: [Double]) -> (value: Double, gradient: [Double]) {
    let d = dimension
    let levels = p.map(level)
    var tails = [Double](repeating: 0, count: d + 1)
    var sums = [Double](repeating: 0, count: d + 1)
    for i in stride(from: d - 1, through: 0, by: -1) {
      let l = levels[i]
      tails[i] = l.a + l.b * sums[i + 1] + l.c * tails[i + 1]
      sums[i] = sums[i + 1] + L * p[i] * p[i]
    }
    var g = [Double](repeating: 0, count: d)
    var carry = 1.0
    var weight = 0.0
    for j in 0..<d {
      let l = levels[j]
      g[j] = 2 * L * p[j] * weight + carry * (l.a1 + l.b1 * (sums[j + 1] - tails[j + 1]))
      weight += carry * l.b
      carry *= l.c
    }
    return (tails[0], g)
  }

  /// The exact `∇²f·v` in `O(d)`: the directional derivative of ``gradient(at:)``'s recursion
  /// (forward over `Cⱼ`, `Σ_{i<j} Cᵢbᵢ`; backward over `Sⱼ`, `Tⱼ`).
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    let d = dimension
    let levels = p.map(level)
    var tails = [Double](repeating: 0, count: d + 1)
    var sums = [Double](repeating: 0, count: d + 1)
    var dTails = [Double](repeating: 0, count: d + 1)
    var dSums = [Double](repeating: 0, count: d + 1)
    for i in stride(from: d - 1, through: 0, by: -1) {
      let l = levels[i]
      tails[i] = l.a + l.b * sums[i + 1] + l.c * tails[i + 1]
      sums[i] = sums[i + 1] + L * p[i] * p[i]
      dTails[i] =
        (l.a1 + l.b1 * (sums[i + 1] - tails[i + 1])) * v[i] + l.b * dSums[i + 1]
        + l.c * dTails[i + 1]
      dSums[i] = dSums[i + 1] + 2 * L * p[i] * v[i]
    }
    var hv = [Double](repeating: 0, count: d)
    var carry = 1.0
    var dCarry = 0.0
    var weight = 0.0
    var dWeight = 0.0
    for j in 0..<d {
      let l = levels[j]
      let gap = sums[j + 1] - tails[j + 1]
      let dGap = dSums[j + 1] - dTails[j + 1]
      hv[j] =
        2 * L * (v[j] * weight + p[j] * dWeight) + dCarry * (l.a1 + l.b1 * gap)
        + carry * ((l.a2 + l.b2 * gap) * v[j] + l.b1 * dGap)
      dWeight += dCarry * l.b + carry * l.b1 * v[j]
      weight += carry * l.b
      dCarry = dCarry * l.c - carry * l.b1 * v[j]
      carry *= l.c
    }
    return hv
  }

  /// The exact Hessian by the same recursion, differentiated twice (`O(d³)`).
  public func hessian(at p: [Double]) -> [[Double]] {
    let d = dimension
    var h = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
    var tailGradient = [Double](repeating: 0, count: d)
    var t = 0.0
    var s = 0.0
    for i in stride(from: d - 1, through: 0, by: -1) {
      let l = level(p[i])
      // Tᵢ's Hessian on coordinates after i: b·∇²S_{i+1} + c·∇²T_{i+1}.
      for j in (i + 1)..<max(i + 1, d) {
        for k in (i + 1)..<d { h[j][k] *= l.c }
        h[j][j] += l.b * 2 * L
      }
      // Mixed terms: ∂²Tᵢ/∂xᵢ∂xⱼ = b′·2Lxⱼ − b′·∂T_{i+1}/∂xⱼ.
      for j in (i + 1)..<max(i + 1, d) {
        let mixed = l.b1 * (2 * L * p[j] - tailGradient[j])
        h[i][j] = mixed
        h[j][i] = mixed
      }
      h[i][i] = l.a2 + l.b2 * (s - t)
      // ∇Tᵢ from ∇T_{i+1}.
      for j in (i + 1)..<max(i + 1, d) {
        tailGradient[j] = l.b * 2 * L * p[j] + l.c * tailGradient[j]
      }
      tailGradient[i] = l.a1 + l.b1 * (s - t)
      t = l.a + l.b * s + l.c * t
      s += L * p[i] * p[i]
    }
    return h
  }

  /// `zᵢ = (4τ)^{i−1} × 0^{d−i+1}`, `i = 1, …, d`: `f = −(i − 1)ν`, eigenvalues `−2γ` and `2L`
  /// (`d − 1` times).
  public var saddles: [CriticalPoint] {
    (0..<dimension).map { i in
      CriticalPoint(
        point: [Double](repeating: 4 * tau, count: i)
          + [Double](repeating: 0, count: dimension - i),
        value: -Double(i) * nu,
        hessianEigenvalues: [-2 * gamma] + [Double](repeating: 2 * L, count: dimension - 1),
        kind: .saddle)
    }
  }

  /// `(4τ, …, 4τ)`: `f = −dν`, eigenvalues `2L`.
  public var minima: [CriticalPoint] {
    [
      CriticalPoint(
        point: [Double](repeating: 4 * tau, count: dimension), value: -Double(dimension) * nu,
        hessianEigenvalues: [Double](repeating: 2 * L, count: dimension), kind: .minimum)
    ]
  }

  /// The first saddle, the origin.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }

  /// The paper's initialization (its Theorem 4.1): uniform on `[−1, 1]^d`, seeded.
  public func uniformStart(seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<dimension).map { _ in 2 * generator.nextUniformDouble() - 1 }
  }

  /// The index `i` (1-based) of the tube region `Dᵢ` holding `p`: one more than the number of
  /// leading coordinates with `|xⱼ| > 2τ` (`d + 1` near the minimum). A run of gradient
  /// descent passes the saddles in order when this index never decreases.
  public func region(of p: [Double]) -> Int {
    var i = 0
    while i < dimension && abs(p[i]) > 2 * tau { i += 1 }
    return i + 1
  }
}
