import Foundation
import SaddleCore
import SaddleModels

// The C ABI of SaddleKit (header: include/saddlekit.h). Every function returns a status code
// and, on failure, writes a one-line message into the caller's buffer; no Swift error or trap
// crosses the boundary. Strings and blobs the library returns are freed with `saddlekit_free`.

/// The version of this C API (`SADDLEKIT_API_VERSION` in the header).
public let saddleKitAPIVersion: Int32 = 1

/// Status codes (`SADDLEKIT_*` in the header).
public enum SaddleKitStatus: Int32 {
  /// Success.
  case ok = 0
  /// The optimizer spec is invalid (the registry's one-line error).
  case specError = 1
  /// An argument is invalid (null pointer, size mismatch, bad segments or policy).
  case argumentError = 2
  /// A step produced a non-finite value and the policy stopped the run.
  case nonFinite = 3
  /// A state blob cannot be loaded.
  case stateError = 4
  /// The optimizer had already stopped; load a saved state to continue.
  case stopped = 5
  /// Internal failure (e.g. an encoding error).
  case internalError = 6
  /// A non-finite step was skipped (policy `skip`); parameters unchanged. Not an error.
  case skipped = 10
  /// The optimizer rolled back to its last good snapshot (policy `rollback`); the parameters
  /// were rewritten. Not an error.
  case rolledBack = 11
}

/// `int32_t saddlekit_api_version(void)`.
@_cdecl("saddlekit_api_version")
public func saddlekit_api_version() -> Int32 { saddleKitAPIVersion }

/// `void saddlekit_free(void *pointer)`: frees a string or blob returned by the library.
@_cdecl("saddlekit_free")
public func saddlekit_free(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

/// `int32_t saddlekit_registry_json(char **out, char *message, int64_t capacity)`: every
/// registered problem, estimator, rule and preset with its parameters, as JSON.
@_cdecl("saddlekit_registry_json")
public func saddlekit_registry_json(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  guard let out else { return fail(.argumentError, "out is null", message, capacity) }
  let registry = Registry.standard
  let entries: [JSONValue] = registry.allEntries.map { entry in
    .object([
      "name": .string(entry.name), "kind": .string(entry.kind.rawValue),
      "summary": .string(entry.summary),
      "parameters": .array(
        registry.parameters(of: entry.name).map {
          .object([
            "name": .string($0.name), "default": .string($0.defaultValue),
            "accepted": .string($0.accepted),
          ])
        }),
    ])
  }
  return returnJSON(.array(entries), out, message, capacity)
}

/// `int32_t saddlekit_optimizer_create(const char *spec, const float *parameters,
/// int64_t count, const char *segments, uint64_t seed, const char *policy,
/// int32_t exact_hvp, saddlekit_optimizer **out, char *message, int64_t capacity)`.
///
/// `spec` is a JSON optimizer spec (as `saddle run --optimizer`); `segments` is `NULL` (one
/// segment `"x"`) or JSON `[{"name": "w", "shape": [2, 3]}, …]` covering `count`; `policy` is
/// `NULL` (`"stop"`), `"stop"`, `"skip"` or `"rollback"`; `exact_hvp` non-zero declares that
/// steps pass a Hessian-vector-product callback.
@_cdecl("saddlekit_optimizer_create")
public func saddlekit_optimizer_create(
  _ spec: UnsafePointer<CChar>?, _ parameters: UnsafePointer<Float>?, _ count: Int64,
  _ segments: UnsafePointer<CChar>?, _ seed: UInt64, _ policy: UnsafePointer<CChar>?,
  _ exactHVP: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  guard let out else { return fail(.argumentError, "out is null", message, capacity) }
  out.pointee = nil
  guard let spec else { return fail(.argumentError, "spec is null", message, capacity) }
  guard count >= 1, let parameters else {
    return fail(
      .argumentError, "parameters: expected at least one float32 value, got \(count)", message,
      capacity)
  }
  let n = Int(count)
  let layout: ParameterLayout
  do {
    layout = try parseSegments(segments.map { String(cString: $0) }, count: n)
  } catch {
    return fail(.argumentError, error.description, message, capacity)
  }
  var nonFinite = NonFinitePolicy.stop
  if let policy {
    let name = String(cString: policy)
    guard let named = NonFinitePolicy(named: name) else {
      return fail(
        .argumentError, "policy: expected stop, skip or rollback, got '\(name)'", message,
        capacity)
    }
    nonFinite = named
  }
  let optimizer: DynamicOptimizer
  do {
    optimizer = try Registry.standard.optimizer(fromJSON: String(cString: spec))
  } catch {
    return fail(.specError, error.description, message, capacity)
  }
  let start = ParameterVector(UnsafeBufferPointer(start: parameters, count: n))
  guard start.isFinite else {
    return fail(.argumentError, "parameters: not all values are finite", message, capacity)
  }
  let handle = OptimizerHandle(
    optimizer: optimizer, parameters: start, layout: layout, seed: seed, policy: nonFinite,
    exactHessianVectorProduct: exactHVP != 0)
  out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
  return SaddleKitStatus.ok.rawValue
}

/// `void saddlekit_optimizer_destroy(saddlekit_optimizer *optimizer)` (`NULL` is ignored).
@_cdecl("saddlekit_optimizer_destroy")
public func saddlekit_optimizer_destroy(_ optimizer: OpaquePointer?) {
  guard let optimizer else { return }
  Unmanaged<OptimizerHandle>.fromOpaque(UnsafeRawPointer(optimizer)).release()
}

/// `int64_t saddlekit_optimizer_parameter_count(const saddlekit_optimizer *optimizer)`
/// (−1 for `NULL`).
@_cdecl("saddlekit_optimizer_parameter_count")
public func saddlekit_optimizer_parameter_count(_ optimizer: OpaquePointer?) -> Int64 {
  guard let handle = handle(optimizer) else { return -1 }
  return Int64(handle.count)
}

/// `int32_t saddlekit_optimizer_step(saddlekit_optimizer *optimizer, float *parameters,
/// const float *gradient, double loss, void *context,
/// saddlekit_loss_and_gradient_fn loss_and_gradient, saddlekit_loss_fn loss_only,
/// saddlekit_hvp_fn hvp, double *out_loss, char *message, int64_t capacity)`.
///
/// One step from `parameters` (updated in place), where the caller evaluated `loss` and
/// `gradient`. The optimizer calls `loss_and_gradient` (and `loss_only`, `hvp` when given)
/// for every further evaluation it needs, on the caller's batch; every evaluation is counted
/// as in Swift (the one at `parameters` too). Returns `SADDLEKIT_OK` and the loss before the
/// step in `out_loss`, or `SADDLEKIT_SKIPPED` / `SADDLEKIT_ROLLED_BACK` /
/// `SADDLEKIT_NONFINITE` per the non-finite policy.
@_cdecl("saddlekit_optimizer_step")
public func saddlekit_optimizer_step(
  _ optimizer: OpaquePointer?, _ parameters: UnsafeMutablePointer<Float>?,
  _ gradient: UnsafePointer<Float>?, _ loss: Double, _ context: UnsafeMutableRawPointer?,
  _ lossAndGradient: SaddleKitLossAndGradientCallback?, _ lossOnly: SaddleKitLossCallback?,
  _ hvp: SaddleKitHessianVectorProductCallback?, _ outLoss: UnsafeMutablePointer<Double>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  guard let handle = handle(optimizer) else {
    return fail(
      .argumentError, "optimizer is null or inside a step (called from a callback)", message,
      capacity)
  }
  guard let parameters, let gradient else {
    return fail(.argumentError, "parameters or gradient is null", message, capacity)
  }
  guard let lossAndGradient else {
    return fail(.argumentError, "loss_and_gradient callback is null", message, capacity)
  }
  if handle.model.hasExactHessianVectorProduct && hvp == nil {
    return fail(
      .argumentError, "the optimizer was created with exact_hvp but no hvp callback was given",
      message, capacity)
  }
  let callbacks = Callbacks(
    context: context, lossAndGradient: lossAndGradient, loss: lossOnly,
    hessianVectorProduct: hvp)
  switch handle.step(
    parameters: parameters, gradient: gradient, loss: loss, callbacks: callbacks)
  {
  case .taken(let value):
    outLoss?.pointee = value
    return SaddleKitStatus.ok.rawValue
  case .skipped(let text):
    outLoss?.pointee = loss
    return fail(.skipped, text, message, capacity)
  case .rolledBack(let text):
    outLoss?.pointee = loss
    return fail(.rolledBack, text, message, capacity)
  case .stopped(let text):
    outLoss?.pointee = loss
    let code: SaddleKitStatus = text.hasPrefix("the optimizer has stopped") ? .stopped : .nonFinite
    return fail(code, text, message, capacity)
  }
}

/// `int32_t saddlekit_optimizer_counts(const saddlekit_optimizer *optimizer, int64_t *out)`:
/// writes 5 values: gradients, losses, Hessian-vector products, cost, steps.
@_cdecl("saddlekit_optimizer_counts")
public func saddlekit_optimizer_counts(
  _ optimizer: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guard let handle = handle(optimizer), let out else {
    return SaddleKitStatus.argumentError.rawValue
  }
  let counts = handle.state.evaluations
  out[0] = Int64(counts.gradients)
  out[1] = Int64(counts.losses)
  out[2] = Int64(counts.hessianVectorProducts)
  out[3] = Int64(counts.cost)
  out[4] = Int64(handle.state.step)
  return SaddleKitStatus.ok.rawValue
}

/// `int32_t saddlekit_optimizer_metrics_json(const saddlekit_optimizer *optimizer,
/// char **out, char *message, int64_t capacity)`: step, loss, curvature, learning-rate
/// scale, counts and every stage's summary as a JSON object (non-finite values as `null`).
@_cdecl("saddlekit_optimizer_metrics_json")
public func saddlekit_optimizer_metrics_json(
  _ optimizer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  guard let handle = handle(optimizer), let out else {
    return fail(
      .argumentError, "optimizer or out is null, or the optimizer is inside a step", message,
      capacity)
  }
  return returnJSON(handle.metrics(), out, message, capacity)
}

/// `int32_t saddlekit_optimizer_parameters(const saddlekit_optimizer *optimizer,
/// float *out, int64_t count)`: copies the optimizer's parameters (e.g. after a load).
@_cdecl("saddlekit_optimizer_parameters")
public func saddlekit_optimizer_parameters(
  _ optimizer: OpaquePointer?, _ out: UnsafeMutablePointer<Float>?, _ count: Int64
) -> Int32 {
  guard let handle = handle(optimizer), let out, Int(count) == handle.count else {
    return SaddleKitStatus.argumentError.rawValue
  }
  handle.state.context.parameters.withUnsafeBufferPointer {
    if let base = $0.baseAddress { out.update(from: base, count: handle.count) }
  }
  return SaddleKitStatus.ok.rawValue
}

/// `int32_t saddlekit_optimizer_save_state(const saddlekit_optimizer *optimizer,
/// uint8_t **out, int64_t *length, char *message, int64_t capacity)`: the self-contained
/// optimizer state (parameters, every stage's state, random stream, step, counts).
@_cdecl("saddlekit_optimizer_save_state")
public func saddlekit_optimizer_save_state(
  _ optimizer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
  _ length: UnsafeMutablePointer<Int64>?, _ message: UnsafeMutablePointer<CChar>?,
  _ capacity: Int64
) -> Int32 {
  guard let handle = handle(optimizer), let out, let length else {
    return fail(
      .argumentError, "optimizer, out or length is null, or the optimizer is inside a step",
      message, capacity)
  }
  let data: Data
  do {
    data = try StateBlob.encode(handle.state, optimizer: handle.optimizer)
  } catch {
    return fail(.internalError, "cannot encode the optimizer state: \(error)", message, capacity)
  }
  let buffer = malloc(Swift.max(1, data.count))!.assumingMemoryBound(to: UInt8.self)
  data.copyBytes(to: buffer, count: data.count)
  out.pointee = buffer
  length.pointee = Int64(data.count)
  return SaddleKitStatus.ok.rawValue
}

/// `int32_t saddlekit_optimizer_load_state(saddlekit_optimizer *optimizer,
/// const uint8_t *data, int64_t length, char *message, int64_t capacity)`: replaces the state
/// with one saved by the same spec for the same layout (refused otherwise, state unchanged).
@_cdecl("saddlekit_optimizer_load_state")
public func saddlekit_optimizer_load_state(
  _ optimizer: OpaquePointer?, _ data: UnsafePointer<UInt8>?, _ length: Int64,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  guard let handle = handle(optimizer), let data, length >= 0 else {
    return fail(
      .argumentError, "optimizer or data is null, or the optimizer is inside a step", message,
      capacity)
  }
  do {
    let state = try StateBlob.decode(
      Data(bytes: data, count: Int(length)), optimizer: handle.optimizer,
      layout: handle.state.context.layout)
    handle.load(state)
  } catch {
    return fail(.stateError, error.description, message, capacity)
  }
  return SaddleKitStatus.ok.rawValue
}

// MARK: - Helpers

/// The optimizer behind `pointer`, or `nil` for `NULL` or while it is inside a step (a
/// callback re-entering it would otherwise access its state during the step's mutation).
private func handle(_ pointer: OpaquePointer?) -> OptimizerHandle? {
  guard let pointer else { return nil }
  let handle = Unmanaged<OptimizerHandle>.fromOpaque(UnsafeRawPointer(pointer))
    .takeUnretainedValue()
  return handle.busy ? nil : handle
}

/// Writes `text` (one line, truncated at a character boundary) into `message` and returns
/// `status`.
private func fail(
  _ status: SaddleKitStatus, _ text: String, _ message: UnsafeMutablePointer<CChar>?,
  _ capacity: Int64
) -> Int32 {
  writeMessage(text, into: message, capacity: capacity)
  return status.rawValue
}

func writeMessage(_ text: String, into buffer: UnsafeMutablePointer<CChar>?, capacity: Int64) {
  guard let buffer, capacity > 0 else { return }
  let line = text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(
    of: "\n", with: "\\n")
  let limit = Int(capacity) - 1
  var bytes: [UInt8] = []
  for scalar in line.unicodeScalars {
    let encoded = Array(String(scalar).utf8)
    if bytes.count + encoded.count > limit { break }
    bytes += encoded
  }
  for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
  buffer[bytes.count] = 0
}

private func returnJSON(
  _ value: JSONValue, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
  _ message: UnsafeMutablePointer<CChar>?, _ capacity: Int64
) -> Int32 {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  guard let data = try? encoder.encode(value) else {
    return fail(.internalError, "cannot encode JSON", message, capacity)
  }
  let buffer = malloc(data.count + 1)!.assumingMemoryBound(to: CChar.self)
  data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
    for i in 0..<data.count { buffer[i] = CChar(bitPattern: raw[i]) }
  }
  buffer[data.count] = 0
  out.pointee = buffer
  return SaddleKitStatus.ok.rawValue
}

/// The layout from `[{"name": …, "shape": […]}, …]`, or one segment `"x"` when `nil`.
func parseSegments(_ text: String?, count: Int) throws(StateBlobError) -> ParameterLayout {
  guard let text else { return ParameterLayout(count: count) }
  guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
    case .array(let items) = value, !items.isEmpty
  else {
    throw StateBlobError(
      "segments: expected a non-empty JSON array like [{\"name\": \"w\", \"shape\": [2, 3]}]")
  }
  var tensors: [(name: String, shape: [Int])] = []
  var names = Set<String>()
  for (index, item) in items.enumerated() {
    guard case .object(let fields) = item, case .string(let name)? = fields["name"],
      !name.isEmpty, case .array(let dims)? = fields["shape"]
    else {
      throw StateBlobError(
        "segments[\(index)]: expected {\"name\": non-empty string, \"shape\": [integers ≥ 0]}")
    }
    if let extra = fields.keys.sorted().first(where: { $0 != "name" && $0 != "shape" }) {
      throw StateBlobError("segments[\(index)]: unknown field '\(extra)' (known: name, shape)")
    }
    guard names.insert(name).inserted else {
      throw StateBlobError("segments[\(index)]: duplicate name '\(name)'")
    }
    var shape: [Int] = []
    for dim in dims {
      guard case .int(let d) = dim, d >= 0 else {
        throw StateBlobError("segments[\(index)] ('\(name)'): shape \(dim) is not an integer ≥ 0")
      }
      shape.append(d)
    }
    tensors.append((name: name, shape: shape))
  }
  var total = 0
  for tensor in tensors {
    let (product, overflow) = tensor.shape.reduce((1, false)) { acc, d in
      let (p, o) = acc.0.multipliedReportingOverflow(by: d)
      return (p, acc.1 || o)
    }
    guard !overflow, total <= Int.max - product else {
      throw StateBlobError("segments: the shapes overflow")
    }
    total += product
  }
  guard total == count else {
    throw StateBlobError(
      "segments: the shapes hold \(total) values but there are \(count) parameters")
  }
  return ParameterLayout(tensors)
}
