import Foundation
import SaddleKit
import Testing

@testable import SaddleBenchmarks

@Suite("Update benchmark")
struct UpdateBenchmarkTests {
  /// A size with a tail (not a multiple of 8) that still splits over two threads.
  static let n = (1 << 17) + 13

  /// Parameters of `kind` after `steps` updates from the common starting point.
  static func parameters(_ kind: UpdateBenchmark.Case, steps: Int, threads: Int) -> [Float] {
    let saved = Kernels.threadCount
    defer { Kernels.threadCount = saved }
    Kernels.threadCount = threads
    let c = UpdateBenchmark.makeCase(kind, count: n)
    for _ in 0..<steps { c.step() }
    return c.parameters()
  }

  /// The largest `|a − b| / max(1, |b|)`.
  static func worstRelative(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).map { Double(abs($0 - $1)) / max(1, Double(abs($1))) }.max()!
  }

  @Test(
    "every hand-written loop computes what the optimizer computes, on 1 and 2 threads",
    arguments: [1, 2])
  func handLoopsMatchOptimizer(threads: Int) {
    let start = UpdateBenchmark.initialData(count: Self.n).parameters
    let adam = Self.parameters(.adamFused, steps: 3, threads: threads)
    let adamHand = Self.parameters(.adamHand, steps: 3, threads: threads)
    // Three steps of size ≈ η = 1e-3 each moved every parameter.
    #expect(Self.worstRelative(adam, Array(start)) > 1e-4)
    // The public step runs the same update (after checking the gradient).
    #expect(Self.parameters(.adamStep, steps: 3, threads: threads) == adam)
    // Same float32 operations in the same order: equal up to rounding of the scalars.
    #expect(Self.worstRelative(adamHand, adam) < 1e-6)
    let chain = Self.parameters(.chain5DSL, steps: 3, threads: threads)
    #expect(
      Self.worstRelative(Self.parameters(.chain5Hand, steps: 3, threads: threads), chain) < 1e-6)
    #expect(
      Self.worstRelative(Self.parameters(.chain5JSON, steps: 3, threads: threads), chain) < 1e-6)
    #expect(Self.worstRelative(chain, adam) > 1e-5, "the chain differs from plain Adam")
  }

  @Test("the user rule from JSON gives the DSL's parameters bit for bit")
  func userRuleJSONMatchesDSL() {
    let dsl = Self.parameters(.userRuleDSL, steps: 4, threads: 2)
    let json = Self.parameters(.userRuleJSON, steps: 4, threads: 2)
    #expect(dsl == json)
    // m after 4 steps is (1 − 0.9⁴)·g, so each step moves θ by η·m/(|m| + ε) ≈ ±η.
    let start = UpdateBenchmark.initialData(count: Self.n)
    var worst = 0.0
    for i in stride(from: 0, to: Self.n, by: 997) {
      var m: Float = 0
      var p = start.parameters[i]
      for _ in 0..<4 {
        m = Float(0.9) * m + Float(1 - 0.9) * start.gradient[i]
        p -= Float(1e-3) * m / (abs(m) + Float(1e-3))
      }
      worst = max(worst, Double(abs(p - dsl[i])))
    }
    #expect(worst < 1e-6)
  }

  @Test("the C ceiling kernel adds the gradient to p, m and v over the whole range")
  func ceilingKernel() {
    let start = UpdateBenchmark.initialData(count: Self.n)
    let p = Self.parameters(.ceiling, steps: 2, threads: 2)
    for i in [0, 1, 7, Self.n / 2, Self.n - 1] {
      #expect(abs(p[i] - (start.parameters[i] + 2 * start.gradient[i])) < 1e-5)
    }
  }

  @Test("a short run reports every case and ratio, and one well-formed JSON object")
  func report() throws {
    let report = UpdateBenchmark.run(count: 1000, repetitions: 2, threads: [1, 2], warmUp: 0)
    #expect(report.results.map(\.threads) == [1, 2])
    for result in report.results {
      #expect(Set(result.cases.keys) == Set(UpdateBenchmark.Case.allCases))
      for s in result.cases.values {
        #expect(s.minimum > 0 && s.minimum <= s.median && s.median <= s.maximum)
        #expect(s.lowerQuartile <= s.median && s.median <= s.upperQuartile)
      }
      #expect(result.ratios.count == UpdateBenchmark.ratioDefinitions.count)
      #expect(result.cpuRatios.map(\.key) == result.ratios.map { $0.key + "_cpu" })
      #expect(Set(result.cpuCases.keys) == Set(UpdateBenchmark.Case.allCases))
      #expect(result.cpuCases.values.allSatisfy { $0.median >= 0 })
    }
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
    #expect(object["n"] as? Int == 1000)
    let threads = try #require(object["threads"] as? [[String: Any]])
    #expect(threads.map { $0["threads"] as? Int } == [1, 2])
    for key in [
      "adam_fused_ms", "adam_hand_ms", "chain5_hand_ms", "chain5_dsl_ms", "chain5_json_ms",
      "user_rule_dsl_ms", "user_rule_json_ms", "ceiling_ms",
    ] {
      #expect((threads[0][key] as? Double ?? 0) > 0, "\(key)")
    }
    #expect(report.markdown.contains("| 2 | C stream ceiling"))
  }

  @Test("quartiles interpolate between order statistics")
  func quartiles() {
    let s = UpdateBenchmark.Statistics([4, 1, 3, 2, 5])
    #expect(s.median == 3 && s.lowerQuartile == 2 && s.upperQuartile == 4)
    #expect(s.minimum == 1 && s.maximum == 5)
    #expect(UpdateBenchmark.Statistics([1, 2]).median == 1.5)
  }
}
