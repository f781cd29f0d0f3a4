import SaddleCore
import SaddleTensor

extension Registry {
  /// Registers the network models: `transformer-induction`, `transformer-charlm`,
  /// `mlp-parity`, `mlp-imbalanced` and `matrix-sensing`.
  public mutating func registerNetworkModels() {
    register(model: "transformer-induction", summary: "Transformer on in-context copying") { p in
      let vocabulary = try p.int("vocabulary", default: 64, in: .closed(2, 65_536))
      let sequence = try p.int("sequenceLength", default: 32, in: .closed(3, 4096))
      let minPeriod = try p.int("minPeriod", default: 8, in: .closed(1, 4096))
      let maxPeriod = try p.int("maxPeriod", default: 16, in: .closed(1, 4096))
      guard minPeriod <= maxPeriod else {
        throw SpecError(location: p.location, field: "maxPeriod", "must be ≥ minPeriod")
      }
      guard maxPeriod <= vocabulary, maxPeriod < sequence else {
        throw SpecError(
          location: p.location, field: "maxPeriod",
          "\(maxPeriod) must be ≤ vocabulary (\(vocabulary)) and < sequenceLength (\(sequence))")
      }
      let task = InductionTask(
        vocabularySize: vocabulary, sequenceLength: sequence, periods: minPeriod...maxPeriod)
      let (configuration, threads, rows) = try transformerConfiguration(
        p, vocabulary: vocabulary, sequence: sequence)
      return TransformerModel(
        configuration: configuration, task: task, threads: threads, evaluationRows: rows)
    }
    register(model: "transformer-charlm", summary: "character-level Transformer LM") { p in
      let corpus = try p.string("corpus", default: nil)
      // The embedded corpus holds windows up to its maximum; a corpus file is checked when read.
      let longest = corpus == nil ? CharacterLanguageTask.maximumEmbeddedSequenceLength : 4096
      let sequence = try p.int("sequenceLength", default: 32, in: .closed(1, Double(longest)))
      let task: CharacterLanguageTask
      if let corpus, !p.isDescribing {
        do {
          task =
            corpus == "shakespeare"
            ? try CharacterLanguageTask.shakespeare(sequenceLength: sequence)
            : try CharacterLanguageTask(contentsOf: corpus, sequenceLength: sequence)
        } catch let error as TaskError {
          throw SpecError(location: p.location, field: "corpus", error.description)
        }
      } else {
        task = CharacterLanguageTask(sequenceLength: sequence)
      }
      let (configuration, threads, rows) = try transformerConfiguration(
        p, vocabulary: task.vocabularySize, sequence: sequence)
      return TransformerModel(
        configuration: configuration, task: task, threads: threads, evaluationRows: rows)
    }
    register(model: "mlp-parity", summary: "MLP on sparse parity (k of n bits)") { p in
      let bits = try p.int("bits", default: 20, in: .closed(1, 4096))
      let relevant = try p.int("relevant", default: 3, in: .closed(1, 4096))
      guard relevant <= bits else {
        throw SpecError(location: p.location, field: "relevant", "must be ≤ bits (\(bits))")
      }
      let seed = try p.int("taskSeed", default: 0, in: .atLeast(0))
      let task = SparseParityTask(bits: bits, relevant: relevant, taskSeed: UInt64(seed))
      return try mlp(p, task: task, hidden: 128)
    }
    register(model: "mlp-imbalanced", summary: "MLP on a class-imbalanced Gaussian mixture") {
      p in
      let task = ImbalancedGaussianMixtureTask(
        classes: try p.int("classes", default: 4, in: .closed(2, 1024)),
        dimension: try p.int("dimension", default: 16, in: .closed(1, 4096)),
        imbalance: try p.double("imbalance", default: 20, in: .atLeast(1)),
        separation: try p.double("separation", default: 2.5, in: .atLeast(0)),
        taskSeed: UInt64(try p.int("taskSeed", default: 0, in: .atLeast(0))),
        evaluationPerClass: try p.int("evaluationPerClass", default: 256, in: .closed(1, 100_000)),
        trainingExamples: try p.int("trainingExamples", default: 0, in: .closed(0, 10_000_000)))
      let loss = try imbalancedLoss(p, trainingExamples: task.trainingExamples)
      return try mlp(
        p, task: task, hidden: 64, loss: loss, classCounts: task.trainingClassCounts,
        minorityClass: task.minorityClass)
    }
    register(model: "matrix-sensing", summary: "low-rank matrix sensing, planted truth") { p in
      let n = try p.int("n", default: 20, in: .closed(1, 512))
      let rank = try p.int("rank", default: 2, in: .closed(1, 512))
      guard rank <= n else {
        throw SpecError(location: p.location, field: "rank", "must be ≤ n (\(n))")
      }
      return MatrixSensing(
        n: n, rank: rank,
        measurements: try p.int("measurements", default: 5 * n * rank, in: .closed(1, 1_000_000)),
        factorRank: try p.int("factorRank", default: rank, in: .closed(1, 512)),
        initializationScale: Float(
          try p.double("initializationScale", default: 1e-3, in: .atLeast(0))),
        seed: UInt64(try p.int("taskSeed", default: 0, in: .atLeast(0))))
    }
  }
}

/// The Transformer sizes shared by the Transformer models' specs (and `evaluationRows`, the
/// held-out sequences per evaluation, default 4 × batch).
private func transformerConfiguration(
  _ p: StageParameters, vocabulary: Int, sequence: Int
) throws(SpecError) -> (TransformerConfiguration, Int, Int) {
  let layers = try p.int("layers", default: 2, in: .closed(1, 64))
  let width = try p.int("width", default: 64, in: .closed(1, 4096))
  let heads = try p.int("heads", default: 4, in: .closed(1, 256))
  let mlpWidth = try p.int("mlpWidth", default: 4 * width, in: .closed(1, 65_536))
  let batch = try p.int("batch", default: 32, in: .closed(1, 65_536))
  let threads = try p.int("threads", default: 2, in: .closed(1, 64))
  let evaluationRows = try p.int("evaluationRows", default: 4 * batch, in: .closed(1, 1_000_000))
  guard width % heads == 0 else {
    throw SpecError(
      location: p.location, field: "heads", "\(heads) does not divide width (\(width))")
  }
  let configuration = TransformerConfiguration(
    vocabularySize: vocabulary, modelWidth: width, layerCount: layers, headCount: heads,
    mlpWidth: mlpWidth, sequenceLength: sequence, batchSize: batch)
  return (configuration, threads, evaluationRows)
}

/// The loss options of `mlp-imbalanced` (``ClassificationLoss``): `weighting` (`none`,
/// `inverse-frequency`, `effective-number`), `beta` (effective-number only; needs a fixed
/// training set), `reweightFromStep` (DRW; needs a weighting) and `margin` (LDAM's `C`).
private func imbalancedLoss(
  _ p: StageParameters, trainingExamples: Int
) throws(SpecError) -> ClassificationLoss {
  let weighting = try p.choice(
    "weighting", default: "none", from: ["none", "inverse-frequency", "effective-number"])
  let beta = try p.double("beta", default: 0.999, in: .halfOpen(0, 1))
  let reweightFrom = try p.int("reweightFromStep", default: 0, in: .closed(0, 1_000_000_000))
  let margin = try p.double("margin", default: 0, in: .closed(0, 100))
  if p.isDescribing { return ClassificationLoss() }
  if p.has("beta") && weighting != "effective-number" {
    throw SpecError(
      location: p.location, field: "beta",
      "applies only with weighting 'effective-number' (weighting is '\(weighting)')")
  }
  if weighting == "effective-number" && trainingExamples == 0 {
    throw SpecError(
      location: p.location, field: "weighting",
      "'effective-number' needs a fixed training set: give trainingExamples > 0")
  }
  if p.has("reweightFromStep") && weighting == "none" {
    throw SpecError(
      location: p.location, field: "reweightFromStep",
      "deferred re-weighting needs a weighting ('inverse-frequency' or 'effective-number')")
  }
  return ClassificationLoss(
    weighting: weighting == "none"
      ? .none : weighting == "inverse-frequency" ? .inverseFrequency : .effectiveNumber(beta: beta),
    reweightFromStep: reweightFrom, margin: margin)
}

/// An MLP classifier from the shared MLP fields (`hidden`, `depth`, `activation`, `batch`).
private func mlp<Task: ClassificationTask>(
  _ p: StageParameters, task: Task, hidden: Int, loss: ClassificationLoss = .crossEntropy,
  classCounts: [Double]? = nil, minorityClass: Int? = nil
) throws(SpecError) -> MLPClassifier<Task> {
  let width = try p.int("hidden", default: hidden, in: .closed(1, 65_536))
  let depth = try p.int("depth", default: 1, in: .closed(0, 64))
  let activation = try p.choice("activation", default: "relu", from: ["relu", "tanh"])
  let batch = try p.int("batch", default: 128, in: .closed(1, 1_000_000))
  return MLPClassifier(
    widths: Array(repeating: width, count: depth),
    activation: MLPClassifier<Task>.Activation(
      rawValue: activation)!, task: task, batchSize: batch, loss: loss, classCounts: classCounts,
    minorityClass: minorityClass)
}
