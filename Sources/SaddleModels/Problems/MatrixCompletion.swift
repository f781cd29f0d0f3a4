import SaddleCore

/// Symmetric matrix completion (Ge, Lee & Ma 2016, "Matrix completion has no spurious local
/// minimum"): `f(U) = (1/4p)‖P_Ω(UUᵀ − M)‖²_F`, `U ∈ ℝ^{n×r}`, for a planted rank-`r` target
/// `M = U*U*ᵀ` (`U*` standard Gaussian) observed on a seeded symmetric set `Ω` (each pair
/// `i ≤ j` independently with probability `p`, both `(i, j)` and `(j, i)` then observed).
///
/// The weight `1/(4p)` makes `E_Ω f` equal to ``SymmetricFactorization``'s `¼‖UUᵀ − M‖²_F`,
/// and `p = 1` is exactly that problem with target `M` (the fully observed case is
/// ``SymmetricFactorization``; this type adds the mask). With `S = P_Ω(UUᵀ − M)` (symmetric):
/// `∇f = S·U/p`, and the exact Hessian-vector product along `Δ` is
/// `(P_Ω(ΔUᵀ + UΔᵀ)·U + S·Δ)/p`.
///
/// Critical points:
/// - `U = 0`: `f = ‖P_Ω(M)‖²_F/(4p)`, Hessian `−(1/p)·P_Ω(M) ⊗ I_r` (acting on each column of
///   `U`), so its eigenvalues are those of `−P_Ω(M)/p`, each `r` times. `P_Ω(M)` is non-zero
///   when `Ω` is non-empty (entries of a Gaussian `U*U*ᵀ` are non-zero almost surely) and has a
///   positive eigenvalue (its trace is `Σ_{(i,i)∈Ω} ‖U*ᵢ‖² ≥ 0`), so the origin is a strict
///   saddle. At `p = 1` the eigenvalues are `−λₖ(M)`: `r` negative ones (each `r` times) and
///   zeros.
/// - `U = U*R` (`R` orthogonal): global minima with `f = 0`; their Hessian is PSD with at least
///   `r(r − 1)/2` zeros (the orbit). Its spectrum has no closed form for a sampled `Ω`:
///   ``minima`` lists it from a dense eigendecomposition. With `p` large enough relative to
///   `r` and the incoherence of `U*`, Ge et al. show every local minimum is global; for small
///   `p` other completions with `f = 0` may exist.
///
/// Optional incoherence regularizer (Ge et al.): `R(U) = λ Σᵢ (‖Uᵢ‖ − α)₊⁴` over the rows
/// `Uᵢ`, twice continuously differentiable, zero on rows with `‖Uᵢ‖ ≤ α`. With the default
/// `α = maxᵢ ‖U*ᵢ‖` it vanishes to second order at the origin and at every `U*R` (rotations keep
/// row norms), so the critical points above, their values and Hessians are unchanged; it only
/// reshapes the landscape away from them (a smaller `α` moves the minima: none are listed then).
/// With `s = ‖Uᵢ‖ > α` and `φ = 4λ(s − α)³`:
/// `∇ᵢR = φ Uᵢ/s` and `∇²ᵢR = (φ/s) I + (12λ(s − α)²/s² − φ/s³) UᵢUᵢᵀ`.
public struct MatrixCompletion: ClosedFormProblem {
  /// `"matrix-completion"`.
  public static let name = "matrix-completion"

  /// Rows of `U` and size of `M`.
  public let n: Int
  /// The rank `r` of `M` and the number of columns of `U`.
  public let rank: Int
  /// The observation probability `p ∈ (0, 1]`.
  public let fraction: Double
  /// The planted factor `U*` (`n × r`, row-major).
  public let plantedFactor: [Double]
  /// The observed pairs `(i, j)`, both orders, row-major order.
  public let observed: [(row: Int, column: Int)]
  /// The regularizer weight `λ ≥ 0` (`0`: no regularizer).
  public let regularization: Double
  /// The regularizer threshold `α > 0` on row norms.
  public let threshold: Double
  let targetMatrix: DenseMatrix

  /// A planted `M = U*U*ᵀ` (`U*` from `mixSeed(seed, SeedPurpose.planted)`) observed on `Ω`
  /// (from `mixSeed(seed, SeedPurpose.observations)`), with the regularizer `λ`
  /// (`regularization`) and `α` (`threshold`, default `maxᵢ ‖U*ᵢ‖`).
  public init(
    n: Int = 20, rank: Int = 2, fraction: Double = 0.5, regularization: Double = 0,
    threshold: Double? = nil, seed: UInt64 = 0
  ) {
    precondition(n >= 1 && rank >= 1 && rank <= n, "MatrixCompletion needs 1 ≤ r ≤ n")
    precondition(fraction > 0 && fraction <= 1, "MatrixCompletion needs 0 < p ≤ 1")
    precondition(regularization >= 0 && (threshold ?? 1) > 0, "MatrixCompletion: λ ≥ 0, α > 0")
    self.n = n
    self.rank = rank
    self.fraction = fraction
    self.regularization = regularization
    var planted = SeededGenerator(seed: mixSeed(seed, SeedPurpose.planted))
    let factor = (0..<(n * rank)).map { _ in planted.nextGaussian() }
    plantedFactor = factor
    self.threshold =
      threshold
      ?? (0..<n).map { i in
        (0..<rank).reduce(0.0) { $0 + factor[i * rank + $1] * factor[i * rank + $1] }.squareRoot()
      }.max()!
    let u = DenseMatrix(rows: n, columns: rank, elements: factor)
    targetMatrix = u * u.transposed
    var mask = [Bool](repeating: false, count: n * n)
    var observations = SeededGenerator(seed: mixSeed(seed, SeedPurpose.observations))
    for i in 0..<n {
      for j in i..<n where observations.nextUniformDouble() < fraction {
        mask[i * n + j] = true
        mask[j * n + i] = true
      }
    }
    var pairs: [(row: Int, column: Int)] = []
    for i in 0..<n {
      for j in 0..<n where mask[i * n + j] { pairs.append((i, j)) }
    }
    observed = pairs
  }

  /// `n·r`.
  public var dimension: Int { n * rank }

  /// One segment `"U"` (`n × r`, row-major).
  public var layout: ParameterLayout { ParameterLayout([(name: "U", shape: [n, rank])]) }

  /// The target `M = U*U*ᵀ`.
  public var target: [[Double]] { targetMatrix.rowArrays }

  /// `⟨Uᵢ, Uⱼ⟩ − Mᵢⱼ`.
  func residual(_ p: [Double], _ i: Int, _ j: Int) -> Double {
    var s = -targetMatrix[i, j]
    for k in 0..<rank { s += p[i * rank + k] * p[j * rank + k] }
    return s
  }

  /// `‖Uᵢ‖`.
  func rowNorm(_ p: [Double], _ i: Int) -> Double {
    (0..<rank).reduce(0.0) { $0 + p[i * rank + $1] * p[i * rank + $1] }.squareRoot()
  }

  /// `(1/4p) Σ_{(i,j)∈Ω} (⟨Uᵢ, Uⱼ⟩ − Mᵢⱼ)² + λ Σᵢ (‖Uᵢ‖ − α)₊⁴`.
  public func value(at p: [Double]) -> Double {
    var sum = 0.0
    for (i, j) in observed {
      let s = residual(p, i, j)
      sum += s * s
    }
    var penalty = 0.0
    if regularization > 0 {
      for i in 0..<n {
        let excess = max(rowNorm(p, i) - threshold, 0)
        penalty += excess * excess * excess * excess
      }
    }
    return sum / (4 * fraction) + regularization * penalty
  }

  /// `P_Ω(UUᵀ − M)·U/p + ∇R`.
  public func gradient(at p: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: dimension)
    for (i, j) in observed {
      let s = residual(p, i, j) / fraction
      for k in 0..<rank { g[i * rank + k] += s * p[j * rank + k] }
    }
    if regularization > 0 {
      for i in 0..<n {
        let norm = rowNorm(p, i)
        let excess = norm - threshold
        guard excess > 0 else { continue }
        let phi = 4 * regularization * excess * excess * excess
        for k in 0..<rank { g[i * rank + k] += phi * p[i * rank + k] / norm }
      }
    }
    return g
  }

  /// `(P_Ω(ΔUᵀ + UΔᵀ)·U + P_Ω(UUᵀ − M)·Δ)/p + ∇²R·Δ`, matrix-free (`O(|Ω|·r)`).
  public func hessianVectorProduct(at p: [Double], along v: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: dimension)
    for (i, j) in observed {
      let s = residual(p, i, j)
      var t = 0.0
      for k in 0..<rank {
        t += v[i * rank + k] * p[j * rank + k] + p[i * rank + k] * v[j * rank + k]
      }
      for k in 0..<rank {
        out[i * rank + k] += (t * p[j * rank + k] + s * v[j * rank + k]) / fraction
      }
    }
    if regularization > 0 {
      for i in 0..<n {
        let norm = rowNorm(p, i)
        let excess = norm - threshold
        guard excess > 0 else { continue }
        let phi = 4 * regularization * excess * excess * excess
        let radial =
          12 * regularization * excess * excess / (norm * norm) - phi / (norm * norm * norm)
        var uv = 0.0
        for k in 0..<rank { uv += p[i * rank + k] * v[i * rank + k] }
        for k in 0..<rank {
          out[i * rank + k] += phi / norm * v[i * rank + k] + radial * uv * p[i * rank + k]
        }
      }
    }
    return out
  }

  /// The exact Hessian, assembled from ``hessianVectorProduct(at:along:)`` on unit vectors.
  public func hessian(at p: [Double]) -> [[Double]] {
    denseHessian(dimension: dimension) { hessianVectorProduct(at: p, along: $0) }
  }

  /// `P_Ω(M)` as rows.
  public var observedTarget: [[Double]] {
    var rows = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for (i, j) in observed { rows[i][j] = targetMatrix[i, j] }
    return rows
  }

  /// `U = 0`: `f = ‖P_Ω(M)‖²/(4p)`, eigenvalues those of `−P_Ω(M)/p`, each `r` times (a strict
  /// saddle whenever `Ω` is non-empty; `.degenerate` when it is empty and `f ≡ 0`).
  public var saddles: [CriticalPoint] {
    let eigen = SymmetricEigen(observedTarget)
    let spectrum = eigen.values.flatMap { [Double](repeating: -$0 / fraction, count: rank) }
    return [
      CriticalPoint(
        point: defaultStart, value: value(at: defaultStart), hessianEigenvalues: spectrum,
        kind: observed.isEmpty ? .degenerate : .saddle)
    ]
  }

  /// `U*` (`f = 0`), with the spectrum of its exact Hessian from a dense eigendecomposition;
  /// none when a regularizer with `α` below a row norm of `U*` moves the minima.
  public var minima: [CriticalPoint] {
    if regularization > 0, (0..<n).contains(where: { rowNorm(plantedFactor, $0) > threshold }) {
      return []
    }
    return [
      CriticalPoint(
        point: plantedFactor, value: 0,
        hessianEigenvalues: SymmetricEigen(hessian(at: plantedFactor)).values, kind: .minimum)
    ]
  }

  /// The saddle `U = 0`.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}
