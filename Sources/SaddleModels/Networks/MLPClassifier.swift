import Foundation
import SaddleCore
import SaddleTensor

/// A multilayer perceptron (SaddleTensor's `MLP`) trained with the mean softmax cross-entropy
/// on a ``ClassificationTask``: `h₀ = x`, `hₗ = σ(hₗ₋₁Wₗ + bₗ)`, logits `z = h_{L−1}W_L + b_L`,
/// `L(θ) = −(1/N) Σₑ log softmax(zₑ)_{yₑ}` — or, with a ``ClassificationLoss``, the
/// class-re-weighted (optionally deferred) cross-entropy with LDAM margins.
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
  /// The training loss's options.
  public let lossOptions: ClassificationLoss
  /// The class weights `w_c` of ``lossOptions`` (nil: unit weights).
  public let classWeights: [Float]?
  /// The LDAM margins `Δ_c` of ``lossOptions`` (nil: none).
  public let classMargins: [Float]?
  /// The class whose held-out accuracy is reported as `minorityClassAccuracy` (nil: none).
  public let minorityClass: Int?
  let engine: MLP

  /// An MLP with hidden `widths` and `activation` on `task`, trained on batches of `batchSize`
  /// with the loss `loss`, whose weights and margins come from the training class counts
  /// `classCounts` (needed when `loss` re-weights or has margins; only ratios matter except for
  /// effective-number weights). `minorityClass` names the class reported as
  /// `minorityClassAccuracy` by ``evaluate(at:seed:)``.
  public init(
    widths: [Int], activation: Activation = .relu, task: Task, batchSize: Int = 128,
    loss: ClassificationLoss = .crossEntropy, classCounts: [Double]? = nil,
    minorityClass: Int? = nil
  ) {
    precondition(widths.allSatisfy { $0 >= 1 }, "MLPClassifier: hidden widths must be ≥ 1")
    precondition(batchSize >= 1, "MLPClassifier: batchSize must be ≥ 1")
    precondition(
      minorityClass.map { $0 >= 0 && $0 < task.classCount } ?? true,
      "MLPClassifier: minorityClass out of range")
    let needsCounts = loss.weighting != .none || loss.margin > 0
    precondition(
      !needsCounts || classCounts?.count == task.classCount,
      "MLPClassifier: this loss needs one training count per class")
    lossOptions = loss
    classWeights = classCounts.flatMap { loss.classWeights(counts: $0) }?.map(Float.init)
    classMargins = classCounts.flatMap { loss.classMargins(counts: $0) }?.map(Float.init)
    self.minorityClass = minorityClass
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

  /// The task's training batch for `step`, tagged with `step` (deferred re-weighting reads it).
  public func batch(step: Int, seed: UInt64) -> ClassificationBatch {
    var batch = task.batch(size: batchSize, step: step, seed: seed)
    batch.step = step
    return batch
  }

  /// The class weights in force for a batch of `step`: ``classWeights`` from
  /// `lossOptions.reweightFromStep` on, nil (unit weights) before it.
  public func weights(atStep step: Int) -> [Float]? {
    step >= lossOptions.reweightFromStep ? classWeights : nil
  }

  public func loss(at parameters: ParameterVector, on batch: ClassificationBatch) -> Double {
    evaluateLoss(parameters, batch, gradient: nil)
  }

  public func lossAndGradient(
    at parameters: ParameterVector, on batch: ClassificationBatch,
    into gradient: inout ParameterVector
  ) -> Double {
    gradient.withUnsafeMutableBufferPointer { evaluateLoss(parameters, batch, gradient: $0) }
  }

  /// The loss of ``lossOptions`` on `batch` (weights of the batch's step), and its gradient.
  func evaluateLoss(
    _ parameters: ParameterVector, _ batch: ClassificationBatch,
    gradient: UnsafeMutableBufferPointer<Float>?
  ) -> Double {
    let weights = self.weights(atStep: batch.step)
    return parameters.withUnsafeBufferPointer { p in
      batch.inputs.withUnsafeBufferPointer { x in
        batch.labels.withUnsafeBufferPointer { y in
          guard weights != nil || classMargins != nil else {
            guard let gradient else { return engine.loss(parameters: p, inputs: x, labels: y) }
            return engine.lossAndGradient(parameters: p, inputs: x, labels: y, gradient: gradient)
          }
          return withOptionalBuffer(weights) { w in
            withOptionalBuffer(classMargins) { m in
              engine.loss(
                parameters: p, inputs: x, labels: y, classWeights: w, classMargins: m,
                gradient: gradient)
            }
          }
        }
      }
    }
  }

  /// ``ClassificationMetrics`` on the task's held-out set: `loss` (the plain mean
  /// cross-entropy, whatever the training loss), `accuracy`, `balancedAccuracy`,
  /// `minimumClassAccuracy`, `accuracy.class<c>` and, with a ``minorityClass``,
  /// `minorityClassAccuracy`.
  public func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double] {
    let batch = task.evaluationBatch(seed: seed)
    return ClassificationMetrics.compute(
      logits: logits(at: parameters, inputs: batch.inputs), labels: batch.labels,
      classCount: task.classCount, minorityClass: minorityClass)
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

/// Calls `body` with a buffer over `array`, or with nil.
private func withOptionalBuffer<R>(
  _ array: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> R
) -> R {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0) }
}
