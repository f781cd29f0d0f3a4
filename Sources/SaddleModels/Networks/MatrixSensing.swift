import SaddleCore

/// Symmetric low-rank matrix sensing with a planted ground truth (Burer–Monteiro): recover
/// `M* = U*U*ᵀ` (`n × n`, rank `r`) from `m` linear measurements `yᵢ = ⟨Sᵢ, M*⟩` by minimizing
///
/// `f(U) = (1/2m) Σᵢ (⟨Sᵢ, UUᵀ⟩ − yᵢ)²`,  `U ∈ ℝ^{n×r'}` (`r' = factorRank ≥ r`),
///
/// with `Sᵢ = (Aᵢ + Aᵢᵀ)/2` and `Aᵢ` standard Gaussian. With residuals `ρᵢ` and `G = Σᵢ ρᵢSᵢ`:
/// `∇f = (2/m)·G·U`, and the exact Hessian-vector product along `V` is
/// `(2/m)·(K·U + G·V)` with `K = Σᵢ ⟨Sᵢ, UVᵀ + VUᵀ⟩ Sᵢ`. `U = 0` is a strict saddle
/// (its Hessian is `(2/m)·(−Σᵢ yᵢSᵢ) ⊗ I`, with negative eigenvalues `≈ −2λ(M*)`), and with enough
/// measurements (`m ≳ n·r`, restricted isometry) every local minimum is global with `f = 0`
/// (Ge, Jin & Zheng 2017; Bhojanapalli, Neyshabur & Srebro 2016, "Global optimality of local
/// search for low rank matrix recovery").
///
/// Full-batch (`Batch == Void`); all sums are in `Double`.
public struct MatrixSensing: Model {
  /// The matrix size `n`.
  public let n: Int
  /// The rank `r` of the ground truth.
  public let rank: Int
  /// The number of measurements `m`.
  public let measurements: Int
  /// The columns `r'` of the factor `U`.
  public let factorRank: Int
  /// The standard deviation of the initial `U`'s entries (small: a start near the saddle 0).
  public let initializationScale: Float
  /// `M*`, `n × n` row-major.
  public let groundTruth: [Double]
  /// `U*` with `M* = U*U*ᵀ`, `n × r` row-major.
  public let groundTruthFactor: [Double]
  /// `Sᵢ`, `m` symmetric `n × n` matrices, row-major, one after another.
  let sensing: [Double]
  /// `yᵢ = ⟨Sᵢ, M*⟩`.
  let observations: [Double]

  /// `U` as one `n × r'` segment.
  public var layout: ParameterLayout { ParameterLayout([(name: "U", shape: [n, factorRank])]) }

  /// A seeded instance: `U*` has `N(0, 1/n)` entries (so `M*` has eigenvalues of order 1), the
  /// `Aᵢ` have `N(0, 1)` entries.
  public init(
    n: Int = 20, rank: Int = 2, measurements: Int = 400, factorRank: Int? = nil,
    initializationScale: Float = 1e-3, seed: UInt64 = 0
  ) {
    precondition(n >= 1, "MatrixSensing: n must be ≥ 1")
    precondition(rank >= 1 && rank <= n, "MatrixSensing: need 1 ≤ rank ≤ n")
    precondition(measurements >= 1, "MatrixSensing: measurements must be ≥ 1")
    let factorRank = factorRank ?? rank
    precondition(factorRank >= 1, "MatrixSensing: factorRank must be ≥ 1")
    precondition(initializationScale >= 0, "MatrixSensing: initializationScale must be ≥ 0")
    self.n = n
    self.rank = rank
    self.measurements = measurements
    self.factorRank = factorRank
    self.initializationScale = initializationScale
    var generator = TaskRandom.generator(seed: seed, step: 0, stream: TaskRandom.structure)
    let scale = 1 / Double(n).squareRoot()
    let truthFactor = (0..<(n * rank)).map { _ in scale * generator.nextGaussian() }
    var truth = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var s = 0.0
        for k in 0..<rank { s += truthFactor[i * rank + k] * truthFactor[j * rank + k] }
        truth[i * n + j] = s
      }
    }
    groundTruth = truth
    groundTruthFactor = truthFactor
    var sensing = [Double](repeating: 0, count: measurements * n * n)
    for m in 0..<measurements {
      let base = m * n * n
      for i in 0..<n {
        for j in 0..<n { sensing[base + i * n + j] = generator.nextGaussian() }
      }
      for i in 0..<n {
        for j in (i + 1)..<max(n, i + 1) {
          let s = (sensing[base + i * n + j] + sensing[base + j * n + i]) / 2
          sensing[base + i * n + j] = s
          sensing[base + j * n + i] = s
        }
      }
    }
    self.sensing = sensing
    observations = (0..<measurements).map { m in
      var s = 0.0
      for k in 0..<(n * n) { s += sensing[m * n * n + k] * truth[k] }
      return s
    }
  }

  /// `U` with `N(0, initializationScale²)` entries, deterministic in `seed`.
  public func initialParameters(seed: UInt64) -> ParameterVector {
    var generator = SeededGenerator(seed: seed)
    var parameters = ParameterVector(count: n * factorRank)
    parameters.fillGaussian(using: &generator, scale: initializationScale)
    return parameters
  }

  public func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    value(at: parameters.map(Double.init))
  }

  public func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    let (loss, g) = valueAndGradient(at: parameters.map(Double.init))
    gradient.withUnsafeMutableBufferPointer { out in
      for k in 0..<out.count { out[k] = Float(g[k]) }
    }
    return loss
  }

  public var hasExactHessianVectorProduct: Bool { true }

  /// `(2/m)·(K·U + G·V)` with `G = Σᵢ ρᵢSᵢ`, `K = Σᵢ ⟨Sᵢ, UVᵀ + VUᵀ⟩ Sᵢ`.
  public func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Void, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    let hv = hessianVectorProduct(at: parameters.map(Double.init), along: vector.map(Double.init))
    result.withUnsafeMutableBufferPointer { out in
      for i in 0..<out.count { out[i] = Float(hv[i]) }
    }
  }

  /// `f(U)` in `Double` (`U` is `n × r'` row-major).
  public func value(at u: [Double]) -> Double {
    residuals(product(u)).reduce(0) { $0 + $1 * $1 } / Double(2 * measurements)
  }

  /// `f(U)` and `∇f(U) = (2/m)·G·U` in `Double`.
  public func valueAndGradient(at u: [Double]) -> (value: Double, gradient: [Double]) {
    let rho = residuals(product(u))
    let factor = 2 / Double(measurements)
    let gradient = multiply(combination(rho), u).map { factor * $0 }
    return (rho.reduce(0) { $0 + $1 * $1 } / Double(2 * measurements), gradient)
  }

  /// `∇²f(U)·V = (2/m)·(K·U + G·V)` in `Double`.
  public func hessianVectorProduct(at u: [Double], along v: [Double]) -> [Double] {
    let g = combination(residuals(product(u)))
    var d = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var s = 0.0
        for k in 0..<factorRank {
          s +=
            u[i * factorRank + k] * v[j * factorRank + k]
            + v[i * factorRank + k] * u[j * factorRank + k]
        }
        d[i * n + j] = s
      }
    }
    let ku = multiply(combination(projections(d)), u)
    let gv = multiply(g, v)
    let factor = 2 / Double(measurements)
    return zip(ku, gv).map { factor * ($0 + $1) }
  }

  /// `loss` and `recoveryError = ‖UUᵀ − M*‖_F / ‖M*‖_F` (the seed is unused: the data are fixed).
  public func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double] {
    let x = product(parameters.map(Double.init))
    var (error, norm) = (0.0, 0.0)
    for k in 0..<(n * n) {
      error += (x[k] - groundTruth[k]) * (x[k] - groundTruth[k])
      norm += groundTruth[k] * groundTruth[k]
    }
    return [
      "loss": loss(at: parameters, on: ()),
      "recoveryError": (error / max(norm, .leastNormalMagnitude)).squareRoot(),
    ]
  }

  /// `UUᵀ`.
  func product(_ u: [Double]) -> [Double] {
    let r = factorRank
    var x = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var s = 0.0
        for k in 0..<r { s += u[i * r + k] * u[j * r + k] }
        x[i * n + j] = s
        x[j * n + i] = s
      }
    }
    return x
  }

  /// `⟨Sᵢ, X⟩` for every `i`.
  func projections(_ x: [Double]) -> [Double] {
    (0..<measurements).map { m in
      var s = 0.0
      for k in 0..<(n * n) { s += sensing[m * n * n + k] * x[k] }
      return s
    }
  }

  /// `ρᵢ = ⟨Sᵢ, X⟩ − yᵢ`.
  func residuals(_ x: [Double]) -> [Double] {
    zip(projections(x), observations).map { $0 - $1 }
  }

  /// `Σᵢ cᵢSᵢ`.
  func combination(_ c: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: n * n)
    for m in 0..<measurements where c[m] != 0 {
      for k in 0..<(n * n) { out[k] += c[m] * sensing[m * n * n + k] }
    }
    return out
  }

  /// `A·B` for `A` `n × n` and `B` `n × r'`.
  func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
    let r = factorRank
    var out = [Double](repeating: 0, count: n * r)
    for i in 0..<n {
      for j in 0..<n {
        let x = a[i * n + j]
        for k in 0..<r { out[i * r + k] += x * b[j * r + k] }
      }
    }
    return out
  }
}
