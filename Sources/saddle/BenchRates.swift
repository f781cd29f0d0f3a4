import Dispatch
import Foundation
import SaddleKit
import _SaddleBenchmarkKernels

/// The rate of a fixed-shape single-precision GEMM, the practical ceiling for the Transformer's
/// achieved FLOP rate.
enum GEMMRate {
  /// Median GFLOP/s of `C = A·B` with `size × size` operands on ``KernelPath/selected`` and
  /// `threads` workers (`2·size³` FLOP per call; one untimed warm-up call).
  static func measure(size: Int, threads: Int, repeats: Int) -> Double {
    let count = size * size
    let a = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    let c = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    defer { for buffer in [a, b, c] { buffer.deallocate() } }
    for i in 0..<count {
      a[i] = Float(i % 7) * 0.01
      b[i] = Float(i % 5) * 0.01
    }
    func call() {
      GEMM.multiply(
        m: size, n: size, k: size, a: a.baseAddress!, lda: size, b: b.baseAddress!, ldb: size,
        c: c.baseAddress!, ldc: size, threads: threads)
    }
    call()
    let clock = ContinuousClock()
    var seconds: [Double] = []
    for _ in 0..<repeats {
      let elapsed = clock.measure(call)
      seconds.append(
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    seconds.sort()
    return 2 * Double(size * size * size) / seconds[seconds.count / 2] / 1e9
  }
}

/// The theoretical FP32 peak: FP32 lanes per FMA unit × FMA units × 2 FLOP × clock × threads,
/// with the clock measured on the spot on every thread at once (the reported `cpu MHz` of a
/// virtual machine is the nominal clock, not the one the cores run at).
struct PeakEstimate: CustomStringConvertible {
  /// FP32 lanes of one FMA unit's datapath.
  var lanes: Int
  /// FMA units per core (2 on the x86 server cores this package is measured on).
  var fmaUnits: Int
  /// The measured clock in GHz per thread count.
  var gigahertz: [Int: Double]
  /// The nominal clock in GHz (`cpu MHz` in `/proc/cpuinfo`), if reported.
  var nominalGigahertz: Double?
  /// The CPU's vendor line.
  var vendor: String

  func gigaflops(threads: Int) -> Double {
    Double(lanes * fmaUnits * 2 * threads) * (gigahertz[threads] ?? 0)
  }

  var description: String {
    let clocks = gigahertz.keys.sorted().map {
      String(format: "%.3f GHz on %d thread(s)", gigahertz[$0]!, $0)
    }.joined(separator: ", ")
    let nominal = nominalGigahertz.map { String(format: "; nominal cpu MHz %.0f", $0 * 1000) } ?? ""
    return "\(lanes) lanes × \(fmaUnits) FMA units × 2 FLOP × clock × threads; clock measured "
      + "(dependent integer adds in thread CPU time, all threads at once): \(clocks)\(nominal); "
      + vendor
  }

  /// The clock of `threads` cores busy at once: the median over threads of
  /// ``saddle_bench_clock_ghz`` (about 0.2 s each).
  static func measuredClock(threads: Int) -> Double {
    let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
    defer { results.deallocate() }
    nonisolated(unsafe) let base = results.baseAddress!
    DispatchQueue.concurrentPerform(iterations: threads) { i in
      base[i] = saddle_bench_clock_ghz(100_000_000)
    }
    let sorted = results.sorted()
    return sorted[sorted.count / 2]
  }

  /// From `/proc/cpuinfo` (Linux): AVX-512 gives 16 lanes on Intel and 8 on AMD (Zen 4 runs
  /// 512-bit FMAs on 256-bit units), AVX2 gives 8; the clock measured for each thread count.
  /// Assumes each thread has its own core (2 vCPUs that are hyperthreads of one core would
  /// halve it).
  static func current(threads: [Int]) -> PeakEstimate {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let lines = info.split(separator: "\n")
    let flags = lines.first { $0.hasPrefix("flags") }.map(String.init) ?? ""
    let vendor =
      lines.first { $0.hasPrefix("vendor_id") }.map {
        $0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)
      } ?? "unknown vendor"
    let model =
      lines.first { $0.hasPrefix("model name") }.map {
        $0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)
      } ?? ""
    let megahertz =
      lines.first { $0.hasPrefix("cpu MHz") }.flatMap {
        Double($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces))
      }
    let hasAVX512 = flags.contains(" avx512f")
    let hasAVX2 = flags.contains(" avx2")
    let lanes = hasAVX512 ? (vendor == "AuthenticAMD" ? 8 : 16) : (hasAVX2 ? 8 : 4)
    var clocks: [Int: Double] = [:]
    for t in threads { clocks[t] = measuredClock(threads: t) }
    return PeakEstimate(
      lanes: lanes, fmaUnits: 2, gigahertz: clocks, nominalGigahertz: megahertz.map { $0 / 1000 },
      vendor: "\(vendor) \(model)\(hasAVX512 ? ", AVX-512" : hasAVX2 ? ", AVX2" : "")")
  }
}
