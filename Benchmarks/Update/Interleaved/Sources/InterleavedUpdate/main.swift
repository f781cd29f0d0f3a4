// Interleaved update-step timing (cases alternate within each repetition, rotating order):
// swift build -c release --package-path Benchmarks/Update/Interleaved &&
//   Benchmarks/Update/Interleaved/.build/release/InterleavedUpdate [n] [reps] [threads,…]
// Prints medians, quartiles and paired per-repetition ratios.
import Foundation
import SaddleCore

/// A user rule defined outside SaddleKit: momentum-like with its own state buffer.
struct UserMomentum: ElementwiseUpdateRule {
  var rate: Float = 1e-3
  struct State: Codable, Sendable { var b: ParameterVector }
  func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(b: ParameterVector(count: layout.count))
  }
  func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    Kernel(b: state.b.unsafeMutableBaseAddress(), rate: rate)
  }
  struct Kernel: ElementwiseKernel {
    let b: UnsafeMutablePointer<Float>
    let rate: Float
    @inline(__always)
    func apply(_ d: inout SIMD8<Float>, parameters: SIMD8<Float>, at i: Int) {
      let bv = 0.9 * loadLanes(b, i) + d
      storeLanes(bv, b, i)
      var s = bv * bv + 1
      for k in 0..<8 { s[k] = s[k].squareRoot() }
      d = rate * bv / s
    }
    @inline(__always)
    func apply(_ d: inout Float, parameter: Float, at i: Int) {
      let bv = 0.9 * b[i] + d
      b[i] = bv
      d = rate * bv / (bv * bv + 1).squareRoot()
    }
  }
}

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1])! : 10_000_000
let reps = args.count > 2 ? Int(args[2])! : 20
let threadList = args.count > 3 ? args[3].split(separator: ",").map { Int($0)! } : [1, 2]

var registry = Registry.core
registry.register(rule: "user-momentum") { _ in UserMomentum() }

let layout = ParameterLayout(count: n)
var gen = SeededGenerator(seed: 7)
var p0 = ParameterVector(count: n)
p0.fillGaussian(using: &gen, scale: 1)
var g0 = ParameterVector(count: n)
g0.fillGaussian(using: &gen, scale: 1)

struct Case {
  var name: String
  var run: () -> Void
}

func optimizerCase<R: UpdateRule>(_ name: String, _ o: Optimizer<R>) -> Case {
  var state = o.makeState(parameters: p0, layout: layout, seed: 1)
  state.context.gradient = g0
  var objective = Objective(lossAndGradient: { _, _ in 0 }, loss: { _ in 0 })
  return Case(name: name) { _ = o.update(&state, objective: &objective) }
}

final class Raw: @unchecked Sendable {
  let g, p, m, v: UnsafeMutablePointer<Float>
  var t = 0
  init() {
    g = .allocate(capacity: n); p = .allocate(capacity: n); m = .allocate(capacity: n);
    v = .allocate(capacity: n)
    g.initialize(repeating: 0.5, count: n); p.initialize(repeating: 1, count: n)
    m.initialize(repeating: 0, count: n); v.initialize(repeating: 0, count: n)
  }
}

func rawCase(_ name: String, _ body: @escaping (Raw, Int, Range<Int>) -> Void) -> Case {
  let raw = Raw()
  return Case(name: name) {
    raw.t += 1
    let t = raw.t
    Kernels.parallelFor(n) { r in body(raw, t, r) }
  }
}

func adamScalars(_ t: Int) -> (Float, Float) {
  (Float(1e-3 / (1 - pow(0.9, Double(t)))), Float(1 / (1 - pow(0.999, Double(t)))))
}

let chainSpec =
  #"[{"stage":"weight-decay","rate":1e-4},{"stage":"adam","learningRate":1e-3},"#
  + #"{"stage":"scale","factor":0.5},{"stage":"clip-value","limit":0.01},{"stage":"scale","factor":2}]"#

var cases: [Case] = [
  rawCase("ceiling") { b, _, r in
    var i = r.lowerBound
    while i + 8 <= r.upperBound {
      let x = loadLanes(b.g, i)
      storeLanes(loadLanes(b.p, i) + x, b.p, i)
      storeLanes(loadLanes(b.m, i) + x, b.m, i)
      storeLanes(loadLanes(b.v, i) + x, b.v, i)
      i += 8
    }
  },
  rawCase("adam_hand") { b, t, r in
    let (step, c2) = adamScalars(t)
    var i = r.lowerBound
    while i + 8 <= r.upperBound {
      let gv = loadLanes(b.g, i)
      let mv = 0.9 * loadLanes(b.m, i) + 0.1 * gv
      let vv = 0.999 * loadLanes(b.v, i) + 0.001 * gv * gv
      storeLanes(mv, b.m, i); storeLanes(vv, b.v, i)
      let d = step * mv / (clampedSquareRoot(vv * c2) + 1e-8)
      storeLanes(loadLanes(b.p, i) - d, b.p, i)
      i += 8
    }
  },
  optimizerCase("adam_fused", Optimizer { Adam(learningRate: 1e-3) }),
  rawCase("chain5_hand") { b, t, r in
    let (step, c2) = adamScalars(t)
    let lo = SIMD8<Float>(repeating: -0.01), hi = SIMD8<Float>(repeating: 0.01)
    var i = r.lowerBound
    while i + 8 <= r.upperBound {
      let pv = loadLanes(b.p, i)
      let gv = loadLanes(b.g, i) + 1e-4 * pv
      let mv = 0.9 * loadLanes(b.m, i) + 0.1 * gv
      let vv = 0.999 * loadLanes(b.v, i) + 0.001 * gv * gv
      storeLanes(mv, b.m, i); storeLanes(vv, b.v, i)
      var d = 0.5 * (step * mv / (clampedSquareRoot(vv * c2) + 1e-8))
      d.replace(with: hi, where: d .> hi); d.replace(with: lo, where: d .< lo)
      storeLanes(pv - 2 * d, b.p, i)
      i += 8
    }
  },
  optimizerCase(
    "chain5_dsl",
    Optimizer {
      WeightDecay(rate: 1e-4); Adam(learningRate: 1e-3); Scale(factor: 0.5);
      ClipByValue(limit: 0.01); Scale(factor: 2)
    }),
  optimizerCase("chain5_json", try! registry.optimizer(fromJSON: chainSpec)),
  optimizerCase("user_rule_dsl", Optimizer { UserMomentum() }),
  optimizerCase(
    "user_rule_json", try! registry.optimizer(fromJSON: #"[{"stage":"user-momentum"}]"#)),
]

var out: [String] = []
for threads in threadList {
  Kernels.threadCount = threads
  for c in cases { c.run() }  // warm up
  var times = Array(repeating: [Double](), count: cases.count)
  let clock = ContinuousClock()
  for rep in 0..<reps {
    for k in 0..<cases.count {
      let idx = (k + rep) % cases.count  // rotate the order
      let t0 = clock.now
      cases[idx].run()
      let d = clock.now - t0
      times[idx].append(
        Double(d.components.attoseconds) * 1e-15 + Double(d.components.seconds) * 1e3)
    }
  }
  print("threads \(threads), n \(n), reps \(reps) (interleaved, rotating order)")
  var med: [String: Double] = [:]
  for (k, c) in cases.enumerated() {
    let s = times[k].sorted()
    let m = s[s.count / 2]
    med[c.name] = m
    print(
      String(
        format: "  %-16@ median %7.3f ms  p25 %7.3f  p75 %7.3f", c.name as NSString, m,
        s[s.count / 4], s[3 * s.count / 4]))
  }
  // Paired ratios per repetition (robust to load drift).
  func ratio(_ a: String, _ b: String) -> Double {
    let ia = cases.firstIndex { $0.name == a }!, ib = cases.firstIndex { $0.name == b }!
    let r = zip(times[ia], times[ib]).map { $0 / $1 }.sorted()
    return r[r.count / 2]
  }
  print(
    String(
      format:
        "  ceiling/adam_fused %.2f  chain5_dsl/hand %.2f  chain5_json/dsl %.2f  user_json/dsl %.2f  adam_fused/hand %.2f",
      ratio("ceiling", "adam_fused"), ratio("chain5_dsl", "chain5_hand"),
      ratio("chain5_json", "chain5_dsl"),
      ratio("user_rule_json", "user_rule_dsl"), ratio("adam_fused", "adam_hand")))
}
