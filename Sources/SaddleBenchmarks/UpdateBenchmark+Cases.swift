import Foundation
import SaddleKit
import _SaddleBenchmarkKernels

extension UpdateBenchmark {
  /// One case ready to time: `step()` runs one update; `parameters()` copies the current
  /// parameters (for the tests that check every case computes what it claims).
  struct TimedCase {
    let kind: Case
    let step: () -> Void
    let parameters: () -> [Float]
  }

  /// The starting point of every case: parameters and gradient drawn from N(0, 1) (seed 7).
  static func initialData(count n: Int) -> (parameters: ParameterVector, gradient: ParameterVector)
  {
    var generator = SeededGenerator(seed: 7)
    var parameters = ParameterVector(count: n)
    parameters.fillGaussian(using: &generator, scale: 1)
    var gradient = ParameterVector(count: n)
    gradient.fillGaussian(using: &generator, scale: 1)
    return (parameters, gradient)
  }

  /// The JSON spec of the 5-stage chain.
  static let chain5Spec = """
    [{"stage": "weight-decay", "rate": 1e-4}, {"stage": "adam"}, {"stage": "scale", "factor": 0.5},
     {"stage": "clip-value", "limit": 0.01}, {"stage": "scale", "factor": 2}]
    """

  /// Every case of ``Case``, each with its own buffers, at the same starting point
  /// (``Case/adamStep`` shares ``Case/adamFused``'s optimizer).
  static func makeCases(count n: Int) -> [TimedCase] {
    let adam = OptimizerCase(Optimizer { Adam(learningRate: 1e-3) }, count: n)
    return Case.allCases.map { kind in
      switch kind {
      case .adamFused: adam.timed(.adamFused)
      case .adamStep:
        TimedCase(
          kind: .adamStep, step: { adam.publicStep() }, parameters: { adam.parameterValues })
      default: makeCase(kind, count: n)
      }
    }
  }

  /// One case with its own buffers at the common starting point.
  static func makeCase(_ kind: Case, count n: Int) -> TimedCase {
    switch kind {
    case .adamFused:
      return OptimizerCase(Optimizer { Adam(learningRate: 1e-3) }, count: n).timed(kind)
    case .adamStep:
      let adam = OptimizerCase(Optimizer { Adam(learningRate: 1e-3) }, count: n)
      return TimedCase(
        kind: kind, step: { adam.publicStep() }, parameters: { adam.parameterValues })
    case .adamHand:
      return RawBuffers(count: n).timed(kind, pass: handFusedAdam)
    case .chain5Hand:
      return RawBuffers(count: n).timed(kind, pass: handFusedChain5)
    case .chain5DSL:
      return OptimizerCase(
        Optimizer {
          WeightDecay(rate: 1e-4)
          Adam(learningRate: 1e-3)
          Scale(factor: 0.5)
          ClipByValue(limit: 0.01)
          Scale(factor: 2)
        }, count: n
      ).timed(kind)
    case .chain5JSON:
      return OptimizerCase(parse(chain5Spec, in: Registry.core), count: n).timed(kind)
    case .userRuleDSL:
      return OptimizerCase(Optimizer { SoftSignMomentum() }, count: n).timed(kind)
    case .userRuleJSON:
      var registry = Registry.core
      SoftSignMomentum.register(in: &registry)
      let spec = "[{\"stage\": \"\(SoftSignMomentum.specName)\"}]"
      return OptimizerCase(parse(spec, in: registry), count: n).timed(kind)
    case .ceiling:
      return RawBuffers(count: n).timed(kind) { b, _, range in
        saddle_bench_stream7(b.g, b.p, b.m, b.v, range.lowerBound, range.upperBound)
      }
    }
  }

  /// The optimizer of a spec this file wrote (so it parses).
  static func parse(_ spec: String, in registry: Registry) -> DynamicOptimizer {
    do {
      return try registry.optimizer(fromJSON: spec)
    } catch {
      fatalError("UpdateBenchmark: a built-in spec no longer parses: \(error)")
    }
  }

  /// An optimizer with its state; the gradient is set once and every step reuses it.
  final class OptimizerCase<Rule: UpdateRule> {
    let optimizer: Optimizer<Rule>
    var state: OptimizerState<Rule.State>
    var objective = Objective(lossAndGradient: { _, _ in 0 }, loss: { _ in 0 })

    init(_ optimizer: Optimizer<Rule>, count n: Int) {
      self.optimizer = optimizer
      let (parameters, gradient) = UpdateBenchmark.initialData(count: n)
      state = optimizer.makeState(
        parameters: parameters, layout: ParameterLayout(count: n), seed: 1)
      state.context.gradient = gradient
    }

    /// The update alone (what ``Optimizer/step(_:objective:)`` runs after the gradient).
    func update() {
      let finite = optimizer.update(&state, objective: &objective)
      precondition(finite, "UpdateBenchmark: the update produced a non-finite value")
    }

    /// The public step with an objective that leaves the gradient in place.
    func publicStep() {
      do {
        try optimizer.step(&state, objective: &objective)
      } catch {
        preconditionFailure("UpdateBenchmark: \(error)")
      }
    }

    var parameterValues: [Float] { Array(state.parameters) }

    func timed(_ kind: Case) -> TimedCase {
      TimedCase(kind: kind, step: { self.update() }, parameters: { self.parameterValues })
    }
  }

  /// Four raw buffers of `n` floats at the cases' starting point — gradient `g`, parameters
  /// `p` and two state buffers `m`, `v` (zero) — and the 1-based call count `t`.
  final class RawBuffers: @unchecked Sendable {
    let count: Int
    let g: UnsafeMutablePointer<Float>
    let p: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
    var t = 0

    init(count n: Int) {
      count = n
      let (parameters, gradient) = UpdateBenchmark.initialData(count: n)
      g = .allocate(capacity: n)
      p = .allocate(capacity: n)
      m = .allocate(capacity: n)
      v = .allocate(capacity: n)
      for i in 0..<n {
        g[i] = gradient[i]
        p[i] = parameters[i]
      }
      m.initialize(repeating: 0, count: n)
      v.initialize(repeating: 0, count: n)
    }

    deinit {
      for buffer in [g, p, m, v] { buffer.deallocate() }
    }

    /// A case that runs `pass` over the buffers, split over the kernel threads exactly like
    /// the optimizer's own passes (``Kernels/parallelFor(_:_:)``).
    func timed(
      _ kind: Case, pass: @escaping (RawBuffers, _ t: Int, Range<Int>) -> Void
    ) -> TimedCase {
      TimedCase(
        kind: kind,
        step: {
          self.t += 1
          let t = self.t
          Kernels.parallelFor(self.count) { range in pass(self, t, range) }
        },
        parameters: { Array(UnsafeBufferPointer(start: self.p, count: self.count)) })
    }
  }

  /// Adam's per-step scalars as ``Adam`` forms them (η = 1e-3, β = (0.9, 0.999), ε = 1e-8).
  struct AdamScalars {
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let oneMinusBeta1 = Float(1 - 0.9)
    let oneMinusBeta2 = Float(1 - 0.999)
    let stepSize: Float
    let secondCorrection: Float
    let epsilon: Float = 1e-8

    init(step t: Int) {
      stepSize = Float(1e-3 / (1 - pow(0.9, Double(t))))
      secondCorrection = Float(1 / (1 - pow(0.999, Double(t))))
    }

    /// One Adam update of direction `g` with moments at `m`, `v` (stored back).
    @inline(__always)
    func apply(
      _ g: SIMD8<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
      _ i: Int
    )
      -> SIMD8<Float>
    {
      let mv = beta1 * loadLanes(m, i) + oneMinusBeta1 * g
      let vv = beta2 * loadLanes(v, i) + oneMinusBeta2 * (g * g)
      storeLanes(mv, m, i)
      storeLanes(vv, v, i)
      return stepSize * mv / (clampedSquareRoot(vv * secondCorrection) + epsilon)
    }

    @inline(__always)
    func apply(
      _ g: Float, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ i: Int
    )
      -> Float
    {
      let mv = beta1 * m[i] + oneMinusBeta1 * g
      let vv = beta2 * v[i] + oneMinusBeta2 * (g * g)
      m[i] = mv
      v[i] = vv
      let r = vv * secondCorrection
      return stepSize * mv / ((r < 0 ? 0 : r).squareRoot() + epsilon)
    }
  }

  /// A hand-written fused Adam step: reads g, θ, m, v and writes θ, m, v (28 bytes/parameter).
  static func handFusedAdam(_ b: RawBuffers, _ t: Int, _ range: Range<Int>) {
    let adam = AdamScalars(step: t)
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
      let d = adam.apply(loadLanes(b.g, i), b.m, b.v, i)
      storeLanes(loadLanes(b.p, i) - d, b.p, i)
      i += 8
    }
    while i < range.upperBound {
      b.p[i] -= adam.apply(b.g[i], b.m, b.v, i)
      i += 1
    }
  }

  /// A hand-written fused loop of weight decay (10⁻⁴) → Adam → scale ½ → clip to ±0.01 →
  /// scale 2, then `θ ← θ − d`.
  static func handFusedChain5(_ b: RawBuffers, _ t: Int, _ range: Range<Int>) {
    let adam = AdamScalars(step: t)
    let rate = Float(1e-4)
    let limit = Float(0.01)
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
      let pv = loadLanes(b.p, i)
      var d = 0.5 * adam.apply(loadLanes(b.g, i) + rate * pv, b.m, b.v, i)
      d.replace(with: limit, where: d .> limit)
      d.replace(with: -limit, where: d .< -limit)
      storeLanes(pv - 2 * d, b.p, i)
      i += 8
    }
    while i < range.upperBound {
      let pv = b.p[i]
      var d = 0.5 * adam.apply(b.g[i] + rate * pv, b.m, b.v, i)
      if d > limit { d = limit }
      if d < -limit { d = -limit }
      b.p[i] = pv - 2 * d
      i += 1
    }
  }
}
