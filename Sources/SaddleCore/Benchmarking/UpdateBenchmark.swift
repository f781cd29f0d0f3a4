import Dispatch

/// Times the update step alone (no gradient evaluation) for `saddle bench update`: the fused
/// optimizer path, hand-written fused loops for the same math, and a streaming kernel with the
/// same memory traffic (the practical bandwidth ceiling).
public enum UpdateBenchmark {
  /// One timed case.
  public struct Measurement: Sendable {
    /// A measurement.
    @inlinable
    public init(
      name: String, milliseconds: Double, bytesPerParameter: Int, gigabytesPerSecond: Double
    ) {
      self.name = name
      self.milliseconds = milliseconds
      self.bytesPerParameter = bytesPerParameter
      self.gigabytesPerSecond = gigabytesPerSecond
    }

    /// What was timed.
    public var name: String
    /// Median time of one step, in milliseconds.
    public var milliseconds: Double
    /// Bytes moved per parameter by an ideal implementation (for GB/s).
    public var bytesPerParameter: Int
    /// Effective bandwidth `bytesPerParameter · n / time`, in GB/s.
    public var gigabytesPerSecond: Double
  }

  /// Median milliseconds of `body` over `repeats` runs after one warm-up.
  @inlinable
  public static func median(repeats: Int, _ body: () -> Void) -> Double {
    body()
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<Swift.max(1, repeats) {
      let t0 = clock.now
      body()
      let d = clock.now - t0
      times.append(
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15)
    }
    times.sort()
    return times[times.count / 2]
  }

  /// Times one update of `optimizer` on `n` parameters (gradient fixed, evaluated once).
  @inlinable
  public static func timeOptimizer<R: UpdateRule>(
    _ optimizer: Optimizer<R>, name: String, count n: Int, repeats: Int, bytesPerParameter: Int
  ) -> Measurement {
    let layout = ParameterLayout(count: n)
    var generator = SeededGenerator(seed: 7)
    var parameters = ParameterVector(count: n)
    parameters.fillGaussian(using: &generator, scale: 1)
    var state = optimizer.makeState(parameters: parameters, layout: layout, seed: 1)
    state.context.gradient.fillGaussian(using: &generator, scale: 1)
    var objective = Objective(lossAndGradient: { _, _ in 0 }, loss: { _ in 0 })
    let ms = median(repeats: repeats) {
      _ = optimizer.update(&state, objective: &objective)
    }
    return Measurement(
      name: name, milliseconds: ms, bytesPerParameter: bytesPerParameter,
      gigabytesPerSecond: Double(bytesPerParameter * n) / (ms * 1e6))
  }

  /// Four raw buffers of `n` floats — gradient `g` (0.5), parameters `p` (1), and two state
  /// buffers `m`, `v` (0) — and the 1-based call count `t`, for hand-written reference loops.
  struct RawBuffers {
    let g: UnsafeMutablePointer<Float>
    let p: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
  }

  /// Times `pass` over fresh raw buffers, split over the kernel threads like the optimizer's
  /// own passes; 28 bytes per element (read 4 buffers, write 3) count as the ideal traffic.
  static func timeRawPass(
    _ name: String, count n: Int, repeats: Int,
    _ pass: @escaping (RawBuffers, _ t: Int, Range<Int>) -> Void
  ) -> Measurement {
    var g = ParameterVector(count: n, repeating: 0.5)
    var p = ParameterVector(count: n, repeating: 1)
    var m = ParameterVector(count: n)
    var v = ParameterVector(count: n)
    let buffers = RawBuffers(
      g: g.unsafeMutableBaseAddress(), p: p.unsafeMutableBaseAddress(),
      m: m.unsafeMutableBaseAddress(), v: v.unsafeMutableBaseAddress())
    var t = 0
    let ms = median(repeats: repeats) {
      t += 1
      let step = t
      Kernels.parallelFor(n) { range in pass(buffers, step, range) }
    }
    withExtendedLifetime((g, p, m, v)) {}
    return Measurement(
      name: name, milliseconds: ms, bytesPerParameter: 28,
      gigabytesPerSecond: Double(28 * n) / (ms * 1e6))
  }

  /// Adam's bias-corrected step size and second-moment correction at update `t` (η = 1e-3).
  static func adamScalars(_ t: Int) -> (step: Float, secondCorrection: Float) {
    (Float(1e-3 / (1 - pow09(t))), Float(1 / (1 - pow0999(t))))
  }

  /// A hand-written fused Adam step over raw buffers (the reference for fusion overhead):
  /// reads g, θ, m, v and writes θ, m, v — 28 bytes per parameter.
  public static func timeHandFusedAdam(count n: Int, repeats: Int) -> Measurement {
    timeRawPass("adam, hand-fused loop", count: n, repeats: repeats) { b, t, range in
      let (step, c2) = adamScalars(t)
      let (b1, b2): (Float, Float) = (0.9, 0.999)
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let gv = loadLanes(b.g, i)
        let mv = b1 * loadLanes(b.m, i) + (1 - b1) * gv
        let vv = b2 * loadLanes(b.v, i) + (1 - b2) * gv * gv
        storeLanes(mv, b.m, i)
        storeLanes(vv, b.v, i)
        let d = step * mv / (clampedSquareRoot(vv * c2) + 1e-8)
        storeLanes(loadLanes(b.p, i) - d, b.p, i)
        i += 8
      }
    }
  }

  /// A hand-written fused loop of weight decay → Adam → scale → clip by value → scale.
  public static func timeHandFusedChain(count n: Int, repeats: Int) -> Measurement {
    timeRawPass("5-stage chain, hand-fused loop", count: n, repeats: repeats) { b, t, range in
      let (step, c2) = adamScalars(t)
      let (b1, b2): (Float, Float) = (0.9, 0.999)
      let lo = SIMD8<Float>(repeating: -0.01)
      let hi = SIMD8<Float>(repeating: 0.01)
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let pv = loadLanes(b.p, i)
        let gv = loadLanes(b.g, i) + 1e-4 * pv
        let mv = b1 * loadLanes(b.m, i) + (1 - b1) * gv
        let vv = b2 * loadLanes(b.v, i) + (1 - b2) * gv * gv
        storeLanes(mv, b.m, i)
        storeLanes(vv, b.v, i)
        var d = 0.5 * (step * mv / (clampedSquareRoot(vv * c2) + 1e-8))
        d.replace(with: hi, where: d .> hi)
        d.replace(with: lo, where: d .< lo)
        storeLanes(pv - 2 * d, b.p, i)
        i += 8
      }
    }
  }

  /// The same memory traffic as Adam (read 4 buffers, write 3) with trivial arithmetic: the
  /// practical bandwidth ceiling for an update step on this machine.
  public static func timeStreamingCeiling(count n: Int, repeats: Int) -> Measurement {
    timeRawPass("streaming ceiling (read 4, write 3)", count: n, repeats: repeats) { b, _, range in
      var i = range.lowerBound
      while i + 8 <= range.upperBound {
        let x = loadLanes(b.g, i)
        storeLanes(loadLanes(b.p, i) + x, b.p, i)
        storeLanes(loadLanes(b.m, i) + x, b.m, i)
        storeLanes(loadLanes(b.v, i) + x, b.v, i)
        i += 8
      }
    }
  }

  private static func pow09(_ t: Int) -> Double { powInt(0.9, t) }
  private static func pow0999(_ t: Int) -> Double { powInt(0.999, t) }
  private static func powInt(_ x: Double, _ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<Swift.min(n, 100_000) { r *= x }
    return r
  }
}
