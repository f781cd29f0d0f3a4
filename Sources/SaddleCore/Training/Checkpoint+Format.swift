import Foundation

/// The header line of a checkpoint file. Every field, the checksum's own digits excepted, is
/// covered by the checksum.
struct CheckpointHeader: Codable {
  static let formatName = "saddlekit-checkpoint"
  static let currentVersion = 2

  /// `fnv1a64:` and 16 hex digits over the whole file with these 16 digits read as `0`.
  var checksum: String
  var format: String
  var version: Int
  var identity: CheckpointIdentity
  var step: Int
  /// Bytes after the header line: the history line, a newline, the state blob.
  var payloadBytes: Int
  /// Bytes of the state blob (the end of the file).
  var stateBytes: Int
}

/// Just enough of a header to say whether a file is a checkpoint, and of which version.
private struct HeaderProbe: Decodable {
  var format: String?
  var version: Int?
}

/// The optimizer state blob: the state and its format, self-contained.
private struct StateBlob<RuleState: Codable & Sendable>: Codable {
  static var formatName: String { "saddlekit-optimizer-state" }
  static var currentVersion: Int { 1 }
  var format: String
  var version: Int
  var state: OptimizerState<RuleState>
}

/// The placeholder the checksum's digits read as while hashing.
private let checksumPlaceholder = "fnv1a64:" + String(repeating: "0", count: 16)
private let checksumKey = Array(#""checksum":"fnv1a64:"#.utf8)

/// Every checkpoint, state blob and history line is decoded here, so that switching to a
/// stricter JSON decoder is a change to this one function.
func decodeCheckpointJSON<T: Decodable>(_ type: T.Type, from data: some DataProtocol) throws -> T {
  try StrictJSON.decode(T.self, from: Data(data), source: "checkpoint", unknownKeys: .ignore)
}

/// The encoder for checkpoints and state blobs: sorted keys, no escaped slashes, and no
/// non-finite numbers (encoding one fails).
func checkpointEncoder() -> JSONEncoder {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  return encoder
}

extension OptimizerState {
  /// The state as one self-contained blob: canonical JSON (sorted keys) of
  /// `{"format": "saddlekit-optimizer-state", "version": 1, "state": …}`. Parameters and moments
  /// are Base64 of their float32 bytes, so the blob round-trips bit for bit. A checkpoint ends
  /// with exactly these bytes, and other tools (the Python bridge) save and load the same blob.
  ///
  /// - Throws: ``CheckpointError/nonFiniteState(step:field:)`` when the state holds a NaN or
  ///   an infinity.
  public func serialized() throws(CheckpointError) -> Data {
    if let field = firstNonFiniteField(in: self) {
      throw .nonFiniteState(step: step, field: field)
    }
    do {
      return try checkpointEncoder().encode(
        StateBlob(
          format: StateBlob<RuleState>.formatName, version: StateBlob<RuleState>.currentVersion,
          state: self))
    } catch {
      throw .nonFiniteState(step: step, field: "\(error)")
    }
  }

  /// A state from a blob written by ``serialized()``.
  ///
  /// - Throws: ``CheckpointError/incompatibleState(path:reason:)`` when the blob is not a state
  ///   of this optimizer, ``CheckpointError/unsupportedVersion(path:found:supported:)`` for an
  ///   unknown blob version, or a NaN/infinity anywhere in it.
  public init(serialized data: Data, path: String = "(blob)") throws(CheckpointError) {
    let probe: HeaderProbe
    do {
      probe = try decodeCheckpointJSON(HeaderProbe.self, from: data)
    } catch {
      throw .incompatibleState(path: path, reason: "the state blob is not JSON (\(error))")
    }
    guard probe.format == StateBlob<RuleState>.formatName else {
      throw .incompatibleState(
        path: path, reason: "the state blob has no \"format\": \"saddlekit-optimizer-state\"")
    }
    guard probe.version == StateBlob<RuleState>.currentVersion else {
      throw .unsupportedVersion(
        path: path, found: probe.version ?? -1, supported: StateBlob<RuleState>.currentVersion)
    }
    let blob: StateBlob<RuleState>
    do {
      blob = try decodeCheckpointJSON(StateBlob<RuleState>.self, from: data)
    } catch {
      throw .incompatibleState(path: path, reason: describeDecodingError(error))
    }
    if let field = firstNonFiniteField(in: blob.state) {
      throw .incompatibleState(path: path, reason: "'\(field)' holds a NaN or an infinity")
    }
    self = blob.state
  }
}

extension Checkpoint {
  /// The checkpoint as file bytes: a JSON header line, the history line, the state blob.
  ///
  /// - Throws: ``CheckpointError/nonFiniteState(step:field:)`` if any parameter, curvature or
  ///   stage state value is NaN or infinite.
  public func encoded() throws(CheckpointError) -> Data {
    let blob = try state.serialized()
    var body: Data
    do {
      body = try checkpointEncoder().encode(history)
    } catch {
      throw .writeFailed(path: "(memory)", reason: "cannot encode the history: \(error)")
    }
    body.append(0x0A)
    body.append(blob)
    var data: Data
    do {
      data = try checkpointEncoder().encode(
        CheckpointHeader(
          checksum: checksumPlaceholder, format: CheckpointHeader.formatName,
          version: CheckpointHeader.currentVersion, identity: identity, step: state.step,
          payloadBytes: body.count, stateBytes: blob.count))
    } catch {
      throw .writeFailed(path: "(memory)", reason: "cannot encode the header: \(error)")
    }
    guard let digits = checksumDigitsRange(in: data) else {
      throw .writeFailed(path: "(memory)", reason: "the header has no checksum field")
    }
    data.append(0x0A)
    data.append(body)
    let hash = fnv1a64Hex(data)
    data.replaceSubrange(digits, with: Array(hash.utf8.suffix(16)))
    return data
  }

  /// Decodes checkpoint file bytes, refusing truncated, corrupted, foreign, unknown-version,
  /// renamed and mismatched checkpoints. `path` only names the file in errors; `step`, when
  /// given, is the step the file's name says.
  public static func decode(
    _ data: Data, expecting identity: CheckpointIdentity, path: String = "(memory)",
    step namedStep: Int? = nil
  ) throws(CheckpointError) -> Checkpoint {
    let data = data.startIndex == 0 ? data : data.withUnsafeBytes { Data($0) }
    guard !data.isEmpty else { throw .truncated(path: path, expectedBytes: 1, foundBytes: 0) }
    guard let newline = data.firstIndex(of: 0x0A) else {
      let probe = String(decoding: data.prefix(24), as: UTF8.self)
      if probe.contains("\"checksum\"") || probe.hasPrefix("{") {
        throw .truncated(path: path, expectedBytes: data.count + 1, foundBytes: 0)
      }
      throw .notACheckpoint(path: path, reason: "no header line")
    }
    let headerBytes = data[data.startIndex..<newline]
    guard let probe = try? decodeCheckpointJSON(HeaderProbe.self, from: headerBytes),
      probe.format == CheckpointHeader.formatName
    else {
      throw .notACheckpoint(
        path: path, reason: "the first line has no \"format\": \"\(CheckpointHeader.formatName)\"")
    }
    guard let version = probe.version, version == CheckpointHeader.currentVersion else {
      throw .unsupportedVersion(
        path: path, found: probe.version ?? -1, supported: CheckpointHeader.currentVersion)
    }
    let header: CheckpointHeader
    do {
      header = try decodeCheckpointJSON(CheckpointHeader.self, from: headerBytes)
    } catch {
      throw .notACheckpoint(
        path: path, reason: "malformed header (\(describeDecodingError(error)))")
    }
    let payload = data[data.index(after: newline)...]
    guard payload.count >= header.payloadBytes else {
      throw .truncated(path: path, expectedBytes: header.payloadBytes, foundBytes: payload.count)
    }
    guard payload.count == header.payloadBytes else {
      throw .lengthMismatch(
        path: path, declaredBytes: header.payloadBytes, foundBytes: payload.count)
    }
    guard let digits = checksumDigitsRange(in: headerBytes) else {
      throw .notACheckpoint(path: path, reason: "the header has no checksum")
    }
    var zeroed = data
    zeroed.replaceSubrange(digits, with: Array(repeating: UInt8(ascii: "0"), count: 16))
    let checksum = fnv1a64Hex(zeroed)
    guard checksum == header.checksum else {
      throw .checksumMismatch(path: path, expected: header.checksum, found: checksum)
    }
    if let namedStep, namedStep != header.step {
      throw .stepMismatch(path: path, named: namedStep, contains: header.step)
    }
    if let problem = identity.mismatch(with: header.identity, path: path) { throw problem }
    guard header.stateBytes >= 0, header.stateBytes < payload.count else {
      throw .incompatibleState(path: path, reason: "stateBytes \(header.stateBytes) is impossible")
    }
    let split = payload.endIndex - header.stateBytes
    let historyBytes = payload[payload.startIndex..<(split - 1)]
    let history: TrainingHistory
    do {
      history = try decodeCheckpointJSON(TrainingHistory.self, from: historyBytes)
    } catch {
      throw .incompatibleState(path: path, reason: "history: \(describeDecodingError(error))")
    }
    let state = try OptimizerState<RuleState>(serialized: Data(payload[split...]), path: path)
    guard state.context.layout == header.identity.layout, state.step == header.step else {
      throw .incompatibleState(path: path, reason: "the state disagrees with the header")
    }
    return Checkpoint(state: state, history: history, identity: header.identity)
  }
}

/// The range of the checksum's 16 hex digits in a header line.
private func checksumDigitsRange(in header: some DataProtocol) -> Range<Int>? {
  let bytes = Array(header.prefix(64))
  guard bytes.count >= checksumKey.count + 17 else { return nil }
  for start in 0...(bytes.count - checksumKey.count - 16) {
    if Array(bytes[start..<(start + checksumKey.count)]) == checksumKey {
      let from = start + checksumKey.count
      return from..<(from + 16)
    }
  }
  return nil
}

/// A decoding error in one line: what was wrong and where (the coding path).
func describeDecodingError(_ error: any Error) -> String {
  func where_(_ path: [any CodingKey]) -> String {
    path.isEmpty
      ? ""
      : " at '"
        + path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        .joined(separator: ".") + "'"
  }
  switch error as? DecodingError {
  case .typeMismatch(let type, let context)?:
    return "expected \(type)\(where_(context.codingPath))"
  case .valueNotFound(let type, let context)?:
    return "missing \(type) value\(where_(context.codingPath))"
  case .keyNotFound(let key, let context)?:
    return "missing key '\(key.stringValue)'\(where_(context.codingPath))"
  case .dataCorrupted(let context)?:
    return oneLine(context.debugDescription) + where_(context.codingPath)
  default:
    return oneLine("\(error)")
  }
}

/// FNV-1a, 64 bits (Fowler, Noll & Vo), over `bytes`, as `fnv1a64:` and 16 hex digits.
/// Detects accidental corruption; it is not a cryptographic hash.
func fnv1a64Hex(_ bytes: some DataProtocol) -> String {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  for region in bytes.regions {
    region.withUnsafeBytes { raw in
      for byte in raw {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
      }
    }
  }
  let hex = String(hash, radix: 16)
  return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
}

/// The path of the first NaN or infinity in the persistent part of `state` (parameters,
/// curvature estimate, learning-rate scale, every stage's state), or `nil`.
func firstNonFiniteField<S>(in state: OptimizerState<S>) -> String? {
  let context = state.context
  if !context.parameters.isFinite { return "parameters" }
  if !context.learningRateScale.isFinite { return "learningRateScale" }
  if let curvature = context.curvature {
    if let path = firstNonFinite(in: curvature, path: "curvature", depth: 0) { return path }
  }
  return firstNonFinite(in: state.rule, path: "rule", depth: 0)
}

/// Walks `value` by reflection and returns the path of the first non-finite float in it.
private func firstNonFinite(in value: Any, path: String, depth: Int) -> String? {
  switch value {
  case let vector as ParameterVector: return vector.isFinite ? nil : path
  case let x as Double: return x.isFinite ? nil : path
  case let x as Float: return x.isFinite ? nil : path
  case is String, is Int, is UInt64, is Bool, is JSONValue: return nil
  default: break
  }
  guard depth < 32 else { return nil }
  var mirror: Mirror? = Mirror(reflecting: value)
  while let current = mirror {
    for (index, child) in current.children.enumerated() {
      let name = child.label.map { $0 == "some" ? "" : $0 } ?? "\(index)"
      let childPath = name.isEmpty ? path : path + "." + name
      if let found = firstNonFinite(in: child.value, path: childPath, depth: depth + 1) {
        return found
      }
    }
    mirror = current.superclassMirror
  }
  return nil
}
