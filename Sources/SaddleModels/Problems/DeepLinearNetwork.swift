import Foundation
import SaddleCore

/// A deep linear network `f(W₁, …, W_L) = ½‖W_L⋯W₁X − Y‖²_F` with square `w × w` layers and fixed
/// data `X ∈ ℝ^{w×s}`, `Y = T·X` (`reference/test-problems.md`; Baldi & Hornik 1989,
/// Kawaguchi 2016 "Deep learning without poor local minima", Saxe et al. 2014).
///
/// With `P = W_L⋯W₁`, `E = PX − Y`, `G = EXᵀ`, `Aₖ = W_L⋯W_{k+1}` and `Bₖ = W_{k−1}⋯W₁`:
/// `∇_{Wₖ} f = Aₖᵀ G Bₖᵀ`. The Hessian-vector product along `(Δ₁, …, Δ_L)` is exact, the
/// directional derivative of that formula: `dAₖᵀ G Bₖᵀ + Aₖᵀ dG Bₖᵀ + Aₖᵀ G dBₖᵀ`, with
/// `dG = (Σⱼ Aⱼ Δⱼ Bⱼ) X Xᵀ` and `dAₖ`, `dBₖ` the product rule over the layers after and before
/// `k`. The dense Hessian is assembled from it (`L·w²` products).
///
/// Critical points:
/// - All-zero weights, `f = ½‖Y‖²`. For `L ≥ 3` the gradient and the Hessian both vanish there
///   (every term of `P` is of degree `L ≥ 3`): a degenerate saddle, eigenvalues all 0. For
///   `L = 2` it is a strict saddle with eigenvalues `±σₖ(YXᵀ)` (each `w` times), as in
///   ``MatrixFactorization``; for `L = 1` the problem is convex and zero is not critical.
/// - Global minima only (Kawaguchi 2016): `P = T`, `f = 0`. The listed representative is the
///   balanced factorization of `T = A·diag(σ)·Bᵀ`: `W₁ = Σ^{1/L}Bᵀ`, `Wₖ = Σ^{1/L}`,
///   `W_L = AΣ^{1/L}`. Its Hessian eigenvalues (and those of the `L = 2` saddle) have no simple
///   closed form: they are computed with `SymmetricEigen` from the exact Hessian. The minima
///   form a manifold (`Wₖ → Gₖ Wₖ G_{k−1}⁻¹`), so `(L − 1)·w²` of them are zero.
public struct DeepLinearNetwork: ClosedFormProblem {
  /// `"deep-linear-network"`.
  public static let name = "deep-linear-network"

  /// The number of layers `L`.
  public let depth: Int
  /// The width `w` of every layer.
  public let width: Int
  /// The teacher's singular values, descending.
  public let singularValues: [Double]
  /// The inputs `X` (`w` rows of `s` columns).
  public var inputs: [[Double]] { x.rowArrays }
  /// The targets `Y = T·X`.
  public var targets: [[Double]] { y.rowArrays }

  let x: DenseMatrix
  let y: DenseMatrix
  let teacherLeft: DenseMatrix
  let teacherRight: DenseMatrix

  /// A seeded problem: teacher `T = A·diag(σ)·Bᵀ` (`A`, `B` random orthogonal, `σ` =
  /// `singularValues`, default `(w, w − 1, …, 1)`), inputs `X = I_w` when `samples` is `nil`,
  /// otherwise `samples` standard Gaussian columns scaled by `1/√samples`; `Y = T·X`.
  public init(
    depth: Int = 3, width: Int = 2, samples: Int? = nil, singularValues: [Double]? = nil,
    seed: UInt64 = 0
  ) {
    precondition(depth >= 1, "DeepLinearNetwork needs depth ≥ 1")
    precondition(width >= 1, "DeepLinearNetwork needs width ≥ 1")
    precondition((samples ?? 1) >= 1, "DeepLinearNetwork needs samples ≥ 1")
    let sigma = singularValues ?? (0..<width).map { Double(width - $0) }
    precondition(sigma.count == width, "DeepLinearNetwork needs width singular values")
    precondition(
      zip(sigma, sigma.dropFirst()).allSatisfy { $0 >= $1 } && (sigma.last ?? 0) >= 0,
      "DeepLinearNetwork needs singular values descending and non-negative")
    var generator = SeededGenerator(seed: seed)
    let a = DenseMatrix.randomOrthogonal(width, using: &generator)
    let b = DenseMatrix.randomOrthogonal(width, using: &generator)
    let inputs: DenseMatrix
    if let s = samples {
      let scale = 1 / Double(s).squareRoot()
      inputs = DenseMatrix(
        rows: width, columns: s,
        elements: (0..<(width * s)).map { _ in scale * generator.nextGaussian() })
    } else {
      inputs = .identity(width)
    }
    self.depth = depth
    self.width = width
    self.singularValues = sigma
    teacherLeft = a
    teacherRight = b
    x = inputs
    y = a * .diagonal(sigma) * b.transposed * inputs
  }

  /// `L·w²`.
  public var dimension: Int { depth * width * width }

  /// Segments `"W1"`, …, `"WL"` (each `w × w`, row-major), input layer first.
  public var layout: ParameterLayout {
    ParameterLayout((1...depth).map { (name: "W\($0)", shape: [width, width]) })
  }

  func layers(_ p: [Double]) -> [DenseMatrix] {
    let size = width * width
    return (0..<depth).map {
      DenseMatrix(rows: width, columns: width, elements: Array(p[($0 * size)..<(($0 + 1) * size)]))
    }
  }

  /// `W_hi ⋯ W_lo` (0-based, inclusive; the identity when `lo > hi`).
  func product(_ w: [DenseMatrix], from lo: Int, through hi: Int) -> DenseMatrix {
    var result = DenseMatrix.identity(width)
    if lo > hi { return result }
    for k in lo...hi { result = w[k] * result }
    return result
  }

  /// `½‖W_L⋯W₁X − Y‖²_F`.
  public func value(at p: [Double]) -> Double {
    let w = layers(p)
    return 0.5 * (product(w, from: 0, through: depth - 1) * x - y).squaredFrobeniusNorm
  }

  /// `∇_{Wₖ} f = Aₖᵀ (EXᵀ) Bₖᵀ`.
  public func gradient(at p: [Double]) -> [Double] {
    let w = layers(p)
    let g = (product(w, from: 0, through: depth - 1) * x - y) * x.transposed
    return (0..<depth).flatMap { k in
      (product(w, from: k + 1, through: depth - 1).transposed * g
        * product(w, from: 0, through: k - 1).transposed).elements
    }
  }

  /// The exact product: the directional derivative of ``gradient(at:)`` along `direction`.
  public func hessianVectorProduct(at p: [Double], along direction: [Double]) -> [Double] {
    let w = layers(p)
    let d = layers(direction)
    let last = depth - 1
    let g = (product(w, from: 0, through: last) * x - y) * x.transposed
    var dp = DenseMatrix(rows: width, columns: width)
    for j in 0...last {
      dp = dp + product(w, from: j + 1, through: last) * d[j] * product(w, from: 0, through: j - 1)
    }
    let dg = dp * x * x.transposed
    return (0...last).flatMap { k -> [Double] in
      let after = product(w, from: k + 1, through: last)
      let before = product(w, from: 0, through: k - 1)
      var dAfter = DenseMatrix(rows: width, columns: width)
      for j in (k + 1)..<max(k + 1, depth) {
        dAfter =
          dAfter + product(w, from: j + 1, through: last) * d[j]
          * product(w, from: k + 1, through: j - 1)
      }
      var dBefore = DenseMatrix(rows: width, columns: width)
      for j in 0..<k {
        dBefore =
          dBefore + product(w, from: j + 1, through: k - 1) * d[j]
          * product(w, from: 0, through: j - 1)
      }
      return
        (dAfter.transposed * g * before.transposed + after.transposed * dg * before.transposed
        + after.transposed * g * dBefore.transposed).elements
    }
  }

  /// The exact Hessian, assembled from ``hessianVectorProduct(at:along:)`` on unit vectors.
  public func hessian(at p: [Double]) -> [[Double]] {
    denseHessian(dimension: dimension) { hessianVectorProduct(at: p, along: $0) }
  }

  /// All-zero weights (for `depth ≥ 2`): degenerate for `L ≥ 3` (all eigenvalues 0), a strict
  /// saddle for `L = 2`. `[]` for `L = 1`.
  public var saddles: [CriticalPoint] {
    let zero = [Double](repeating: 0, count: dimension)
    let value = 0.5 * y.squaredFrobeniusNorm
    switch depth {
    case 1: return []
    case 2:
      return [
        CriticalPoint(
          point: zero, value: value, hessianEigenvalues: SymmetricEigen(hessian(at: zero)).values,
          kind: .saddle)
      ]
    default:
      return [
        CriticalPoint(
          point: zero, value: value,
          hessianEigenvalues: [Double](repeating: 0, count: dimension), kind: .degenerate)
      ]
    }
  }

  /// The balanced global minimum, `f = 0`. Its eigenvalues are computed on each access
  /// (dense Hessian and Jacobi, `O(d³)` with `d = L·w²`): read it once.
  public var minima: [CriticalPoint] {
    let root = DenseMatrix.diagonal(singularValues.map { pow($0, 1 / Double(depth)) })
    var w = [DenseMatrix](repeating: root, count: depth)
    if depth == 1 {
      w[0] = teacherLeft * .diagonal(singularValues) * teacherRight.transposed
    } else {
      w[0] = root * teacherRight.transposed
      w[depth - 1] = teacherLeft * root
    }
    let point = w.flatMap(\.elements)
    return [
      CriticalPoint(
        point: point, value: 0, hessianEigenvalues: SymmetricEigen(hessian(at: point)).values,
        kind: .minimum)
    ]
  }

  /// The all-zero weights.
  public var defaultStart: [Double] { [Double](repeating: 0, count: dimension) }
}
