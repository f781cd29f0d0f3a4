import Foundation

/// Held-out metrics of a classifier from its logits: mean cross-entropy, accuracy, per-class
/// accuracy and balanced accuracy.
public enum ClassificationMetrics {
  /// Metrics of `logits` (`labels.count × classCount`, row-major) against `labels`:
  ///
  /// - `loss`: `−(1/N) Σₑ log softmax(zₑ)_{yₑ}` (log-sum-exp in `Double`);
  /// - `accuracy`: the fraction with `argmax zₑ = yₑ` (ties go to the lowest index);
  /// - `accuracy.class<c>`: the accuracy over examples of class `c` (classes with examples);
  /// - `balancedAccuracy`: the mean of the per-class accuracies (classes with examples);
  /// - `minimumClassAccuracy`: the lowest per-class accuracy;
  /// - `minorityClassAccuracy`: the accuracy over examples of `minorityClass` (the least
  ///   frequent class in training; present when given and it has examples) — the metric of
  ///   class-imbalanced learning (e.g. Rangwani et al. 2022).
  public static func compute(
    logits: [Double], labels: [Int32], classCount: Int, minorityClass: Int? = nil
  ) -> [String: Double] {
    precondition(logits.count == labels.count * classCount, "ClassificationMetrics: sizes differ")
    var loss = 0.0
    var correct = [Int](repeating: 0, count: classCount)
    var seen = [Int](repeating: 0, count: classCount)
    for (e, label) in labels.enumerated() {
      let row = logits[(e * classCount)..<((e + 1) * classCount)]
      let top = row.max()!
      let logSumExp = top + log(row.reduce(0) { $0 + exp($1 - top) })
      loss += logSumExp - row[row.startIndex + Int(label)]
      let predicted = row.firstIndex(of: top)! - row.startIndex
      seen[Int(label)] += 1
      if predicted == Int(label) { correct[Int(label)] += 1 }
    }
    let n = max(labels.count, 1)
    var metrics: [String: Double] = [
      "loss": loss / Double(n),
      "accuracy": Double(correct.reduce(0, +)) / Double(n),
    ]
    var perClass: [Double] = []
    for c in 0..<classCount where seen[c] > 0 {
      let accuracy = Double(correct[c]) / Double(seen[c])
      metrics["accuracy.class\(c)"] = accuracy
      perClass.append(accuracy)
    }
    metrics["balancedAccuracy"] = perClass.reduce(0, +) / Double(max(perClass.count, 1))
    metrics["minimumClassAccuracy"] = perClass.min() ?? 0
    if let minorityClass, seen[minorityClass] > 0 {
      metrics["minorityClassAccuracy"] =
        Double(correct[minorityClass]) / Double(seen[minorityClass])
    }
    return metrics
  }
}
