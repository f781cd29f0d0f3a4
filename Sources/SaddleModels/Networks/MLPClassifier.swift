import Foundation
import SaddleCore
import SaddleTensor

/// A multilayer perceptron (SaddleTensor's `MLP`) trained with the mean softmax cross-entropy
/// on a ``ClassificationTask``: `h₀ = x`, `hₗ = σ(hₗ₋₁Wₗ + bₗ)`, logits `z = h_{L−1}W_L + b_L`,
/// `L(θ) = −(1/N) Σₑ log softmax(zₑ)_{yₑ}`.
///
/// The layer widths are `[task.inputWidth] + widths + [task.classCount]`; the parameters are
/// `W₁, b₁, W₂, b₂, …` in the flat `ParameterVector` (one segment each). Not thread-safe.
public struct MLPClassifier<Task: ClassificationTask>: Model {
  public typealias Batch = ClassificationBatch
  /// The nonlinearity between layers (`relu` or `tanh`).
  public typealias Activation = MLP.Activation

  /// The hidden widths.
  public let widths: [Int]
  /// All widths: input, hidden…, classes.
  public let layerWidths: [Int]
  /// The nonlinearity between layers.
  public let activation: Activation
  /// The data.
  public let task: Task
  /// Examples per training batch.
  public let batchSize: Int
  /// One segment per weight matrix and bias.
  public let layout: ParameterLayout
  let engine: MLP

  /// An MLP with hidden `widths` and `activation` on `task`, trained on batches of `batchSize`.
  public init(widths: [Int], activation: Activation = .relu, task: Task, batchSize: Int = 128) {
    precondition(widths.allSatisfy { $0 >= 1 }, "MLPClassifier: hidden widths must be ≥ 1")
    precondition(batchSize >= 1, "MLPClassifier: batchSize must be ≥ 1")
    self.widths = widths
    layerWidths = [task.inputWidth] + widths + [task.classCount]
    self.activation = activation
    self.task = task
    self.batchSize = batchSize
    engine = MLP(layerWidths: layerWidths, activation: activation, threads: 1)
    layout = ParameterLayout(engine.segments)
  }

  /// LeCun normal weights `N(0, 1/fan_in)`, zero biases (the engine's initialization).
  public func initialParameters(seed: UInt64) -> ParameterVector {
    var parameters = ParameterVector(count: layout.count)
    parameters.withUnsafeMutableBufferPointer { engine.initializeParameters($0, seed: seed) }
    return parameters
  }

  public func batch(step: Int, seed: UInt64) -> ClassificationBatch {
    task.batch(size: batchSize, step: step, seed: seed)
  }

  public func loss(at parameters: ParameterVector, on batch: ClassificationBatch) -> Double {
    parameters.withUnsafeBufferPointer { p in
      batch.inputs.withUnsafeBufferPointer { x in
        batch.labels.withUnsafeBufferPointer { y in
          engine.loss(parameters: p, inputs: x, labels: y)
        }
      }
    }
  }

  public func lossAndGradient(
    at parameters: ParameterVector, on batch: ClassificationBatch,
    into gradient: inout ParameterVector
  ) -> Double {
    parameters.withUnsafeBufferPointer { p in
      gradient.withUnsafeMutableBufferPointer { g in
        batch.inputs.withUnsafeBufferPointer { x in
          batch.labels.withUnsafeBufferPointer { y in
            engine.lossAndGradient(parameters: p, inputs: x, labels: y, gradient: g)
          }
        }
      }
    }
  }

  /// ``ClassificationMetrics`` on the task's held-out set: `loss`, `accuracy`,
  /// `balancedAccuracy`, `minimumClassAccuracy` and `accuracy.class<c>`.
  public func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double] {
    let batch = task.evaluationBatch(seed: seed)
    return ClassificationMetrics.compute(
      logits: logits(at: parameters, inputs: batch.inputs), labels: batch.labels,
      classCount: task.classCount)
  }

  /// The logits of `inputs` (`N × inputWidth`), computed in `Double` (an independent forward
  /// pass, also the tests' reference), `N × classCount` row-major.
  public func logits(at parameters: ParameterVector, inputs: [Float]) -> [Double] {
    logits(at: parameters.map(Double.init), inputs: inputs)
  }

  /// The logits for parameters given in `Double` (for finite-difference references).
  public func logits(at parameters: [Double], inputs: [Float]) -> [Double] {
    let count = inputs.count / layerWidths[0]
    var h = inputs.map(Double.init)
    var offset = 0
    for l in 1..<layerWidths.count {
      let (fanIn, fanOut) = (layerWidths[l - 1], layerWidths[l])
      var next = [Double](repeating: 0, count: count * fanOut)
      for e in 0..<count {
        for j in 0..<fanOut { next[e * fanOut + j] = parameters[offset + fanIn * fanOut + j] }
        for i in 0..<fanIn {
          let x = h[e * fanIn + i]
          if x == 0 { continue }
          for j in 0..<fanOut { next[e * fanOut + j] += x * parameters[offset + i * fanOut + j] }
        }
      }
      if l < layerWidths.count - 1 {
        for k in next.indices { next[k] = activation == .relu ? max(next[k], 0) : tanh(next[k]) }
      }
      offset += (fanIn + 1) * fanOut
      h = next
    }
    return h
  }
}
