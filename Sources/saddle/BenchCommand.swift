import Foundation
import SaddleBenchmarks
import SaddleKit

enum BenchCommand {
  static let options = [
    OptionSpec(name: "n", valueName: "N", help: "Parameters for `update` (default 10000000)."),
    OptionSpec(
      name: "repeats", valueName: "R",
      help: "Timed repetitions; the median is shown (default 21 for update, 20 for transformer)."),
    OptionSpec(name: "threads", valueName: "LIST", help: "Thread counts to time (default 1,2)."),
    OptionSpec(
      name: "config", valueName: "NAME",
      help: "Transformer size: reference (default), deo-small or nanogpt-shakespeare."),
    OptionSpec(
      name: "python", valueName: "PATH",
      help: "A Python with JAX for the peer (default: $SADDLE_PEER_PYTHON, else python3)."),
    OptionSpec(name: "json", valueName: nil, help: "`update`: print one JSON object instead."),
  ]

  static let usage =
    "saddle bench update|transformer|estimators [--n N] [--repeats R] [--threads 1,2] [--json] [--config NAME]"

  static func run(_ arguments: [String], registry: Registry) throws {
    let args = try ParsedArguments(arguments, command: "bench", options: options, positionals: 1)
    if args.has("help") || args.positionals.isEmpty {
      print(
        helpText(
          usage: usage,
          summary: """
            Times SaddleKit's kernels (build with -c release). `update`: one optimizer update
            step (Adam, a 5-stage chain in the DSL and from JSON, a user's rule in the DSL and
            from JSON) against hand-fused loops and a C kernel with the same memory traffic,
            interleaved within each repetition. `transformer`: one loss+gradient of the
            reference Transformer.
            """, options: options))
      if args.positionals.isEmpty && !args.has("help") {
        throw UsageError("saddle bench: name a benchmark: update or transformer")
      }
      return
    }
    let threads = try (args.doubles("threads") ?? [1, 2]).map { value throws(UsageError) -> Int in
      guard value == value.rounded(), value >= 1, value <= 64 else {
        throw UsageError("saddle bench: --threads expects integers from 1 to 64, got \(value)")
      }
      return Int(value)
    }
    switch args.positionals[0] {
    case "update":
      let n = try args.int("n", default: 10_000_000, min: 8)!
      let repeats = try args.int("repeats", default: 21, min: 1)!
      update(n: n, repeats: repeats, threads: threads, json: args.has("json"))
    case "transformer":
      if args.has("json") {
        throw UsageError(
          "saddle bench: --json applies to `update` only (transformer prints Markdown)")
      }
      let repeats = try args.int("repeats", default: 20, min: 1)!
      let name = args.string("config") ?? "reference"
      guard let configuration = TransformerConfiguration.named(name) else {
        let names = TransformerConfiguration.named.map(\.name)
        let hint = closestName(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(
          "saddle bench: --config '\(name)' is not a Transformer size\(hint) "
            + "(\(names.joined(separator: ", ")))")
      }
      try transformer(
        repeats: repeats, threads: threads, python: args.string("python"), name: name,
        configuration: configuration)
    case "estimators":
      try EstimatorBench.run(registry: registry)
    case let other:
      let hint =
        closestName(to: other, in: ["update", "transformer"]).map { "; did you mean '\($0)'?" }
        ?? ""
      throw UsageError("saddle bench: unknown benchmark '\(other)'\(hint) (update, transformer)")
    }
  }

  static func update(n: Int, repeats: Int, threads: [Int], json: Bool) {
    #if DEBUG
      FileHandle.standardError.write(
        Data("warning: debug build; time with `swift run -c release saddle bench update`\n".utf8))
    #endif
    let report = UpdateBenchmark.run(count: n, repetitions: repeats, threads: threads)
    print(json ? report.json : report.markdown)
  }

  static func transformer(
    repeats: Int, threads: [Int], python: String?, name: String,
    configuration: TransformerConfiguration
  ) throws {
    #if DEBUG
      print("warning: debug build; time with `swift run -c release saddle bench transformer`")
    #endif
    let c = configuration
    let flops = c.gradientFLOPs
    print(
      "## Transformer '\(name)': loss + gradient (\(c.parameterCount) parameters, "
        + "\(c.layerCount) layers × \(c.headCount) heads × width \(c.modelWidth), "
        + "\(c.batchSize)×\(c.sequenceLength) tokens, "
        + String(format: "%.3g GFLOP", flops / 1e9) + " per gradient = 6·N·B·T + 12·L·d·B·T²), "
        + "median of \(repeats)\n")
    print(
      "| threads | kernel | gradient ms | GFLOP/s | dimer probe (3 gradients) ms | loss | "
        + "GEMM 1024³ GFLOP/s | efficiency vs GEMM | FP32 peak GFLOP/s | vs peak |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    var swiftTimes: [Int: Double] = [:]
    var efficiencies: [String] = []
    let peak = PeakEstimate.current(threads: threads)
    for t in threads {
      let r = TransformerBenchmark.run(threads: t, iterations: repeats, configuration: c)
      let gemm = GEMMRate.measure(size: 1024, threads: t, repeats: max(3, min(repeats, 10)))
      swiftTimes[t] = r.gradientMilliseconds
      let achieved = flops / (r.gradientMilliseconds * 1e6)
      let peakRate = peak.gigaflops(threads: t)
      print(
        String(
          format: "| %d | %@ | %.2f | %.1f | %.2f | %.6f | %.1f | %.0f%% | %.0f | %.0f%% |", t,
          r.kernelPath, r.gradientMilliseconds, achieved, r.dimerProbeMilliseconds, r.loss,
          gemm, 100 * achieved / gemm, peakRate, 100 * achieved / peakRate))
      efficiencies.append(
        String(
          format: "%d thread(s): efficiency %.0f%% of the measured GEMM rate (%.1f of %.1f "
            + "GFLOP/s); the GEMM is %.0f%% of the FP32 peak %.0f GFLOP/s", t,
          100 * achieved / gemm, achieved, gemm, 100 * gemm / peakRate, peakRate))
    }
    print("")
    for line in efficiencies { print("- \(line)") }
    print("- peak = \(peak.description)")
    let executed = c.causalGradientFLOPs
    print(
      String(
        format: "- FLOP count: GFLOP/s above counts the attention products over the full T×T "
          + "square (12·L·d·B·T², as JAX computes them); SaddleKit computes only the causal "
          + "blocks, %.3g GFLOP per gradient (%.0f%% of the count; its executed rate is that "
          + "fraction of the column)", executed / 1e9, 100 * executed / flops))
    guard let peer = peerScript("Benchmarks/Transformer/jax_peer.py") else {
      print("\nJAX peer: script not found next to the sources (run from a checkout)")
      return
    }
    let interpreter =
      python ?? ProcessInfo.processInfo.environment["SADDLE_PEER_PYTHON"] ?? "python3"
    print("\n## JAX peer, same run (`\(interpreter) \(peer.path)`)\n")
    for t in threads {
      // One CPU for the 1-thread figure, both for 2 (JAX uses every CPU it is given).
      let pin = t == 1 ? ["taskset", "-c", "0"] : []
      let sizes = [
        "--vocab", "\(c.vocabularySize)", "--width", "\(c.modelWidth)", "--layers",
        "\(c.layerCount)", "--heads", "\(c.headCount)", "--mlp", "\(c.mlpWidth)", "--seq",
        "\(c.sequenceLength)", "--batch", "\(c.batchSize)",
      ]
      guard
        let line = runPeer(
          pin + [interpreter, peer.path, "--reps", "\(max(repeats, 20))"] + sizes),
        let jaxMilliseconds = value(of: "gradient_ms", in: line)
      else {
        print("JAX peer: not available with \(interpreter) (install jax, or pass --python PATH)")
        return
      }
      let ours = swiftTimes[t] ?? .nan
      print(
        String(
          format: "- %d thread(s): JAX %.2f ms, SaddleKit %.2f ms → ratio %.2f× JAX's time (%@)",
          t, jaxMilliseconds, ours, ours / jaxMilliseconds, line))
    }
  }

  /// A file of the checkout this tool was built from.
  static func peerScript(_ relative: String) -> URL? {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent(relative)
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return nil
  }

  /// Runs a peer and returns its last line of output, or nil if it failed.
  static func runPeer(_ command: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
  }

  static func value(of key: String, in line: String) -> Double? {
    for part in line.split(separator: " ") where part.hasPrefix(key + "=") {
      return Double(part.dropFirst(key.count + 1))
    }
    return nil
  }

}
