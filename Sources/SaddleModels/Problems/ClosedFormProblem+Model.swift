import SaddleCore

extension DenseHessianProblem {
  /// `H·v` with the dense Hessian (`O(d²)`).
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    hessian(at: p).map { row in
      var s = 0.0
      for (h, x) in zip(row, v) { s += h * x }
      return s
    }
  }
}

extension ClosedFormProblem {
  /// `(value(at: p), gradient(at: p))`: two calls, for problems that share no work between them.
  public func valueAndGradient(at p: [Double]) -> (value: Double, gradient: [Double]) {
    (value(at: p), gradient(at: p))
  }

  /// The dense Hessian from `d` exact products: column `i` is `∇²f(p)·eᵢ`, and the result is
  /// symmetrized, `(Hᵢⱼ + Hⱼᵢ)/2`, so rounding in the products cannot make it asymmetric.
  public func hessian(at p: [Double]) -> [[Double]] {
    let d = dimension
    var columns = [[Double]]()
    columns.reserveCapacity(d)
    for i in 0..<d {
      var e = [Double](repeating: 0, count: d)
      e[i] = 1
      columns.append(hessianVectorProduct(at: p, along: e))
    }
    return (0..<d).map { i in (0..<d).map { j in 0.5 * (columns[j][i] + columns[i][j]) } }
  }

  /// One segment named `"x"` of ``dimension`` parameters.
  public var layout: ParameterLayout { ParameterLayout(count: dimension) }

  /// Seed 0: ``defaultStart`` exactly, rounded to `Float`. Any other seed:
  /// ``start(perturbation:seed:)`` with ``seededStartPerturbation`` (`1e-8`), so a seeded
  /// `Optimizer.makeState(for:seed:)` + `Trainer` run starts just off the saddle that
  /// ``defaultStart`` usually is, instead of exactly on it where the gradient is zero and
  /// gradient methods never move.
  ///
  /// As with ``start(perturbation:seed:)``, the perturbation survives the rounding to `Float`
  /// only at coordinates whose `Float` spacing is below it (near zero); start elsewhere with
  /// ``start(perturbation:seed:)`` and a larger perturbation.
  public func initialParameters(seed: UInt64) -> ParameterVector {
    guard seed != 0 else { return ParameterVector(defaultStart.map { Float($0) }) }
    return start(perturbation: Self.seededStartPerturbation, seed: seed)
  }

  /// The norm `1e-8` of the perturbation ``initialParameters(seed:)`` adds for seeds other
  /// than 0 (the escape metric's perturbation in `reference/test-problems.md`).
  public static var seededStartPerturbation: Double { 1e-8 }

  /// ``defaultStart`` plus `perturbation · u`, with `u` uniform on the unit sphere (a normalized
  /// standard Gaussian vector drawn from the stream `mixSeed(seed, SeedPurpose.start)`), rounded to `Float`.
  ///
  /// This is the start of the escape metric in `reference/test-problems.md`: a saddle plus a
  /// tiny (e.g. `1e-8`), seeded perturbation. The perturbation is added in `Double` before the
  /// rounding, so a perturbation below `Float`'s spacing at a non-zero coordinate is lost there.
  public func start(perturbation: Double, seed: UInt64) -> ParameterVector {
    ParameterVector(perturbedStart(perturbation: perturbation, seed: seed).map { Float($0) })
  }

  /// ``start(perturbation:seed:)`` in `Double`, before rounding to `Float`.
  public func perturbedStart(perturbation: Double, seed: UInt64) -> [Double] {
    perturbedPoint(defaultStart, norm: perturbation, seed: seed)
  }

  /// `f` at the `Float` parameters, computed in `Double`.
  public func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    value(at: parameters.map { Double($0) })
  }

  /// `f` and `∇f` at the `Float` parameters, computed in `Double` by one
  /// ``valueAndGradient(at:)`` call; the gradient is rounded to `Float` into `gradient`.
  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    let (value, g) = valueAndGradient(at: parameters.map { Double($0) })
    gradient.withUnsafeMutableBufferPointer { out in
      for i in 0..<g.count { out[i] = Float(g[i]) }
    }
    return value
  }

  /// `true`: every closed-form problem has an exact Hessian-vector product.
  public var hasExactHessianVectorProduct: Bool { true }

  /// The exact `∇²f(θ)·v` from ``hessianVectorProduct(at:along:)``, rounded to `Float`.
  public func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Void, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    let hv = hessianVectorProduct(
      at: parameters.map { Double($0) }, along: vector.map { Double($0) })
    result.withUnsafeMutableBufferPointer { out in
      for i in 0..<hv.count { out[i] = Float(hv[i]) }
    }
  }

  /// The registry name of this problem's type.
  public var name: String { Self.name }
}

extension ClosedFormProblem {
  /// The value of the first listed saddle (``saddles``), or `nil` if none is listed.
  public var saddleValue: Double? { saddles.first?.value }
}

/// The point `center` plus a perturbation of norm `norm` in a direction uniform on the sphere
/// (a normalized standard Gaussian vector), drawn from the stream
/// `mixSeed(seed, SeedPurpose.start)` — never the stream of a problem's random basis, so a
/// start is not an eigenvector of a rotated problem drawn from the same seed.
public func perturbedPoint(_ center: [Double], norm: Double, seed: UInt64) -> [Double] {
  var generator = SeededGenerator(seed: mixSeed(seed, SeedPurpose.start))
  var direction = center.map { _ in generator.nextGaussian() }
  let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
  if length > 0 { direction = direction.map { $0 / length } }
  return zip(center, direction).map { $0 + norm * $1 }
}
