import Foundation
import SaddleCore

/// Class-imbalanced Gaussian mixture classification: class `c ∈ {0, …, C−1}` has prior
/// `π_c ∝ ρ^{−c/(C−1)}` (class 0 is `ρ` times more frequent than class `C−1`) and inputs
/// `x ~ N(μ_c, I_D)` with `‖μ_c‖ = separation` in seeded random directions.
///
/// Training batches follow the imbalanced priors: fresh draws every step
/// (`trainingExamples == 0`), or uniform draws with replacement from one fixed long-tailed
/// training set of `n_c = max(1, round(N·π_c))` examples of class `c` (`N = trainingExamples`,
/// drawn once from `taskSeed`, the same for every run seed) — the finite-data setting in which
/// minority classes are memorized rather than learned. The held-out set is balanced
/// (`evaluationPerClass` examples of each class, drawn from the evaluation seed), so per-class
/// accuracy shows how well the minority classes are learned — the setting where sharpness-aware minimization was reported
/// to help minority classes (e.g. Rangwani et al. 2022, "Escaping saddle points for effective
/// generalization on class-imbalanced data").
public struct ImbalancedGaussianMixtureTask: ClassificationTask {
  /// The number of classes `C`.
  public let classCount: Int
  /// The input dimension `D`.
  public let dimension: Int
  /// The ratio `ρ = π_0 / π_{C−1}` of the most to the least frequent class.
  public let imbalance: Double
  /// `‖μ_c‖`.
  public let separation: Double
  /// The class means `μ_c`, `C × D` row-major.
  public let means: [Float]
  /// The class priors `π_c` (sum to 1).
  public let priors: [Double]
  /// Held-out examples per class.
  public let evaluationPerClass: Int
  /// The size `N` of the fixed training set (0: fresh examples every step).
  public let trainingExamples: Int
  /// The fixed training set (empty when ``trainingExamples`` is 0), sorted by class.
  public let trainingSet: ClassificationBatch?

  /// The training examples per class: `n_c` of the fixed training set, or the priors `π_c`
  /// (proportional to the expected counts) when training draws fresh examples.
  public var trainingClassCounts: [Double] {
    guard let trainingSet else { return priors }
    var counts = [Double](repeating: 0, count: classCount)
    for label in trainingSet.labels { counts[Int(label)] += 1 }
    return counts
  }

  /// The least frequent class in training (`C − 1`).
  public var minorityClass: Int { classCount - 1 }

  public var inputWidth: Int { dimension }

  /// A mixture of `classes` Gaussians in `dimension` dimensions with means drawn from `taskSeed`.
  public init(
    classes: Int = 4, dimension: Int = 16, imbalance: Double = 20, separation: Double = 2.5,
    taskSeed: UInt64 = 0, evaluationPerClass: Int = 256, trainingExamples: Int = 0
  ) {
    precondition(classes >= 2, "ImbalancedGaussianMixtureTask: need at least 2 classes")
    precondition(dimension >= 1, "ImbalancedGaussianMixtureTask: dimension must be ≥ 1")
    precondition(imbalance >= 1, "ImbalancedGaussianMixtureTask: imbalance must be ≥ 1")
    precondition(separation >= 0, "ImbalancedGaussianMixtureTask: separation must be ≥ 0")
    precondition(evaluationPerClass >= 1, "ImbalancedGaussianMixtureTask: evaluationPerClass ≥ 1")
    precondition(trainingExamples >= 0, "ImbalancedGaussianMixtureTask: trainingExamples ≥ 0")
    classCount = classes
    self.dimension = dimension
    self.imbalance = imbalance
    self.separation = separation
    self.evaluationPerClass = evaluationPerClass
    let weights = (0..<classes).map { c in
      pow(imbalance, -Double(c) / Double(classes - 1))
    }
    let total = weights.reduce(0, +)
    priors = weights.map { $0 / total }
    var generator = TaskRandom.generator(seed: taskSeed, step: 0, stream: TaskRandom.structure)
    var means = [Float](repeating: 0, count: classes * dimension)
    for c in 0..<classes {
      let direction = (0..<dimension).map { _ in generator.nextGaussian() }
      let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for i in 0..<dimension {
        means[c * dimension + i] = Float(separation * direction[i] / max(norm, 1e-12))
      }
    }
    self.means = means
    self.trainingExamples = trainingExamples
    if trainingExamples > 0 {
      var labels: [Int32] = []
      for c in 0..<classes {
        let count = max(1, Int((Double(trainingExamples) * priors[c]).rounded()))
        labels += Array(repeating: Int32(c), count: count)
      }
      // The structure generator continues past the means: the set is fixed by taskSeed.
      trainingSet = Self.make(labels, means: means, dimension: dimension, using: &generator)
    } else {
      trainingSet = nil
    }
  }

  public func batch(size: Int, step: Int, seed: UInt64) -> ClassificationBatch {
    var generator = TaskRandom.generator(seed: seed, step: step, stream: TaskRandom.training)
    if let trainingSet {
      var inputs = [Float](repeating: 0, count: size * dimension)
      var labels = [Int32](repeating: 0, count: size)
      for e in 0..<size {
        let i = generator.nextIndex(below: trainingSet.count)
        labels[e] = trainingSet.labels[i]
        for k in 0..<dimension { inputs[e * dimension + k] = trainingSet.inputs[i * dimension + k] }
      }
      return ClassificationBatch(inputWidth: dimension, inputs: inputs, labels: labels)
    }
    var cumulative: [Double] = []
    var sum = 0.0
    for p in priors {
      sum += p
      cumulative.append(sum)
    }
    let labels = (0..<size).map { _ -> Int32 in
      let u = generator.nextUniformDouble()
      return Int32(cumulative.firstIndex { u < $0 } ?? (classCount - 1))
    }
    return make(labels, using: &generator)
  }

  public func evaluationBatch(seed: UInt64) -> ClassificationBatch {
    var generator = TaskRandom.generator(seed: seed, step: 0, stream: TaskRandom.evaluation)
    let labels = (0..<(classCount * evaluationPerClass)).map { Int32($0 / evaluationPerClass) }
    return make(labels, using: &generator)
  }

  private func make(_ labels: [Int32], using generator: inout SeededGenerator)
    -> ClassificationBatch
  {
    Self.make(labels, means: means, dimension: dimension, using: &generator)
  }

  private static func make(
    _ labels: [Int32], means: [Float], dimension: Int, using generator: inout SeededGenerator
  ) -> ClassificationBatch {
    var inputs = [Float](repeating: 0, count: labels.count * dimension)
    for (e, label) in labels.enumerated() {
      for i in 0..<dimension {
        inputs[e * dimension + i] =
          means[Int(label) * dimension + i] + Float(generator.nextGaussian())
      }
    }
    return ClassificationBatch(inputWidth: dimension, inputs: inputs, labels: labels)
  }
}
