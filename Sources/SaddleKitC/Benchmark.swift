import Foundation
import SaddleCore
import SaddleModels

/// A model whose gradient is a fixed vector (copied out, as a caller returning a precomputed
/// array would), so a timed step is the optimizer's own work plus one copy.
final class FixedGradientModel: Model {
  let layout: ParameterLayout
  let gradient: ParameterVector

  init(count: Int) {
    layout = ParameterLayout(count: count)
    gradient = ParameterVector(count: count) { Float($0 % 7) * 1e-3 }
  }

  func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector(count: layout.count) }

  func loss(at parameters: ParameterVector, on batch: Void) -> Double { 0 }

  func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    let source = self.gradient
    gradient.withUnsafeMutableBufferPointer { g in
      source.withUnsafeBufferPointer { s in
        if let to = g.baseAddress, let from = s.baseAddress {
          to.update(from: from, count: s.count)
        }
      }
    }
    return 0
  }
}

/// `int32_t saddlekit_bench_swift_steps(const char *spec, int64_t count, int64_t steps,
/// double *seconds, char *message, int64_t capacity)`: a diagnostic — times `steps` pure-Swift
/// steps of `spec` on `count` parameters with a fixed gradient (the baseline against which
/// the cost of crossing the C boundary is measured; Guides/Python.md).
@_cdecl("saddlekit_bench_swift_steps")
public func saddlekit_bench_swift_steps(
  _ spec: UnsafePointer<CChar>?, _ count: Int64, _ steps: Int64,
  _ seconds: UnsafeMutablePointer<Double>?, _ message: UnsafeMutablePointer<CChar>?,
  _ capacity: Int64
) -> Int32 {
  guard let spec, let seconds, count >= 1, steps >= 1 else {
    writeMessage(
      "spec, seconds, count ≥ 1 and steps ≥ 1 are required", into: message, capacity: capacity)
    return SaddleKitStatus.argumentError.rawValue
  }
  let optimizer: DynamicOptimizer
  do {
    optimizer = try Registry.standard.optimizer(fromJSON: String(cString: spec))
  } catch {
    writeMessage(error.description, into: message, capacity: capacity)
    return SaddleKitStatus.specError.rawValue
  }
  let model = FixedGradientModel(count: Int(count))
  var state = optimizer.makeState(for: model)
  _ = try? optimizer.step(&state, model: model)  // warm-up (first-touch of the state buffers)
  let clock = ContinuousClock()
  let start = clock.now
  for _ in 0..<steps {
    do {
      try optimizer.step(&state, model: model)
    } catch {
      writeMessage(error.description, into: message, capacity: capacity)
      return SaddleKitStatus.nonFinite.rawValue
    }
  }
  let elapsed = clock.now - start
  seconds.pointee =
    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  return SaddleKitStatus.ok.rawValue
}
