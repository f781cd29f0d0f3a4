import SaddleCore

extension SeedPurpose {
  /// The data of a finite-sum problem (its components), distinct from its basis.
  public static let components: UInt64 = 0x434F_4D50_4F  // "COMPO"
  /// The additive gradient noise of a step (``NoisyGradientProblem``).
  public static let gradientNoise: UInt64 = 0x4E4F_4953_45  // "NOISE"
  /// The observed entries of a completion problem (``MatrixCompletion``).
  public static let observations: UInt64 = 0x4F42_5345_52  // "OBSER"
  /// A planted solution and its measurements (``MatrixCompletion``, ``PhaseRetrieval``).
  public static let planted: UInt64 = 0x504C_414E_54  // "PLANT"
}

/// ``SpectrumSaddle`` as a finite sum of `n` components whose average is exactly the spectrum
/// saddle, for minibatch and variance-reduced methods (`SSRGD` bills each component gradient
/// as `1/n` of a gradient):
/// `fᵢ(x) = f(x) + (ρ/2)((aᵢᵀx)² − xᵀSx) + bᵢᵀx`, `S = (1/n)Σ aᵢaᵢᵀ`, `Σ bᵢ = 0`,
/// where `f` is the spectrum saddle (uniform spectrum unless given), `aᵢ ~ N(0, I/d)` and
/// `bᵢ ~ N(0, σ²I)` (then centred) are drawn from `mixSeed(seed, SeedPurpose.components)`.
///
/// The perturbations cancel in the mean — `(1/n)Σ fᵢ = f` — so the objective, its gradient,
/// Hessian, critical points and minima are those of ``SpectrumSaddle``. A component disagrees
/// with `f` in its gradient (by `ρ(aᵢaᵢᵀ − S)x + bᵢ`, so by `bᵢ` at the saddle itself) and in
/// its Hessian (by the rank-`≤ d` matrix `ρ(aᵢaᵢᵀ − S)`), so a minibatch sees both gradient
/// and curvature noise, unlike ``NoisyGradientProblem`` whose noise is a pure gradient shift.
///
/// Cost: a minibatch of `b` components is `O(d² + b·d)` (the spectrum saddle's gradient and
/// `Sx`); storage `2nd + d²`.
public struct SpectrumFiniteSumSaddle: ClosedFormProblem, FiniteSumModel {
  /// `"spectrum-saddle-finite-sum"`.
  public static let name = "spectrum-saddle-finite-sum"

  /// The average `f`.
  public let base: SpectrumSaddle
  /// `n ≥ 1` components.
  public let componentCount: Int
  /// The gradient spread `σ ≥ 0` of the offsets `bᵢ` (per coordinate, before centring).
  public let spread: Double
  /// The curvature spread `ρ ≥ 0` of the rank-one terms.
  public let curvatureSpread: Double
  let directions: [Double]  // n·d, aᵢ
  let offsets: [Double]  // n·d, centred bᵢ
  let secondMoment: [Double]  // d·d, S

  /// `n` components around `base`, drawn from `seed`.
  public init(
    base: SpectrumSaddle, components: Int = 100, spread: Double = 1e-3,
    curvatureSpread: Double = 0.1, seed: UInt64 = 0
  ) {
    precondition(components >= 1, "SpectrumFiniteSumSaddle needs n ≥ 1")
    precondition(spread >= 0 && curvatureSpread >= 0, "SpectrumFiniteSumSaddle: σ, ρ ≥ 0")
    self.base = base
    componentCount = components
    self.spread = spread
    self.curvatureSpread = curvatureSpread
    let d = base.dimension
    var generator = SeededGenerator(seed: mixSeed(seed, SeedPurpose.components))
    var a = [Double](repeating: 0, count: components * d)
    var b = [Double](repeating: 0, count: components * d)
    let scale = 1 / Double(d).squareRoot()
    for i in 0..<components {
      for j in 0..<d { a[i * d + j] = scale * generator.nextGaussian() }
      for j in 0..<d { b[i * d + j] = spread * generator.nextGaussian() }
    }
    for j in 0..<d {
      var mean = 0.0
      for i in 0..<components { mean += b[i * d + j] }
      mean /= Double(components)
      for i in 0..<components { b[i * d + j] -= mean }
    }
    var s = [Double](repeating: 0, count: d * d)
    for i in 0..<components {
      for r in 0..<d {
        let ar = a[i * d + r]
        for c in 0..<d { s[r * d + c] += ar * a[i * d + c] }
      }
    }
    for k in 0..<(d * d) { s[k] /= Double(components) }
    directions = a
    offsets = b
    secondMoment = s
  }

  /// `d`.
  public var dimension: Int { base.dimension }
  /// The spectrum saddle's value (the components' average).
  public func value(at p: [Double]) -> Double { base.value(at: p) }
  /// The spectrum saddle's gradient.
  public func gradient(at p: [Double]) -> [Double] { base.gradient(at: p) }
  /// The spectrum saddle's Hessian.
  public func hessian(at p: [Double]) -> [[Double]] { base.hessian(at: p) }
  /// The spectrum saddle's exact product.
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    base.hessianVectorProduct(at: p, along: v)
  }
  /// The spectrum saddle's critical points.
  public var saddles: [CriticalPoint] { base.saddles }
  /// The spectrum saddle's minima.
  public var minima: [CriticalPoint] { base.minima }
  /// The saddle.
  public var defaultStart: [Double] { base.defaultStart }

  /// The full average `f`, through the spectrum saddle's fused pass.
  public func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    base.loss(at: parameters, on: ())
  }

  /// The full average `f` and `∇f`, through the spectrum saddle's fused pass.
  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    base.lossAndGradient(at: parameters, on: (), into: &gradient)
  }

  /// `(1/|I|)Σ_{i∈I} fᵢ(x)` and its gradient, in `Double` (see ``minibatch(at:components:)``).
  public func minibatchLossAndGradient(
    at parameters: ParameterVector, components: [Int], into gradient: inout ParameterVector
  ) -> Double {
    let (loss, g) = minibatch(at: parameters.map { Double($0) }, components: components)
    gradient.withUnsafeMutableBufferPointer { out in
      for r in 0..<dimension { out[r] = Float(g[r]) }
    }
    return loss
  }

  /// `(1/|I|)Σ_{i∈I} fᵢ(x)`.
  public func minibatchLoss(at parameters: ParameterVector, components: [Int]) -> Double {
    minibatch(at: parameters.map { Double($0) }, components: components).loss
  }

  /// `(1/|I|)Σ_{i∈I} fᵢ(x)` and `∇f(x) + ρ((1/|I|)Σ (aᵢᵀx)aᵢ − Sx) + (1/|I|)Σ bᵢ` (indices
  /// may repeat; an empty `I` is the full average `f`).
  public func minibatch(at x: [Double], components: [Int]) -> (loss: Double, gradient: [Double]) {
    let d = dimension
    var loss = base.value(at: x)
    var g = base.gradient(at: x)
    guard !components.isEmpty else { return (loss, g) }
    let weight = 1 / Double(components.count)
    var sx = [Double](repeating: 0, count: d)
    var quadratic = 0.0
    for r in 0..<d {
      var s = 0.0
      for c in 0..<d { s += secondMoment[r * d + c] * x[c] }
      sx[r] = s
      quadratic += x[r] * s
    }
    var projections = 0.0
    var linear = 0.0
    for i in components {
      precondition(
        i >= 0 && i < componentCount, "SpectrumFiniteSumSaddle: component \(i) out of range")
      var ax = 0.0
      for r in 0..<d { ax += directions[i * d + r] * x[r] }
      projections += ax * ax
      for r in 0..<d {
        g[r] += weight * (curvatureSpread * ax * directions[i * d + r] + offsets[i * d + r])
        linear += offsets[i * d + r] * x[r]
      }
    }
    for r in 0..<d { g[r] -= curvatureSpread * sx[r] }
    loss += 0.5 * curvatureSpread * (weight * projections - quadratic) + weight * linear
    return (loss, g)
  }

  /// The exact Hessian of component `i`: `∇²f(x) + ρ(aᵢaᵢᵀ − S)`.
  public func componentHessian(_ i: Int, at x: [Double]) -> [[Double]] {
    let d = dimension
    var h = base.hessian(at: x)
    for r in 0..<d {
      for c in 0..<d {
        h[r][c] +=
          curvatureSpread
          * (directions[i * d + r] * directions[i * d + c] - secondMoment[r * d + c])
      }
    }
    return h
  }
}
