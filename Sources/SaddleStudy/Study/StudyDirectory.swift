import Foundation
import SaddleCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A study directory problem, in one line naming the file and what is wrong.
public struct StudyDirectoryError: Error, CustomStringConvertible, Sendable {
  /// The message.
  public var description: String
  /// A value with the message.
  public init(_ description: String) { self.description = description }
}

/// The result part of a trial file (labels live in the config, not here).
struct StoredResult: Codable, Sendable, Equatable {
  var finalLoss: Double
  var escapeCost: Int?
  var counts: EvaluationCounts
  var steps: Int
  var curve: [[Double]]
  var failure: String?
  /// Held-out metrics over training (networks): rows `[x, loss, accuracy…]`; absent otherwise.
  var heldOut: [[Double]]? = nil
  /// Held-out metrics at the end of the run (networks), by name; absent otherwise.
  var heldOutMetrics: [String: Double]? = nil
}

extension StoredResult {
  private enum CodingKeys: String, CodingKey {
    case finalLoss, escapeCost, counts, steps, curve, failure, heldOut, heldOutMetrics
  }

  /// Strict decoding (``StrictJSON``): numbers, or `"inf"`, `"-inf"`, `"nan"` for the
  /// non-finite values the runner's encoder writes as strings.
  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    finalLoss = try c.decode(TrialNumber.self, forKey: .finalLoss).value
    escapeCost = try c.decodeIfPresent(Int.self, forKey: .escapeCost)
    counts = try c.decode(EvaluationCounts.self, forKey: .counts)
    steps = try c.decode(Int.self, forKey: .steps)
    curve = try c.decode([[TrialNumber]].self, forKey: .curve).map { $0.map(\.value) }
    failure = try c.decodeIfPresent(String.self, forKey: .failure)
    heldOut = try c.decodeIfPresent([[TrialNumber]].self, forKey: .heldOut)?.map {
      $0.map(\.value)
    }
    heldOutMetrics = try c.decodeIfPresent([String: TrialNumber].self, forKey: .heldOutMetrics)?
      .mapValues(\.value)
  }
}

/// A number of a trial file: a JSON number, or `"inf"`, `"-inf"`, `"nan"` (how
/// ``StudyDirectory`` writes non-finite values).
struct TrialNumber: Decodable {
  var value: Double

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let text = try? c.decode(String.self) {
      switch text {
      case "inf": value = .infinity
      case "-inf": value = -.infinity
      case "nan": value = .nan
      default:
        throw DecodingError.dataCorruptedError(
          in: c,
          debugDescription:
            "\"\(text)\" is not a number (accepted: a JSON number, \"inf\", \"-inf\", \"nan\")")
      }
    } else {
      value = try c.decode(Double.self)
    }
  }
}

/// `trials/<key>.json`: a format version, the full trial definition and the result.
struct TrialFile: Codable, Sendable {
  var format: Int
  var key: String
  var definition: JSONValue
  var result: StoredResult
}

/// `directory.json`: the study directory's format and what wrote it.
public struct StudyDirectoryInfo: Codable, Sendable, Equatable {
  /// The layout version (``StudyDirectory/format``).
  public var format: Int
  /// The shard this directory runs (1-based), if it is a shard of an array.
  public var shard: Int?
  /// The number of shards, if it is a shard.
  public var shards: Int?
  /// Set by `merge --allow-incomplete` when trials were missing: the report is partial.
  public var partial: Bool?
}

/// The files of a study directory:
///
/// - `study.json`: the config (sorted keys); a changed config replaces it and the previous one
///   is kept as `study-<hash>.json`.
/// - `directory.json`: the layout version, the shard, whether a merge was partial.
/// - `trials/<key>.json`: one per finished trial, keyed by ``TrialDefinition/key(_:)``, written
///   atomically; identical bytes on every run. Unreadable ones move to `trials/corrupt/`.
/// - `claims/<key>.json`: the host, PID and start time of the runner computing that trial.
/// - `timing/<key>.json`: `{"key", "wallSeconds", "host"}` of the run that computed it.
public struct StudyDirectory: Sendable {
  /// The layout version this build reads and writes.
  public static let format = 1
  /// The version of `trials/<key>.json` files.
  public static let trialFormat = 1

  /// The directory.
  public var url: URL
  /// A value for `url`.
  public init(_ url: URL) { self.url = url }

  var trials: URL { url.appendingPathComponent("trials") }
  var claims: URL { url.appendingPathComponent("claims") }
  var timing: URL { url.appendingPathComponent("timing") }
  var corrupt: URL { trials.appendingPathComponent("corrupt") }
  var configPath: String { url.appendingPathComponent("study.json").path }
  var infoPath: String { url.appendingPathComponent("directory.json").path }

  /// The path of a trial's file.
  public func trialPath(_ key: String) -> String {
    trials.appendingPathComponent("\(key).json").path
  }

  // MARK: - Directory metadata

  /// The directory's `directory.json`, or nil when there is none; an unknown format is an error.
  public func info() throws -> StudyDirectoryInfo? {
    guard let data = FileManager.default.contents(atPath: infoPath) else { return nil }
    let info: StudyDirectoryInfo
    do {
      info = try StrictJSON.decode(
        StudyDirectoryInfo.self, from: data, source: "study directory record '\(infoPath)'")
    } catch {
      throw StudyDirectoryError(error.description)
    }
    guard info.format == Self.format else {
      throw StudyDirectoryError(
        "'\(infoPath)': directory format \(info.format) is not supported (this saddle reads "
          + "format \(Self.format)); use a matching saddle or another --out")
    }
    return info
  }

  func writeInfo(_ info: StudyDirectoryInfo) throws {
    try FileOutput.write(try JSONEncoder.sorted.encode(info), to: infoPath)
  }

  /// The config bytes in `study.json`, or nil.
  public func configData() -> Data? { FileManager.default.contents(atPath: configPath) }

  /// A study's identity: the FNV-1a 64 hash of its `study.json` bytes (sorted keys).
  public static func identity(_ configData: Data) -> String {
    CanonicalJSON.hex(CanonicalJSON.fnv1a64(configData))
  }

  /// Makes the directory ready for `config`: creates the folders, refuses an unknown layout,
  /// keeps a changed `study.json` as `study-<hash>.json`, and removes temporary files left by
  /// a killed writer (older than `tmpAge` seconds). Returns a note when the config changed.
  @discardableResult
  func prepare(configData: Data, shard: (Int, Int)?, tmpAge: Double = 60) throws -> String? {
    try FileOutput.createDirectory(trials.path)
    try FileOutput.createDirectory(claims.path)
    try FileOutput.createDirectory(timing.path)
    let existing = try info()
    if existing == nil, FileManager.default.fileExists(atPath: configPath) {
      throw StudyDirectoryError(
        "'\(url.path)' was written by an older saddle (no directory.json; trial files named by "
          + "label): run the study into a new --out")
    }
    var note: String?
    if let old = self.configData(), old != configData {
      let kept = url.appendingPathComponent("study-\(Self.identity(old)).json").path
      try FileOutput.write(old, to: kept)
      note =
        "study.json changed: the previous config is kept as \(kept); finished trials with "
        + "unchanged definitions are reused"
    }
    // directory.json first: a runner starting meanwhile must never see study.json without it
    // (it would take the directory for an old layout).
    var info = existing ?? StudyDirectoryInfo(format: Self.format)
    info.shard = shard.map { $0.0 + 1 }
    info.shards = shard?.1
    if existing != info { try writeInfo(info) }
    try FileOutput.write(configData, to: configPath)
    for folder in [url, trials, claims, timing] { removeStaleTemporaries(in: folder, age: tmpAge) }
    return note
  }

  /// Removes `.*.tmp` files (from `FileOutput.write` or a claim) older than `age` seconds.
  func removeStaleTemporaries(in folder: URL, age: Double) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
      return
    }
    let now = Date()
    for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
      let path = folder.appendingPathComponent(name).path
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
        let modified = attributes[.modificationDate] as? Date,
        now.timeIntervalSince(modified) > age
      else { continue }
      unlink(path)
    }
  }

  // MARK: - Trial files

  /// What is on disk for one trial.
  enum TrialState {
    case missing
    case done(StoredResult)
    /// Unreadable, an unknown format, or another definition under this key: one line naming
    /// the file, the field and what is wrong.
    case invalid(String)
  }

  /// Reads `trials/<key>.json` and checks its format, key and definition.
  func readTrial(key: String, definition: JSONValue) -> TrialState {
    let path = trialPath(key)
    guard let data = FileManager.default.contents(atPath: path) else { return .missing }
    return Self.decodeTrial(data, key: key, definition: definition, source: path)
  }

  /// Decodes a trial file with ``StrictJSON`` (duplicate keys, trailing commas, unknown fields,
  /// a missing or unknown `format` are errors) and checks that it holds `key`'s definition.
  /// `source` names the file in the one-line reason of `.invalid`.
  static func decodeTrial(_ data: Data, key: String, definition: JSONValue?, source: String)
    -> TrialState
  {
    let value: JSONValue
    do {
      value = try StrictJSON.parse(data, source: "trial file '\(source)'")
    } catch {
      return .invalid(error.description)
    }
    let location = "trial file '\(source)'"
    guard case .object(let fields) = value else {
      return .invalid(
        SpecError(location: location, "is a JSON \(value.typeName), not a trial file (an object)")
          .description)
    }
    switch fields["format"] {
    case .int(let format) where format == trialFormat:
      break
    case let format?:
      return .invalid(
        SpecError(
          location: location, field: "format",
          "\(format) is not supported (this saddle reads trial format \(trialFormat))"
        ).description)
    case nil:
      return .invalid(
        SpecError(
          location: location, field: "format",
          "missing (this saddle reads trial format \(trialFormat))"
        ).description)
    }
    let file: TrialFile
    do {
      file = try StrictJSON.decode(TrialFile.self, from: value, source: location)
    } catch {
      return .invalid(error.description)
    }
    guard file.key == key, TrialDefinition.key(file.definition) == key else {
      return .invalid(
        SpecError(
          location: location, field: "key",
          "'\(file.key)' does not match its definition (key "
            + "\(TrialDefinition.key(file.definition))) or its file name (\(key))"
        ).description)
    }
    if let definition, CanonicalJSON.text(definition) != CanonicalJSON.text(file.definition) {
      return .invalid(
        SpecError(
          location: location, field: "definition",
          "holds another trial definition than the study's under key \(key)"
        ).description)
    }
    return .done(file.result)
  }

  /// Moves an invalid trial file to `trials/corrupt/` (so the trial runs again).
  func moveAside(key: String) throws {
    try FileOutput.createDirectory(corrupt.path)
    let target = corrupt.appendingPathComponent(
      "\(key).\(Int(Date().timeIntervalSince1970)).\(UInt32.random(in: 0...UInt32.max)).json")
    if rename(trialPath(key), target.path) != 0 && errno != ENOENT {
      throw StudyDirectoryError(
        "cannot move '\(trialPath(key))' aside: \(FileOutput.systemError())")
    }
  }

  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// The bytes of a trial file (deterministic: sorted keys, no timings).
  static func trialData(key: String, definition: JSONValue, result: StoredResult) throws -> Data {
    try encoder().encode(
      TrialFile(format: trialFormat, key: key, definition: definition, result: result))
  }

  func writeTrial(key: String, definition: JSONValue, result: StoredResult) throws {
    try FileOutput.write(
      try Self.trialData(key: key, definition: definition, result: result), to: trialPath(key))
  }

  /// Writes `timing/<key>.json`: `{"host", "key", "wallSeconds"}`.
  func writeTiming(key: String, seconds: Double) throws {
    struct Timing: Encodable {
      var key: String
      var wallSeconds: Double
      var host: String
    }
    let data = try JSONEncoder.sorted.encode(
      Timing(key: key, wallSeconds: seconds, host: Self.hostName))
    try FileOutput.write(data, to: timing.appendingPathComponent("\(key).json").path)
  }

  // MARK: - Claims

  /// `claims/<key>.json`: who computes a trial.
  struct Claim: Codable, Equatable {
    var host: String
    var pid: Int32
    /// Seconds since 1970.
    var start: Double
    /// Distinguishes two runners in one process.
    var nonce: String
  }

  /// This machine's host name.
  static let hostName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()

  /// Whether `claim` may be taken over: its process is gone (same host) or it is older than
  /// `expiry` seconds.
  static func isStale(_ claim: Claim, expiry: Double, now: Double) -> Bool {
    if now - claim.start > expiry { return true }
    if claim.host == hostName, kill(pid_t(claim.pid), 0) != 0, errno == ESRCH { return true }
    return false
  }

  func claimPath(_ key: String) -> String { claims.appendingPathComponent("\(key).json").path }

  func readClaim(_ path: String) -> Claim? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(Claim.self, from: data)
  }

  /// Claims a trial: creates `claims/<key>.json` atomically (written under a temporary name,
  /// then hard-linked, which fails if the claim exists). A stale claim is moved away and the
  /// claim made anew. Returns the claim, or nil when another live runner holds it.
  func claim(_ key: String, expiry: Double) throws -> Claim? {
    let path = claimPath(key)
    let mine = Claim(
      host: Self.hostName, pid: Int32(getpid()), start: Date().timeIntervalSince1970,
      nonce: "\(UInt64.random(in: 0...UInt64.max))")
    let data = try JSONEncoder.sorted.encode(mine)
    for _ in 0..<4 {
      let temporary = claims.appendingPathComponent(".\(key).\(getpid()).\(mine.nonce).tmp").path
      try FileOutput.write(data, to: temporary)
      let linked = link(temporary, path)
      let linkErrno = errno
      unlink(temporary)
      if linked == 0 { return mine }
      guard linkErrno == EEXIST else {
        throw StudyDirectoryError(
          "cannot create claim '\(path)': \(String(cString: strerror(linkErrno)))")
      }
      let existing = readClaim(path)
      let now = Date().timeIntervalSince1970
      if let existing, !Self.isStale(existing, expiry: expiry, now: now) { return nil }
      if existing == nil {
        // Unreadable claim: stale once it is older than a minute (a writer never leaves one).
        let modified =
          (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if let modified, now - modified.timeIntervalSince1970 < 60 { return nil }
      }
      // Take over: move the stale claim away; only one runner's rename succeeds.
      let aside = claims.appendingPathComponent(".stale.\(key).\(mine.nonce).tmp").path
      guard rename(path, aside) == 0 else { continue }
      if let moved = readClaim(aside), moved != existing {
        // A fresh claim was made between our read and the rename: put it back.
        if link(aside, path) == 0 || errno == EEXIST {
          unlink(aside)
          return nil
        }
      }
      unlink(aside)
    }
    return nil
  }

  /// Removes a claim if it is still `claim`.
  func release(_ key: String, _ claim: Claim) {
    let path = claimPath(key)
    if readClaim(path) == claim { unlink(path) }
  }

  /// Whether a live runner holds a claim on `key`.
  func isClaimed(_ key: String, expiry: Double) -> Bool {
    guard let claim = readClaim(claimPath(key)) else { return false }
    return !Self.isStale(claim, expiry: expiry, now: Date().timeIntervalSince1970)
  }
}

extension JSONEncoder {
  /// Sorted keys: the same config always encodes to the same bytes.
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }
}
