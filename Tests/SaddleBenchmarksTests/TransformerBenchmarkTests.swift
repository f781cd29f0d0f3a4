import Foundation
import SaddleBenchmarks
import SaddleKit
import Testing

@Suite("Transformer benchmark")
struct TransformerBenchmarkTests {
  @Test("a short benchmark run reports positive times and a loss near ln V")
  func smoke() {
    var c = TransformerConfiguration.reference
    c.batchSize = 2
    let result = TransformerBenchmark.run(threads: 1, iterations: 1, configuration: c)
    #expect(result.gradientMilliseconds > 0 && result.dimerProbeMilliseconds > 0)
    // Initial weights are N(0, 0.02²): the loss is ln 64 ± 0.05.
    #expect(abs(result.loss - Foundation.log(64)) < 0.05)
  }

  /// Run with `SADDLE_BENCH=1 swift test -c release --filter TransformerBenchmarkTests`.
  @Test(
    "release timing of the reference Transformer gradient (SADDLE_BENCH=1)",
    .enabled(if: ProcessInfo.processInfo.environment["SADDLE_BENCH"] == "1"))
  func timing() {
    let iterations =
      Int(ProcessInfo.processInfo.environment["SADDLE_BENCH_ITERATIONS"] ?? "")
      ?? 100
    let only = ProcessInfo.processInfo.environment["SADDLE_BENCH_PATH"]
    for path in KernelPath.allCases
    where path.isSupported && (only ?? path.description) == path.description {
      for threads in [1, 2] {
        let r = TransformerBenchmark.run(
          threads: threads, iterations: iterations, kernelPath: path)
        print(
          "BENCH path=\(r.kernelPath) threads=\(threads) gradient_ms="
            + String(format: "%.3f", r.gradientMilliseconds) + " dimer3_ms="
            + String(format: "%.3f", r.dimerProbeMilliseconds))
      }
    }
  }
}
