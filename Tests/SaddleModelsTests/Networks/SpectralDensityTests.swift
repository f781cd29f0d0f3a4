import Foundation
import SaddleCore
import SaddleModels
import SaddleTensor
import Testing

@Suite("Spectral density (stochastic Lanczos quadrature) on a small Transformer")
struct SpectralDensityTests {
  /// A Transformer small enough for a dense Hessian (106 parameters).
  static func tinyModel() -> TransformerModel<InductionTask> {
    let task = InductionTask(vocabularySize: 4, sequenceLength: 4, periods: 1...2)
    let configuration = TransformerConfiguration(
      vocabularySize: task.vocabularySize, modelWidth: 2, layerCount: 1, headCount: 1,
      mlpWidth: 2, sequenceLength: 4, batchSize: 4)
    return TransformerModel(configuration: configuration, task: task, threads: 1)
  }

  /// The dense Hessian from finite-difference products with every basis vector, symmetrized.
  static func denseHessian(
    _ objective: inout Objective, at theta: ParameterVector, hvp: HVPMethod
  ) -> [Double] {
    let n = theta.count
    var h = [Double](repeating: 0, count: n * n)
    var e = ParameterVector(count: n)
    var column = ParameterVector(count: n)
    for j in 0..<n {
      e.fill(with: 0)
      e.withUnsafeMutableBufferPointer { $0[j] = 1 }
      SpectralDensityTests.product(hvp, &objective, theta, e, &column)
      column.withUnsafeBufferPointer { c in
        for i in 0..<n { h[i * n + j] = Double(c[i]) }
      }
    }
    for i in 0..<n {
      for j in 0..<i {
        let s = (h[i * n + j] + h[j * n + i]) / 2
        h[i * n + j] = s
        h[j * n + i] = s
      }
    }
    return h
  }

  /// `H·v` by central differences of the gradient (the same formula as `HVPMethod`).
  static func product(
    _ hvp: HVPMethod, _ objective: inout Objective, _ theta: ParameterVector,
    _ v: ParameterVector, _ result: inout ParameterVector
  ) {
    guard case .finiteDifference(let step) = hvp else { return }
    var plus = theta
    var minus = theta
    plus.add(v, scaledBy: Float(step))
    minus.add(v, scaledBy: Float(-step))
    var gMinus = ParameterVector(count: theta.count)
    _ = objective.lossAndGradient(at: plus, into: &result)
    _ = objective.lossAndGradient(at: minus, into: &gMinus)
    result.add(gMinus, scaledBy: -1)
    result.scale(by: Float(1 / (2 * step)))
  }

  @Test("SLQ moments, extreme nodes and distribution match a dense eigendecomposition")
  func matchesDenseEigendecomposition() {
    let model = Self.tinyModel()
    let theta = model.initialParameters(seed: 3)
    // A point away from initialization, so the Hessian has both signs.
    var p = theta
    p.withUnsafeMutableBufferPointer { b in
      for i in b.indices { b[i] += 0.3 * Float(((i * 37) % 11) - 5) / 5 }
    }
    let n = p.count
    let hvp = HVPMethod.finiteDifference(step: 1e-2)
    var objective = Objective(model: model, batch: model.batch(step: 0, seed: 1))
    let dense = Self.denseHessian(&objective, at: p, hvp: hvp)
    let (eigenvalues, _) = SymmetricEigen.decompose(dense, dimension: n)
    let trueMoments = (1...3).map { m in
      eigenvalues.reduce(0) { $0 + pow($1, Double(m)) } / Double(n)
    }
    let spread = eigenvalues.last! - eigenvalues.first!
    #expect(eigenvalues.first! < 0 && eigenvalues.last! > 0)

    let slq = SpectralDensity.estimate(
      at: p, objective: &objective, probes: 40, steps: 20, hvp: hvp, seed: 7)
    #expect(abs(slq.weights.reduce(0, +) - 1) < 1e-9)
    // Extreme Ritz values converge first: 20 steps resolve λ_min and λ_max.
    #expect(abs(slq.nodes.min()! - eigenvalues.first!) < 1e-2 * spread)
    #expect(abs(slq.nodes.max()! - eigenvalues.last!) < 1e-2 * spread)
    // Moments: Hutchinson-type estimates over 40 Rademacher probes (standard error a few %).
    for m in 1...3 {
      let scale = eigenvalues.reduce(0) { $0 + pow(abs($1), Double(m)) } / Double(n)
      #expect(abs(slq.moment(m) - trueMoments[m - 1]) < 0.15 * scale)
    }
    // Distribution: the estimated CDF at grid points against the dense spectrum's, away from
    // the atom at 0 (embedding rows of tokens absent from the batch have zero curvature, and a
    // CDF is ill-conditioned at an atom).
    var worst = 0.0
    for j in 0..<20 {
      let t = eigenvalues.first! + spread * (Double(j) + 0.5) / 20
      guard abs(t) > 0.03 * spread else { continue }
      let f = Double(eigenvalues.filter { $0 <= t }.count) / Double(n)
      worst = max(worst, abs(slq.cumulative(t) - f))
    }
    #expect(worst < 0.12)
    // The smoothed density integrates to about 1 over a padded range.
    let grid = stride(
      from: eigenvalues.first! - spread, through: eigenvalues.last! + spread,
      by: spread / 400
    ).map { $0 }
    let d = slq.density(at: grid, width: spread / 50)
    #expect(abs(d.reduce(0, +) * spread / 400 - 1) < 1e-2)
  }
}
