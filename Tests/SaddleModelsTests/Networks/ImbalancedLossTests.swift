import Foundation
import SaddleCore
import SaddleModels
import Testing

@Suite("Class-imbalanced losses: re-weighting, DRW, LDAM, minority accuracy")
struct ImbalancedLossTests {
  static let task = ImbalancedGaussianMixtureTask(
    classes: 3, dimension: 5, imbalance: 8, evaluationPerClass: 8, trainingExamples: 40)

  /// The loss options under test, with the batch step they are evaluated at.
  static let options: [(name: String, loss: ClassificationLoss, step: Int)] = [
    ("plain", .crossEntropy, 0),
    ("inverse frequency", ClassificationLoss(weighting: .inverseFrequency), 0),
    ("effective number β = 0.9", ClassificationLoss(weighting: .effectiveNumber(beta: 0.9)), 0),
    ("LDAM C = 0.5", ClassificationLoss(margin: 0.5), 0),
    (
      "LDAM-DRW after the switch",
      ClassificationLoss(weighting: .inverseFrequency, reweightFromStep: 3, margin: 0.5), 3
    ),
    (
      "LDAM-DRW before the switch",
      ClassificationLoss(weighting: .inverseFrequency, reweightFromStep: 3, margin: 0.5), 2
    ),
  ]

  static func model(_ loss: ClassificationLoss) -> MLPClassifier<ImbalancedGaussianMixtureTask> {
    MLPClassifier(
      widths: [7], activation: .tanh, task: task, batchSize: 16, loss: loss,
      classCounts: task.trainingClassCounts, minorityClass: task.minorityClass)
  }

  /// The loss written out in Double from the Double forward pass:
  /// `Σₑ wₑ·(logsumexp(z̃ₑ) − z̃ₑ[yₑ]) / Σₑ wₑ`, `z̃ₑ = zₑ − Δ_{yₑ}e_{yₑ}`.
  static func reference(
    _ model: MLPClassifier<ImbalancedGaussianMixtureTask>, _ q: [Double],
    _ batch: ClassificationBatch, weights: [Double]?, margins: [Double]?
  ) -> Double {
    let z = model.logits(at: q, inputs: batch.inputs)
    let c = model.task.classCount
    var (total, weightSum) = (0.0, 0.0)
    for (e, label) in batch.labels.enumerated() {
      let y = Int(label)
      var row = Array(z[(e * c)..<((e + 1) * c)])
      row[y] -= margins?[y] ?? 0
      let top = row.max()!
      let lse = top + log(row.reduce(0) { $0 + exp($1 - top) })
      let w = weights?[y] ?? 1
      total += w * (lse - row[y])
      weightSum += w
    }
    return total / weightSum
  }

  // Reference: the loss above in Double, central differences with h = 1e-5 (truncation
  // ≲ h²·L‴ ≈ 1e-10, rounding ≲ 1e-16/h = 1e-11); the engine's Float gradient carries relative
  // errors ≲ 1e-6 of its terms, so 1e-5·(1 + |g·v|) leaves a 10× margin (as mlpGradient). A
  // missing weight or margin changes the loss and g·v by O(0.1–1).
  @Test(
    "each loss option's gradient matches central differences of a Double reference",
    arguments: 0..<6)
  func gradientMatchesFiniteDifferences(_ index: Int) {
    let option = Self.options[index]
    let model = Self.model(option.loss)
    let counts = Self.task.trainingClassCounts
    let inForce = option.step >= option.loss.reweightFromStep
    let weights = inForce ? option.loss.classWeights(counts: counts) : nil
    let margins = option.loss.classMargins(counts: counts)
    let p = model.initialParameters(seed: 4)
    let batch = model.batch(step: option.step, seed: 0)
    #expect(batch.step == option.step)
    var gradient = ParameterVector(count: model.layout.count)
    let loss = model.lossAndGradient(at: p, on: batch, into: &gradient)
    #expect(loss == model.loss(at: p, on: batch))
    let q = p.map(Double.init)
    let exact = Self.reference(model, q, batch, weights: weights, margins: margins)
    #expect(abs(loss - exact) <= 1e-5 * abs(exact), "\(option.name): \(loss) vs \(exact)")
    for v in NetworkGradientTests.directions(count: 4, dimension: p.count) {
      let h = 1e-5
      let plus = zip(q, v).map { $0 + h * Double($1) }
      let minus = zip(q, v).map { $0 - h * Double($1) }
      let numeric =
        (Self.reference(model, plus, batch, weights: weights, margins: margins)
          - Self.reference(model, minus, batch, weights: weights, margins: margins)) / (2 * h)
      let analytic = zip(gradient, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      #expect(
        abs(analytic - numeric) <= 1e-5 * (1 + abs(numeric)),
        "\(option.name): \(analytic) vs \(numeric)")
    }
  }

  @Test("LDAM margins and class weights have their closed forms")
  func closedForms() throws {
    // Δ_c = C·(n_min/n_c)^{1/4}: counts 1, 16, 81 → C, C/2, C/3.
    let margins = try #require(ClassificationLoss(margin: 0.6).classMargins(counts: [1, 16, 81]))
    for (m, expected) in zip(margins, [0.6, 0.3, 0.2]) { #expect(abs(m - expected) <= 1e-15) }
    #expect(ClassificationLoss().classMargins(counts: [1, 2]) == nil)
    // Inverse frequency, counts 1, 2, 4: (1, 1/2, 1/4) scaled to sum 3 → 12/7, 6/7, 3/7.
    let inverse = try #require(
      ClassificationLoss(weighting: .inverseFrequency).classWeights(counts: [1, 2, 4]))
    for (w, expected) in zip(inverse, [12.0 / 7, 6.0 / 7, 3.0 / 7]) {
      #expect(abs(w - expected) <= 1e-15)
    }
    // Effective number, β = 1/2, counts 1, 2: (1−β)/(1−βⁿ) = 1, 2/3 → scaled to sum 2: 6/5, 4/5.
    let effective = try #require(
      ClassificationLoss(weighting: .effectiveNumber(beta: 0.5)).classWeights(counts: [1, 2]))
    for (w, expected) in zip(effective, [1.2, 0.8]) { #expect(abs(w - expected) <= 1e-15) }
    // β = 0 is no re-weighting.
    #expect(
      ClassificationLoss(weighting: .effectiveNumber(beta: 0)).classWeights(counts: [3, 7])
        == [1, 1])
    #expect(ClassificationLoss().classWeights(counts: [1, 2]) == nil)
  }

  @Test("deferred re-weighting switches exactly at reweightFromStep")
  func deferredReweightingSwitches() {
    let plain = Self.model(.crossEntropy)
    let weighted = Self.model(ClassificationLoss(weighting: .inverseFrequency))
    let deferred = Self.model(ClassificationLoss(weighting: .inverseFrequency, reweightFromStep: 7))
    let p = plain.initialParameters(seed: 2)
    for step in [0, 6, 7, 8] {
      var batch = plain.batch(step: 5, seed: 1)
      batch.step = step
      let expected = step < 7 ? plain.loss(at: p, on: batch) : weighted.loss(at: p, on: batch)
      #expect(deferred.loss(at: p, on: batch) == expected, "step \(step)")
      #expect(deferred.weights(atStep: step) == (step < 7 ? nil : weighted.classWeights))
    }
    // The weights change the loss, so the switch is observable.
    let batch = plain.batch(step: 5, seed: 1)
    #expect(plain.loss(at: p, on: batch) != weighted.loss(at: p, on: batch))
  }

  @Test("per-class and minority-class accuracy on a hand-built case")
  func perClassAccuracy() {
    // Labels 0, 0, 1, 1, 2, 2, 2; predictions (argmax) 0, 1, 1, 1, 2, 0, 0.
    let labels: [Int32] = [0, 0, 1, 1, 2, 2, 2]
    let predicted = [0, 1, 1, 1, 2, 0, 0]
    var logits = [Double](repeating: 0, count: 21)
    for (e, c) in predicted.enumerated() { logits[e * 3 + c] = 1 }
    let m = ClassificationMetrics.compute(
      logits: logits, labels: labels, classCount: 3, minorityClass: 2)
    #expect(m["accuracy.class0"] == 0.5)
    #expect(m["accuracy.class1"] == 1)
    #expect(m["accuracy.class2"] == 1.0 / 3)
    #expect(m["minorityClassAccuracy"] == 1.0 / 3)
    #expect(m["minimumClassAccuracy"] == 1.0 / 3)
    #expect(m["accuracy"] == 4.0 / 7)
    #expect(abs(m["balancedAccuracy"]! - (0.5 + 1 + 1.0 / 3) / 3) <= 1e-15)
    #expect(
      ClassificationMetrics.compute(logits: logits, labels: labels, classCount: 3)[
        "minorityClassAccuracy"] == nil)
  }

  @Test("the fixed training set has the long-tailed counts and is the same for every seed")
  func fixedTrainingSet() {
    let task = ImbalancedGaussianMixtureTask(
      classes: 4, dimension: 3, imbalance: 100, trainingExamples: 1000)
    // π ∝ 1, 100^{−1/3}, 100^{−2/3}, 1/100; n_c = round(1000·π_c).
    let raw = (0..<4).map { pow(100.0, -Double($0) / 3) }
    let expected = raw.map { (1000 * $0 / raw.reduce(0, +)).rounded() }
    #expect(task.trainingClassCounts == expected)
    #expect(task.minorityClass == 3)
    let a = task.batch(size: 64, step: 3, seed: 1)
    let b = task.batch(size: 64, step: 3, seed: 2)
    #expect(a != b)
    // Every training example is a member of the fixed set.
    let set = task.trainingSet!
    for e in 0..<a.count {
      let row = Array(a.inputs[(e * 3)..<((e + 1) * 3)])
      #expect(
        (0..<set.count).contains { i in
          set.labels[i] == a.labels[e] && Array(set.inputs[(i * 3)..<((i + 1) * 3)]) == row
        })
    }
  }

  /// Held-out minority-class accuracy after `steps` of SGD (η = 0.1) on a 50:1 imbalanced
  /// mixture with a fixed training set of 400 examples (8 in the rarest class).
  static func minorityAccuracy(_ fields: [String: JSONValue], seed: UInt64) throws -> Double {
    var all: [String: JSONValue] = [
      "classes": .int(4), "dimension": .int(8), "imbalance": .int(50),
      "trainingExamples": .int(400), "hidden": .int(16), "batch": .int(32),
      "evaluationPerClass": .int(64),
    ]
    all.merge(fields) { $1 }
    let model = try Registry.standard.model(named: "mlp-imbalanced", fields: all)
    return try #require(train(model, seed: seed)["minorityClassAccuracy"])
  }

  static func train<M: Model>(_ model: M, seed: UInt64) -> [String: Double] {
    var p = model.initialParameters(seed: seed)
    var g = ParameterVector(count: p.count)
    for step in 0..<300 {
      _ = model.lossAndGradient(at: p, on: model.batch(step: step, seed: seed), into: &g)
      for i in 0..<p.count { p[i] -= 0.1 * g[i] }
    }
    return model.evaluate(at: p, seed: 0)
  }

  // The mechanism: with plain cross-entropy the 8 minority examples barely move the decision
  // boundary and the rarest class is almost never predicted held out; re-weighting (from the
  // start, or LDAM with re-weighting deferred to the second half) raises it. Deterministic seeds
  // 1–3; measured with `saddle run` on the same setting (evaluation seed = run seed): plain
  // 0–0.03, re-weighted 0.58–0.67, LDAM-DRW 0.63–0.69 — so weights that are ignored fail.
  @Test("re-weighting raises held-out minority-class accuracy on a small imbalanced problem")
  func reweightingHelpsMinority() throws {
    for seed: UInt64 in 1...3 {
      let plain = try Self.minorityAccuracy([:], seed: seed)
      let weighted = try Self.minorityAccuracy(
        ["weighting": .string("inverse-frequency")], seed: seed)
      let drw = try Self.minorityAccuracy(
        [
          "weighting": .string("inverse-frequency"), "reweightFromStep": .int(150),
          "margin": .double(0.5),
        ], seed: seed)
      #expect(weighted >= plain + 0.2, "seed \(seed): plain \(plain), re-weighted \(weighted)")
      #expect(drw >= plain + 0.2, "seed \(seed): plain \(plain), LDAM-DRW \(drw)")
    }
  }

  @Test(
    "bad loss options fail with an error naming the field",
    arguments: [
      (["weighting": JSONValue.string("inverse")], "weighting"),
      (["beta": .double(0.9)], "beta"),
      (["weighting": .string("effective-number")], "trainingExamples"),
      (
        ["weighting": .string("effective-number"), "trainingExamples": .int(10), "beta": .int(1)],
        "beta"
      ),
      (["reweightFromStep": .int(10)], "reweightFromStep"),
      (
        ["weighting": .string("inverse-frequency"), "reweightFromStep": .int(-1)],
        "reweightFromStep"
      ),
      (["margin": .double(-0.1)], "margin"),
      (["trainingExamples": .int(-5)], "trainingExamples"),
    ])
  func rejectsBadOptions(_ fields: [String: JSONValue], field: String) {
    #expect {
      try Registry.standard.model(named: "mlp-imbalanced", fields: fields)
    } throws: { error in
      let text = (error as? SpecError)?.description ?? ""
      return text.contains(field)
    }
  }
}
