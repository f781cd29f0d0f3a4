import Foundation

/// The header line of a checkpoint file.
struct CheckpointHeader: Codable {
  static let formatName = "saddlekit-checkpoint"
  static let currentVersion = 1

  var format: String
  var version: Int
  var model: CheckpointIdentity
  var step: Int
  var payloadBytes: Int
  var checksum: String
}

/// Just enough of a header to say whether a file is a checkpoint, and of which version.
private struct HeaderProbe: Decodable {
  var format: String?
  var version: Int?
}

private struct Payload<RuleState: Codable & Sendable>: Codable {
  var state: OptimizerState<RuleState>
  var history: TrainingHistory
}

extension Checkpoint {
  /// The checkpoint as file bytes: a JSON header line, then the JSON payload.
  ///
  /// - Throws: ``CheckpointError/nonFiniteState(step:field:)`` if any parameter, curvature or
  ///   stage state value is NaN or infinite.
  public func encoded() throws(CheckpointError) -> Data {
    if let field = firstNonFiniteField(in: state) {
      throw .nonFiniteState(step: state.step, field: field)
    }
    let payload: Data
    let header: Data
    do {
      payload = try checkpointEncoder(sorted: false).encode(
        Payload(state: state, history: history))
      header = try checkpointEncoder(sorted: true).encode(
        CheckpointHeader(
          format: CheckpointHeader.formatName, version: CheckpointHeader.currentVersion,
          model: identity, step: state.step, payloadBytes: payload.count,
          checksum: fnv1a64Hex(payload)))
    } catch {
      throw .writeFailed(path: "(memory)", reason: "cannot encode: \(error)")
    }
    var data = header
    data.append(0x0A)
    data.append(payload)
    return data
  }

  /// Decodes checkpoint file bytes, refusing truncated, corrupted, foreign, newer-version and
  /// mismatched checkpoints. `path` only names the file in errors.
  public static func decode(
    _ data: Data, expecting identity: CheckpointIdentity, path: String = "(memory)"
  ) throws(CheckpointError) -> Checkpoint {
    guard !data.isEmpty else { throw .truncated(path: path, expectedBytes: 1, foundBytes: 0) }
    guard let newline = data.firstIndex(of: 0x0A) else {
      let probe = String(decoding: data.prefix(24), as: UTF8.self)
      if probe.contains("\"format\"") || probe.hasPrefix("{") {
        throw .truncated(path: path, expectedBytes: data.count + 1, foundBytes: 0)
      }
      throw .notACheckpoint(path: path, reason: "no header line")
    }
    let headerBytes = data[data.startIndex..<newline]
    let decoder = checkpointDecoder()
    guard let probe = try? decoder.decode(HeaderProbe.self, from: headerBytes),
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
      header = try decoder.decode(CheckpointHeader.self, from: headerBytes)
    } catch {
      throw .notACheckpoint(path: path, reason: "malformed header (\(error))")
    }
    let payload = data[data.index(after: newline)...]
    guard payload.count >= header.payloadBytes else {
      throw .truncated(path: path, expectedBytes: header.payloadBytes, foundBytes: payload.count)
    }
    let checksum = fnv1a64Hex(payload)
    guard payload.count == header.payloadBytes, checksum == header.checksum else {
      throw .checksumMismatch(path: path, expected: header.checksum, found: checksum)
    }
    if let problem = identity.mismatch(with: header.model, path: path) { throw problem }
    let decoded: Payload<RuleState>
    do {
      decoded = try decoder.decode(Payload<RuleState>.self, from: payload)
    } catch {
      throw .incompatibleState(path: path, reason: abbreviate("\(error)"))
    }
    guard decoded.state.context.layout.count == header.model.layout.count,
      decoded.state.step == header.step
    else {
      throw .incompatibleState(path: path, reason: "the payload disagrees with the header")
    }
    if let field = firstNonFiniteField(in: decoded.state) {
      throw .incompatibleState(path: path, reason: "'\(field)' holds a NaN or an infinity")
    }
    return Checkpoint(state: decoded.state, history: decoded.history, identity: header.model)
  }
}

private func checkpointEncoder(sorted: Bool) -> JSONEncoder {
  let encoder = JSONEncoder()
  encoder.outputFormatting = sorted ? [.sortedKeys, .withoutEscapingSlashes] : []
  // The history may hold the NaN loss of a skipped step; the state never does (checked).
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  return encoder
}

private func checkpointDecoder() -> JSONDecoder {
  let decoder = JSONDecoder()
  decoder.nonConformingFloatDecodingStrategy = .convertFromString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  return decoder
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
