import SaddleCore
import SaddleTensor

/// A decoder-only Transformer language model (SaddleTensor's `TransformerLM`: pre-LayerNorm,
/// causal multi-head attention, GELU MLP, learned embeddings, untied head) trained on a
/// ``SequenceTask``.
///
/// The loss is the mean next-token cross-entropy over the batch's scored targets,
/// `L(θ) = −(1/|S|) Σ_{(b,t)∈S} log softmax(z_{b,t})_{x_{b,t+1}}` (all targets for a language
/// model, the repeated half for ``InductionTask``). Parameters live in the flat
/// `ParameterVector` in the engine's segment order (one segment per weight tensor, so
/// per-segment estimators work per tensor); the engine reads and writes them in place.
///
/// Not thread-safe: a model owns its engine's scratch buffers; use one model per thread.
public struct TransformerModel<Task: SequenceTask>: Model {
  public typealias Batch = TokenBatch

  /// The network's sizes.
  public let configuration: TransformerConfiguration
  /// The data.
  public let task: Task
  /// Held-out sequences per evaluation.
  public let evaluationRows: Int
  /// One segment per weight tensor, named as in `TransformerConfiguration.segments`.
  public let layout: ParameterLayout
  let engine: TransformerEngine

  /// A Transformer of `configuration` on `task`, using up to `threads` threads per evaluation.
  ///
  /// - Precondition: the configuration's vocabulary holds the task's tokens and its sequence
  ///   length is the task's (`TransformerConfiguration.reference` fits the default
  ///   ``InductionTask``).
  public init(
    configuration: TransformerConfiguration = .reference, task: Task, threads: Int = 2,
    evaluationRows: Int? = nil
  ) {
    precondition(
      configuration.vocabularySize >= task.vocabularySize,
      "TransformerModel: vocabulary \(configuration.vocabularySize) < the task's "
        + "\(task.vocabularySize)")
    precondition(
      configuration.sequenceLength == task.sequenceLength,
      "TransformerModel: sequence length \(configuration.sequenceLength) ≠ the task's "
        + "\(task.sequenceLength)")
    self.configuration = configuration
    self.task = task
    self.evaluationRows = evaluationRows ?? 4 * configuration.batchSize
    layout = ParameterLayout(configuration.segments)
    engine = TransformerEngine(configuration: configuration, threads: threads)
  }

  /// The engine's initialization: weights and embeddings `N(0, 0.02²)`, LayerNorm gains 1,
  /// biases 0 (GPT-2).
  public func initialParameters(seed: UInt64) -> ParameterVector {
    var parameters = ParameterVector(count: layout.count)
    parameters.withUnsafeMutableBufferPointer {
      engine.network.initializeParameters($0, seed: seed)
    }
    return parameters
  }

  /// `configuration.batchSize` sequences of the task for `(step, seed)`.
  public func batch(step: Int, seed: UInt64) -> TokenBatch {
    task.batch(rows: configuration.batchSize, step: step, seed: seed)
  }

  public func loss(at parameters: ParameterVector, on batch: TokenBatch) -> Double {
    parameters.withUnsafeBufferPointer {
      engine.evaluate(parameters: $0, batch: batch, gradient: nil).loss
    }
  }

  public func lossAndGradient(
    at parameters: ParameterVector, on batch: TokenBatch, into gradient: inout ParameterVector
  ) -> Double {
    parameters.withUnsafeBufferPointer { p in
      gradient.withUnsafeMutableBufferPointer { g in
        engine.evaluate(parameters: p, batch: batch, gradient: g).loss
      }
    }
  }

  /// Held-out `loss` (mean cross-entropy over scored targets) and `accuracy` (the fraction of
  /// scored targets whose most likely token is right) on ``evaluationRows`` sequences.
  public func evaluate(at parameters: ParameterVector, seed: UInt64) -> [String: Double] {
    let batch = task.evaluationBatch(rows: evaluationRows, seed: seed)
    return evaluate(at: parameters, on: batch)
  }

  /// `loss` and `accuracy` on `batch` (any number of rows).
  public func evaluate(at parameters: ParameterVector, on batch: TokenBatch) -> [String: Double] {
    let result = parameters.withUnsafeBufferPointer {
      engine.evaluate(parameters: $0, batch: batch, gradient: nil, countCorrect: true)
    }
    return [
      "loss": result.loss, "accuracy": Double(result.correct) / Double(max(result.scored, 1)),
    ]
  }
}
