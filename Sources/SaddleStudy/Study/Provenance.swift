import Foundation
import SaddleCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SaddleKit's version, written into `provenance.json`.
public let saddleKitVersion = "0.1.0"

/// Where a report's numbers came from: written as `provenance.json` beside the report (never
/// into `report.md`/`report.csv`, which stay byte-identical across runs and machines).
public struct Provenance: Codable, Sendable, Equatable {
  /// ``saddleKitVersion``.
  public var saddleKitVersion: String
  /// `$SADDLE_COMMIT`, else `git rev-parse HEAD` in the working directory, else nil.
  public var commit: String?
  /// True when `git status --porcelain` listed changes (nil when git was not asked).
  public var commitDirty: Bool?
  /// SHA-256 of the study's `study.json` bytes, hex.
  public var configHash: String
  /// `uname` system, release, version and machine.
  public var machine: String
  /// The CPU model from `/proc/cpuinfo` (nil elsewhere).
  public var cpu: String?
  /// Logical CPUs.
  public var cpuCount: Int
  /// When the report was written, ISO 8601 UTC.
  public var date: String
  /// The command line.
  public var command: [String]

  /// The provenance of a report on `configData` made now on this machine.
  public static func current(configData: Data, environment: [String: String]) -> Provenance {
    var commit = environment["SADDLE_COMMIT"].flatMap { $0.isEmpty ? nil : $0 }
    var dirty: Bool?
    if commit == nil, let head = run("git", ["rev-parse", "HEAD"]) {
      commit = head
      dirty = run("git", ["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty }
    }
    return Provenance(
      saddleKitVersion: SaddleStudy.saddleKitVersion, commit: commit, commitDirty: dirty,
      configHash: sha256Hex(configData), machine: unameString(), cpu: cpuModel(),
      cpuCount: ProcessInfo.processInfo.activeProcessorCount,
      date: ISO8601DateFormatter().string(from: Date()), command: CommandLine.arguments)
  }

  static func run(_ tool: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func unameString() -> String {
    var u = utsname()
    guard uname(&u) == 0 else { return "unknown" }
    func field<T>(_ value: T) -> String {
      withUnsafeBytes(of: value) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
    return [field(u.sysname), field(u.release), field(u.version), field(u.machine)]
      .joined(separator: " ")
  }

  static func cpuModel() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return nil
  }
}

/// SHA-256 (FIPS 180-4) of `data`, as lowercase hex.
public func sha256Hex(_ data: Data) -> String {
  let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]
  var h: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19,
  ]
  var message = [UInt8](data)
  let bitLength = UInt64(message.count) * 8
  message.append(0x80)
  while message.count % 64 != 56 { message.append(0) }
  for shift in stride(from: 56, through: 0, by: -8) {
    message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
  }
  func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
  var w = [UInt32](repeating: 0, count: 64)
  for chunk in stride(from: 0, to: message.count, by: 64) {
    for t in 0..<16 {
      let i = chunk + 4 * t
      w[t] =
        UInt32(message[i]) << 24 | UInt32(message[i + 1]) << 16 | UInt32(message[i + 2]) << 8
        | UInt32(message[i + 3])
    }
    for t in 16..<64 {
      let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
      let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
      w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
    }
    var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
    for t in 0..<64 {
      let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
      let choice = (e & f) ^ (~e & g)
      let temp1 = hh &+ s1 &+ choice &+ k[t] &+ w[t]
      let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
      let majority = (a & b) ^ (a & c) ^ (b & c)
      let temp2 = s0 &+ majority
      (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
    }
    for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
  }
  return h.map {
    String(repeating: "0", count: 8 - String($0, radix: 16).count) + String($0, radix: 16)
  }
  .joined()
}

/// Wall-clock seconds per row, from per-trial timings (`timing/<key>.json` =
/// `{"key": trial id, "wallSeconds": s, "host": h}`, written by the runner). Kept out of
/// `report.csv` so the report stays byte-identical across runs.
public struct TimingTable: Sendable, Equatable {
  /// One row per problem and setting that has timings, in report order.
  public struct Row: Sendable, Equatable {
    /// The problem's label.
    public var problem: String
    /// The setting's label.
    public var optimizer: String
    /// Trials with a timing.
    public var trials: Int
    /// Median wall-clock seconds per trial.
    public var median: Double
    /// Fastest trial.
    public var min: Double
    /// Slowest trial.
    public var max: Double
  }
  /// The rows.
  public var rows: [Row]

  /// Groups `timings` (trial key as in `timing/<key>.json`, trial id `problem/setting/seed`, or
  /// its `StudyRunner.fileName` without `.json` → seconds) by the rows of `report`; timings of
  /// unknown trials are ignored.
  public init(timings: [(key: String, seconds: Double)], report: StudyReport) {
    let lookup = report.trialLookup()
    var seconds: [Int: [Double]] = [:]
    for (key, s) in timings where s.isFinite {
      guard let (row, _) = lookup[key] else { continue }
      seconds[row, default: []].append(s)
    }
    rows = report.rows.indices.compactMap { i in
      let row = report.rows[i]
      guard let s = seconds[i], let m = median(s) else { return nil }
      return Row(
        problem: row.problem, optimizer: row.optimizer, trials: s.count, median: m,
        min: s.min()!, max: s.max()!)
    }
  }

  /// Reads `directory/timing/*.json` (no folder: empty) with `StrictJSON`; a malformed file
  /// is an error naming it and the field.
  public static func read(_ directory: URL) throws(SpecError) -> [(key: String, seconds: Double)] {
    struct File: Decodable {
      var key: String
      var wallSeconds: Double
      var host: String?
    }
    let folder = directory.appendingPathComponent("timing")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasSuffix(".json") }.sorted()
    var out: [(key: String, seconds: Double)] = []
    for name in names {
      let path = folder.appendingPathComponent(name).path
      let location = "timing file '\(path)'"
      guard let data = FileManager.default.contents(atPath: path) else {
        throw SpecError(location: location, "cannot be read")
      }
      let file = try StrictJSON.decode(File.self, from: data, source: location)
      guard file.wallSeconds.isFinite && file.wallSeconds >= 0 else {
        throw SpecError(
          location: location, field: "wallSeconds",
          "is \(file.wallSeconds); a finite number of seconds ≥ 0 is accepted")
      }
      out.append((file.key, file.wallSeconds))
    }
    return out
  }

  /// `problem,optimizer,trials_timed,wall_seconds_median,wall_seconds_min,wall_seconds_max`.
  public func csv() -> String {
    var lines = [
      "problem,optimizer,trials_timed,wall_seconds_median,wall_seconds_min,wall_seconds_max"
    ]
    for r in rows {
      lines.append(
        "\(csvField(r.problem)),\(csvField(r.optimizer)),\(r.trials),\(r.median),\(r.min),\(r.max)")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
