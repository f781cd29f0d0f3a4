import Foundation
import SaddleCore

/// `int32_t (*)(void *context, const float *parameters, int64_t count, double *loss,
/// float *gradient)`: the loss and gradient at `parameters`; 0 on success.
public typealias SaddleKitLossAndGradientCallback =
  @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<Float>?, Int64, UnsafeMutablePointer<Double>?,
    UnsafeMutablePointer<Float>?
  ) -> Int32

/// `int32_t (*)(void *context, const float *parameters, int64_t count, double *loss)`: the
/// loss alone at `parameters`; 0 on success.
public typealias SaddleKitLossCallback =
  @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<Float>?, Int64, UnsafeMutablePointer<Double>?
  ) -> Int32

/// `int32_t (*)(void *context, const float *parameters, const float *vector, int64_t count,
/// float *result)`: the exact Hessian-vector product `H(θ)·v`; 0 on success.
public typealias SaddleKitHessianVectorProductCallback =
  @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int64,
    UnsafeMutablePointer<Float>?
  ) -> Int32

/// The callbacks of one `saddlekit_optimizer_step` call.
struct Callbacks {
  var context: UnsafeMutableRawPointer?
  var lossAndGradient: SaddleKitLossAndGradientCallback
  var loss: SaddleKitLossCallback?
  var hessianVectorProduct: SaddleKitHessianVectorProductCallback?
}

/// A ``Model`` whose evaluations are the caller's callbacks; its batch is opaque (the
/// caller's closure owns it, so every evaluation of one step sees the same batch).
///
/// Within a step the first evaluation at the step's starting point (the state's parameter
/// storage itself) is answered with the loss and gradient the caller passed in; it is still
/// counted, as in Swift, where the optimizer evaluates it itself. A callback that fails
/// (non-zero return) or returns a non-finite value makes the evaluation NaN and is recorded in
/// ``failure``, so the step is treated as non-finite whatever a stage does with the value.
final class CallbackModel: Model {
  let layout: ParameterLayout
  let hasExactHessianVectorProduct: Bool

  private var callbacks: Callbacks?
  private var start: UnsafePointer<Float>?
  private var startGradient: UnsafePointer<Float>?
  private var startLoss: Double = .nan
  private var startPending = false
  /// The first failed or non-finite evaluation of the current step, described.
  private(set) var failure: String?
  /// Evaluations the callbacks answered in the current step (for messages).
  private var evaluation = 0

  init(layout: ParameterLayout, hasExactHessianVectorProduct: Bool) {
    self.layout = layout
    self.hasExactHessianVectorProduct = hasExactHessianVectorProduct
  }

  /// Arms the model for one step at `parameters` (the address of the optimizer state's own
  /// parameter storage) with the caller's `loss` and `gradient` there.
  func begin(
    parameters: UnsafePointer<Float>, gradient: UnsafePointer<Float>, loss: Double,
    callbacks: Callbacks
  ) {
    self.callbacks = callbacks
    start = parameters
    startGradient = gradient
    startLoss = loss
    startPending = true
    failure = nil
    evaluation = 0
  }

  /// Disarms the model: no pointer of the caller's outlives the step.
  func end() {
    callbacks = nil
    start = nil
    startGradient = nil
    startPending = false
  }

  func initialParameters(seed: UInt64) -> ParameterVector { ParameterVector(count: layout.count) }

  func loss(at parameters: ParameterVector, on batch: Void) -> Double {
    let n = layout.count
    guard let callbacks else { return .nan }
    evaluation += 1
    var value = Double.nan
    let code: Int32
    if let lossOnly = callbacks.loss {
      code = parameters.withUnsafeBufferPointer {
        lossOnly(callbacks.context, $0.baseAddress, Int64(n), &value)
      }
    } else {
      var scratch = ParameterVector(count: n)
      code = parameters.withUnsafeBufferPointer { p in
        scratch.withUnsafeMutableBufferPointer { g in
          callbacks.lossAndGradient(
            callbacks.context, p.baseAddress, Int64(n), &value, g.baseAddress)
        }
      }
    }
    if code != 0 {
      record("the loss callback returned \(code)")
      return .nan
    }
    if !value.isFinite { record("the loss callback returned a non-finite loss (\(value))") }
    return value
  }

  func lossAndGradient(
    at parameters: ParameterVector, on batch: Void, into gradient: inout ParameterVector
  ) -> Double {
    let n = layout.count
    // The optimizer's first request at the step's own parameter storage (not a copy of it:
    // an O(1) check) is answered with the caller's evaluation.
    if startPending, let startGradient, parameters.unsafeBaseAddress == start {
      startPending = false
      gradient.withUnsafeMutableBufferPointer { g in
        if let base = g.baseAddress { base.update(from: startGradient, count: n) }
      }
      return startLoss
    }
    guard let callbacks else { return .nan }
    evaluation += 1
    var value = Double.nan
    let code = parameters.withUnsafeBufferPointer { p in
      gradient.withUnsafeMutableBufferPointer { g in
        callbacks.lossAndGradient(callbacks.context, p.baseAddress, Int64(n), &value, g.baseAddress)
      }
    }
    if code != 0 {
      record("the loss-and-gradient callback returned \(code)")
      gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
      return .nan
    }
    if !value.isFinite {
      record("the loss-and-gradient callback returned a non-finite loss (\(value))")
    } else if !gradient.isFinite {
      record("the loss-and-gradient callback returned a non-finite gradient")
    }
    return value
  }

  func hessianVectorProduct(
    at parameters: ParameterVector, on batch: Void, along vector: ParameterVector,
    into result: inout ParameterVector
  ) {
    let n = layout.count
    guard let callbacks, let hvp = callbacks.hessianVectorProduct else {
      record("a Hessian-vector product was requested but no callback was given")
      result.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
      return
    }
    evaluation += 1
    let code = parameters.withUnsafeBufferPointer { p in
      vector.withUnsafeBufferPointer { v in
        result.withUnsafeMutableBufferPointer { r in
          hvp(callbacks.context, p.baseAddress, v.baseAddress, Int64(n), r.baseAddress)
        }
      }
    }
    if code != 0 {
      record("the Hessian-vector-product callback returned \(code)")
      result.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
    } else if !result.isFinite {
      record("the Hessian-vector-product callback returned a non-finite value")
    }
  }

  private func record(_ text: String) {
    if failure == nil { failure = "\(text) (callback evaluation \(evaluation) of the step)" }
  }
}
