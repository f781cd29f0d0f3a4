import Foundation
import SaddleKit
import _SaddleBenchmarkKernels

/// The update-step benchmark of `saddle bench update`: one optimizer update (no gradient
/// evaluation) timed against hand-written fused loops for the same math and a C streaming
/// kernel with the same memory traffic (the practical bandwidth ceiling).
///
/// The cases are interleaved: every repetition runs each case once, for each thread count, in
/// an order that rotates from one repetition to the next, so a change in machine load shifts
/// every case alike. Per case and thread count it reports the median and quartiles; ratios
/// between cases are medians of the per-repetition ratios (paired within a repetition).
public enum UpdateBenchmark {
  /// One timed case. The raw value is the case's key in the JSON report (`<key>_ms`).
  public enum Case: String, CaseIterable, Sendable {
    /// Adam through ``Optimizer`` (its fused pass), the update alone.
    case adamFused = "adam_fused"
    /// A hand-written fused Adam loop over raw buffers.
    case adamHand = "adam_hand"
    /// Weight decay → Adam → scale → clip by value → scale, as one hand-written loop.
    case chain5Hand = "chain5_hand"
    /// The same five stages built with the DSL.
    case chain5DSL = "chain5_dsl"
    /// The same five stages read from a JSON spec (erased stages).
    case chain5JSON = "chain5_json"
    /// A user's elementwise rule (``SoftSignMomentum``) built with the DSL.
    case userRuleDSL = "user_rule_dsl"
    /// The same rule from a JSON spec through a registry it was added to.
    case userRuleJSON = "user_rule_json"
    /// The C streaming kernel: read 4 arrays, write 3 (Adam's traffic), same thread split.
    case ceiling = "ceiling"
    /// Adam through the public ``Optimizer/step(_:objective:)`` with a gradient that is already
    /// in place: the update plus the step's own checks (the gradient's finiteness).
    case adamStep = "adam_step"

    /// A description for tables.
    public var title: String {
      switch self {
      case .adamFused: "adam, Optimizer (update alone)"
      case .adamHand: "adam, hand-fused loop"
      case .chain5Hand: "5-stage chain, hand-fused loop"
      case .chain5DSL: "5-stage chain, DSL"
      case .chain5JSON: "5-stage chain, JSON (erased stages)"
      case .userRuleDSL: "user rule, DSL"
      case .userRuleJSON: "user rule, JSON (registered)"
      case .ceiling: "C stream ceiling (read 4, write 3)"
      case .adamStep: "adam, public step() (with gradient check)"
      }
    }

    /// The case a table compares this one with (its hand-written or DSL reference).
    public var reference: Case {
      switch self {
      case .adamFused, .adamStep: .adamHand
      case .chain5DSL: .chain5Hand
      case .chain5JSON: .chain5DSL
      case .userRuleJSON: .userRuleDSL
      default: self
      }
    }
  }

  /// Order statistics of one case's times, in milliseconds per step.
  public struct Statistics: Sendable {
    /// The median.
    public var median: Double
    /// The first quartile.
    public var lowerQuartile: Double
    /// The third quartile.
    public var upperQuartile: Double
    /// The fastest repetition.
    public var minimum: Double
    /// The slowest repetition.
    public var maximum: Double
    /// Heap allocations per step (mean over the timed repetitions), when the process runs with
    /// the counting allocator shim (`Benchmarks/Update/alloc_count.c`); nil otherwise.
    public var allocationsPerStep: Double?

    /// The statistics of `samples` (not empty).
    public init(_ samples: [Double], allocationsPerStep: Double? = nil) {
      let sorted = samples.sorted()
      median = Self.quantile(sorted, 0.5)
      lowerQuartile = Self.quantile(sorted, 0.25)
      upperQuartile = Self.quantile(sorted, 0.75)
      minimum = sorted.first ?? .nan
      maximum = sorted.last ?? .nan
      self.allocationsPerStep = allocationsPerStep
    }

    /// The `q`-quantile of sorted values, interpolating linearly between order statistics.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
      guard !sorted.isEmpty else { return .nan }
      let position = q * Double(sorted.count - 1)
      let lower = Int(position)
      let upper = Swift.min(lower + 1, sorted.count - 1)
      let fraction = position - Double(lower)
      return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
    }
  }

  /// A ratio of two cases' times, taken within each repetition (paired).
  public struct Ratio: Sendable {
    /// The JSON key, e.g. `chain5_dsl_over_hand`.
    public var key: String
    /// The numerator case.
    public var numerator: Case
    /// The denominator case.
    public var denominator: Case
    /// The median over repetitions of `time(numerator) / time(denominator)`.
    public var median: Double
    /// The first and third quartiles of those ratios.
    public var lowerQuartile: Double
    /// The third quartile of those ratios.
    public var upperQuartile: Double
  }

  /// The ratios the acceptance criteria name.
  public static let ratioDefinitions: [(key: String, numerator: Case, denominator: Case)] = [
    ("adam_fused_over_ceiling", .adamFused, .ceiling),
    ("adam_fused_over_hand", .adamFused, .adamHand),
    ("chain5_dsl_over_hand", .chain5DSL, .chain5Hand),
    ("chain5_json_over_dsl", .chain5JSON, .chain5DSL),
    ("user_rule_json_over_dsl", .userRuleJSON, .userRuleDSL),
  ]

  /// Results at one thread count.
  public struct ThreadResult: Sendable {
    /// ``Kernels/threadCount`` during these measurements.
    public var threads: Int
    /// Per-case statistics.
    public var cases: [Case: Statistics]
    /// Paired ratios (``ratioDefinitions``).
    public var ratios: [Ratio]
    /// Per-case statistics of the process's CPU time per step (all threads; excludes time the
    /// process waited for a CPU, so it is robust to other jobs on the machine).
    public var cpuCases: [Case: Statistics]
    /// Paired ratios of CPU times (keys end in `_cpu`).
    public var cpuRatios: [Ratio]
  }

  /// A whole run.
  public struct Report: Sendable {
    /// Parameters per step.
    public var count: Int
    /// Timed repetitions of every case (after the warm-up).
    public var repetitions: Int
    /// The instruction set of the C ceiling kernel (`avx512f`, `avx2` or `default`).
    public var ceilingPath: String
    /// Whether allocations were counted (the shim was loaded).
    public var countsAllocations: Bool
    /// One entry per thread count, in the order asked for.
    public var results: [ThreadResult]
  }

  /// Runs every case `repetitions` times (after `warmUp` untimed rounds), interleaved across
  /// cases and thread counts, on `n` parameters.
  public static func run(
    count n: Int, repetitions: Int = 21, threads: [Int] = [1, 2], warmUp: Int = 2
  ) -> Report {
    let cases = makeCases(count: n)
    let saved = Kernels.threadCount
    defer { Kernels.threadCount = saved }
    let countsAllocations = saddle_bench_allocation_count() >= 0
    // times[threadIndex][case] = one time per repetition.
    var times = Array(
      repeating: Dictionary(uniqueKeysWithValues: cases.map { ($0.kind, [Double]()) }),
      count: threads.count)
    var cpuTimes = times
    var allocations = Array(
      repeating: Dictionary(uniqueKeysWithValues: cases.map { ($0.kind, 0) }),
      count: threads.count)
    let clock = ContinuousClock()
    for repetition in -warmUp..<Swift.max(1, repetitions) {
      for (ti, t) in threads.enumerated() {
        Kernels.threadCount = t
        // Rotate the order so no case always follows the same one.
        let offset = (repetition + warmUp + ti) % cases.count
        for k in 0..<cases.count {
          let c = cases[(offset + k) % cases.count]
          let before = saddle_bench_allocation_count()
          let cpuStart = processCPUMilliseconds()
          let start = clock.now
          c.step()
          let elapsed = clock.now - start
          let cpu = processCPUMilliseconds() - cpuStart
          let after = saddle_bench_allocation_count()
          guard repetition >= 0 else { continue }
          times[ti][c.kind]!.append(milliseconds(elapsed))
          cpuTimes[ti][c.kind]!.append(cpu)
          allocations[ti][c.kind]! += after - before
        }
      }
    }
    let results = threads.enumerated().map { ti, t in
      var statistics: [Case: Statistics] = [:]
      for (kind, samples) in times[ti] {
        let perStep =
          countsAllocations ? Double(allocations[ti][kind]!) / Double(samples.count) : nil
        statistics[kind] = Statistics(samples, allocationsPerStep: perStep)
      }
      func ratios(_ samples: [Case: [Double]], suffix: String) -> [Ratio] {
        ratioDefinitions.map { key, numerator, denominator in
          let paired = zip(samples[numerator]!, samples[denominator]!).map { $0 / $1 }
          let s = Statistics(paired)
          return Ratio(
            key: key + suffix, numerator: numerator, denominator: denominator, median: s.median,
            lowerQuartile: s.lowerQuartile, upperQuartile: s.upperQuartile)
        }
      }
      return ThreadResult(
        threads: t, cases: statistics, ratios: ratios(times[ti], suffix: ""),
        cpuCases: cpuTimes[ti].mapValues { Statistics($0) },
        cpuRatios: ratios(cpuTimes[ti], suffix: "_cpu"))
    }
    return Report(
      count: n, repetitions: Swift.max(1, repetitions),
      ceilingPath: String(cString: saddle_bench_stream7_path()),
      countsAllocations: countsAllocations, results: results)
  }

  /// CPU time this process has used so far (all threads), in milliseconds.
  static func processCPUMilliseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) * 1e-6
  }

  static func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
  }
}

// MARK: - Reports

extension UpdateBenchmark.Report {
  /// One JSON object: `{"n": …, "repetitions": …, "threads": [{"threads": 1, "adam_fused_ms":
  /// …, …, "ceiling_ms": …, <spreads, ratios, allocations>}, …]}` — medians under `<case>_ms`,
  /// the fastest repetition under `<case>_min_ms`, quartiles under `<case>_q1_ms`/`<case>_q3_ms`,
  /// the median CPU time of the process (all threads) under `<case>_cpu_ms`, paired ratios of
  /// wall-clock times under their keys and of CPU times under `<key>_cpu`.
  public var json: String {
    func number(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "null" }
    let primary: [UpdateBenchmark.Case] = [
      .adamFused, .adamHand, .chain5Hand, .chain5DSL, .chain5JSON, .userRuleDSL, .userRuleJSON,
      .ceiling,
    ]
    var entries: [String] = []
    for result in results {
      var fields = ["\"threads\": \(result.threads)"]
      for c in primary + [.adamStep] {
        fields.append("\"\(c.rawValue)_ms\": \(number(result.cases[c]!.median))")
      }
      for c in primary + [.adamStep] {
        let s = result.cases[c]!
        fields.append("\"\(c.rawValue)_min_ms\": \(number(s.minimum))")
        fields.append("\"\(c.rawValue)_q1_ms\": \(number(s.lowerQuartile))")
        fields.append("\"\(c.rawValue)_q3_ms\": \(number(s.upperQuartile))")
      }
      for c in primary + [.adamStep] {
        fields.append("\"\(c.rawValue)_cpu_ms\": \(number(result.cpuCases[c]!.median))")
      }
      for r in result.ratios + result.cpuRatios {
        fields.append("\"\(r.key)\": \(number(r.median))")
        fields.append("\"\(r.key)_q1\": \(number(r.lowerQuartile))")
        fields.append("\"\(r.key)_q3\": \(number(r.upperQuartile))")
      }
      if countsAllocations {
        for c in primary + [.adamStep] {
          let a = result.cases[c]!.allocationsPerStep ?? .nan
          fields.append("\"\(c.rawValue)_allocations_per_step\": \(number(a))")
        }
      }
      entries.append("{" + fields.joined(separator: ", ") + "}")
    }
    return
      "{\"n\": \(count), \"repetitions\": \(repetitions), \"ceiling_isa\": \"\(ceilingPath)\", "
      + "\"threads\": [" + entries.joined(separator: ", ") + "]}"
  }

  /// Markdown tables: per thread count, each case's median, quartiles, ratio to its reference
  /// and share of the ceiling; then the paired ratios.
  public var markdown: String {
    var lines = [
      "## Update step, n = \(count), median of \(repetitions) interleaved repetitions\n",
      "| threads | case | median ms | min ms | q1–q3 ms | CPU ms | vs reference | of ceiling "
        + "| allocs/step |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results {
      let ceiling = result.cases[.ceiling]!.median
      for c in UpdateBenchmark.Case.allCases {
        let s = result.cases[c]!
        let reference = result.cases[c.reference]!.median
        let allocations = s.allocationsPerStep.map { String(format: "%.1f", $0) } ?? "–"
        lines.append(
          String(
            format: "| %d | %@ | %.3f | %.3f | %.3f–%.3f | %.3f | %.2f× %@ | %.0f%% | %@ |",
            result.threads, c.title, s.median, s.minimum, s.lowerQuartile, s.upperQuartile,
            result.cpuCases[c]!.median, s.median / reference,
            c.reference == c ? "" : c.reference.rawValue, 100 * ceiling / s.median, allocations))
      }
    }
    lines.append("\nPaired ratios (median of per-repetition ratios, [q1, q3]):\n")
    for result in results {
      let parts = (result.ratios + result.cpuRatios).map {
        String(
          format: "%@ %.3f [%.3f, %.3f]", $0.key, $0.median, $0.lowerQuartile, $0.upperQuartile)
      }
      lines.append("- \(result.threads) thread(s): " + parts.joined(separator: "; "))
    }
    lines.append(
      "\nC ceiling kernel: \(ceilingPath) path (run-time dispatch). "
        + (countsAllocations
          ? "Allocations counted by the LD_PRELOAD shim."
          : "Allocations not counted (run with Benchmarks/Update/alloc_count.so preloaded)."))
    return lines.joined(separator: "\n")
  }
}
