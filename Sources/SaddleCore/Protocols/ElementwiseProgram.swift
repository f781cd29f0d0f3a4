import _SaddleKernels

/// The built-in elementwise stages of one step as a list of operations that a C loop runs in
/// one pass over memory, on the widest instruction set the CPU has (AVX-512F, AVX2 or
/// portable C, chosen at run time).
///
/// The Swift lane loop of a fused pass is compiled for the build's baseline instruction set
/// (SSE2 on x86-64 without `unsafeFlags`), so a long chain of built-in stages costs more there
/// than the memory traffic it does. A kernel that has an exact form here appends it in
/// ``ElementwiseKernel/lower(into:)``; when every kernel of a fused group does, the optimizer
/// runs the program instead of the lane loop, for pipelines built in the DSL and from JSON
/// alike. Each operation rounds exactly as the Swift kernel it replaces (no fused
/// multiply-add), so both give the same bits (`ElementwiseProgramTests`). A kernel without
/// such a form (every user-defined kernel) returns `false` and the lane loop runs.
///
/// Building a program allocates nothing: it is a fixed-size value of at most 16 operations.
public struct ElementwiseProgram: @unchecked Sendable {
  var raw = saddle_program()

  /// An empty program (the identity).
  public init() {}

  /// The number of operations.
  public var count: Int { Int(raw.count) }

  /// Appends `op`; `false` when the program is full.
  mutating func append(_ op: saddle_op) -> Bool {
    let capacity = Int(SADDLE_PROGRAM_CAPACITY)
    guard count < capacity else { return false }
    let index = count
    withUnsafeMutablePointer(to: &raw.ops) {
      $0.withMemoryRebound(to: saddle_op.self, capacity: capacity) { $0[index] = op }
    }
    raw.count += 1
    return true
  }

  /// `d ← d + λθ`.
  mutating func appendWeightDecay(rate: Float) -> Bool {
    append(operation(SADDLE_OP_WEIGHT_DECAY) { $0.a = rate })
  }

  /// `d ← s·d`.
  mutating func appendScale(_ factor: Float) -> Bool {
    append(operation(SADDLE_OP_SCALE) { $0.a = factor })
  }

  /// `d ← min(max(d, −c), c)` (NaN stays NaN).
  mutating func appendClip(limit: Float) -> Bool {
    append(operation(SADDLE_OP_CLIP) { $0.a = limit })
  }

  /// Adam's moment updates and direction (``Adam/Kernel``).
  mutating func appendAdam(_ k: Adam.Kernel) -> Bool {
    append(
      operation(SADDLE_OP_ADAM) {
        $0.x = k.m
        $0.y = k.v
        $0.a = k.beta1
        $0.b = k.beta2
        $0.c = k.oneMinusBeta1
        $0.e = k.oneMinusBeta2
        $0.f = k.stepSize
        $0.g = k.secondCorrection
        $0.h = k.epsilon
      })
  }

  /// Heavy-ball momentum (``Momentum/Kernel``).
  mutating func appendMomentum(_ k: Momentum.Kernel) -> Bool {
    append(
      operation(SADDLE_OP_MOMENTUM) {
        $0.x = k.b
        $0.a = k.eta
        $0.b = k.mu
        $0.flag = k.lookAhead ? 1 : 0
      })
  }

  /// Adagrad (``Adagrad/Kernel``): `s ← s + g²`, `d ← ηg / (√(s + ε_in) + ε_out)`.
  mutating func appendAdagrad(_ k: Adagrad.Kernel) -> Bool {
    append(
      operation(SADDLE_OP_ADAPTIVE) {
        $0.x = k.s
        $0.f = k.eta
        $0.g = k.epsilonInside
        $0.h = k.epsilonOutside
      })
  }

  /// RMSProp, plain or centered (``RMSProp/Kernel``).
  mutating func appendRMSProp(_ k: RMSProp.Kernel) -> Bool {
    append(
      operation(SADDLE_OP_ADAPTIVE) {
        $0.flag = 1
        $0.x = k.v
        $0.y = k.m
        $0.a = k.alpha
        $0.c = k.oneMinusAlpha
        $0.f = k.eta
        $0.g = k.epsilonInside
        $0.h = k.epsilonOutside
      })
  }

  /// Lion (``Lion/Kernel``): `d ← η·sign(β₁m + (1−β₁)g) + λθ`, `m ← β₂m + (1−β₂)g`.
  mutating func appendLion(_ k: Lion.Kernel) -> Bool {
    append(
      operation(SADDLE_OP_LION) {
        $0.x = k.m
        $0.a = k.eta
        $0.b = k.beta1
        $0.c = k.beta2
        $0.e = k.oneMinusBeta1
        $0.f = k.oneMinusBeta2
        $0.g = k.decay
      })
  }

  private func operation(_ kind: saddle_op_kind, _ set: (inout saddle_op) -> Void) -> saddle_op {
    var op = saddle_op()
    op.kind = Int32(kind.rawValue)
    set(&op)
    return op
  }

  /// `θ[r] ← θ[r] − s·d[r]` after the operations, with `d` read from `source`; an element
  /// whose new value is not finite keeps its old value. Returns the first such index, or −1.
  @usableFromInline
  package func update(
    source: UnsafeMutablePointer<Float>, parameters: UnsafeMutablePointer<Float>,
    range: Range<Int>, scale: Float
  ) -> Int {
    run(path: Int(saddle_adam_path()), source, source, parameters, range, scale, update: true)
  }

  /// `d[r] ← program(source[r], θ[r])` (`source` may equal `d`).
  @usableFromInline
  package func apply(
    source: UnsafeMutablePointer<Float>, direction: UnsafeMutablePointer<Float>,
    parameters: UnsafeMutablePointer<Float>, range: Range<Int>
  ) {
    _ = run(path: Int(saddle_adam_path()), source, direction, parameters, range, 1, update: false)
  }

  /// ``update(source:parameters:range:scale:)`` on an explicit instruction-set path (0
  /// portable, 1 AVX2, 2 AVX-512F), or `nil` when the CPU lacks it (for tests).
  package func update(
    path: Int, source: UnsafeMutablePointer<Float>, parameters: UnsafeMutablePointer<Float>,
    range: Range<Int>, scale: Float
  ) -> Int? {
    let result = run(path: path, source, source, parameters, range, scale, update: true)
    return result == -2 ? nil : result
  }

  /// `saddle_program_run_path` over `range` (−2 when the CPU lacks `path`).
  private func run(
    path: Int, _ source: UnsafeMutablePointer<Float>, _ direction: UnsafeMutablePointer<Float>,
    _ parameters: UnsafeMutablePointer<Float>, _ range: Range<Int>, _ scale: Float, update: Bool
  ) -> Int {
    withUnsafePointer(to: raw) {
      Int(
        saddle_program_run_path(
          Int32(path), $0, source, direction, parameters, range.lowerBound, range.upperBound,
          scale, update ? 1 : 0))
    }
  }
}
