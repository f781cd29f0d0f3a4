import Foundation
import SaddleCore

/// The optimizer-state blob of the C API: one JSON object with sorted keys holding the format,
/// its version, the optimizer's fingerprint, the parameter layout and the optimizer state's
/// `Codable` encoding (parameters as Base64 of their raw bytes, so a load continues with the
/// same bits).
///
/// Kept in this one place so that it can be swapped for the checkpoint module's canonical
/// state blob once that exists.
enum StateBlob {
  static let format = "saddlekit-optimizer-state"
  static let version = 1

  private struct Envelope<S: Codable & Sendable>: Codable {
    var format: String
    var version: Int
    var optimizer: String
    var layout: ParameterLayout
    var state: OptimizerState<S>
  }

  private struct Probe: Decodable {
    var format: String?
    var version: Int?
    var optimizer: String?
    var layout: ParameterLayout?
  }

  /// The blob of `state` for `optimizer`.
  static func encode<R: UpdateRule>(_ state: OptimizerState<R.State>, optimizer: Optimizer<R>)
    throws -> Data
  {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(
      Envelope(
        format: format, version: version, optimizer: optimizer.fingerprint,
        layout: state.context.layout, state: state))
  }

  /// The state in `data`, refused unless it was written by the same optimizer (fingerprint)
  /// for the same layout, so no stage ever meets another stage's state.
  static func decode<R: UpdateRule>(
    _ data: Data, optimizer: Optimizer<R>, layout: ParameterLayout
  ) throws(StateBlobError) -> OptimizerState<R.State> {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let probe = try? decoder.decode(Probe.self, from: data), probe.format == format else {
      throw StateBlobError("not a SaddleKit optimizer state (no \"format\": \"\(format)\")")
    }
    guard probe.version == version else {
      throw StateBlobError(
        "optimizer state version \(probe.version ?? -1) is not supported (supported: \(version))")
    }
    guard probe.optimizer == optimizer.fingerprint else {
      let found = probe.optimizer ?? "none"
      throw StateBlobError(
        "the state was written by another optimizer (expected \(optimizer.fingerprint), "
          + "found \(found))"
      )
    }
    guard let found = probe.layout, found == layout else {
      let described = probe.layout.map(describe) ?? "none"
      throw StateBlobError(
        "the state has another parameter layout (expected \(describe(layout)), found \(described))"
      )
    }
    do {
      return try decoder.decode(Envelope<R.State>.self, from: data).state
    } catch {
      throw StateBlobError("the optimizer state cannot be decoded: \(error)")
    }
  }

  private static func describe(_ layout: ParameterLayout) -> String {
    "\(layout.count) parameters: "
      + layout.segments.map { "\($0.name)[\($0.shape.map(String.init).joined(separator: "×"))]" }
      .joined(separator: ", ")
  }
}

/// A state blob that cannot be loaded, and why (one line).
struct StateBlobError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
