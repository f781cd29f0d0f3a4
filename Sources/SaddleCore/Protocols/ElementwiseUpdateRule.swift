/// The capability of a rule whose update of element `i` depends only on element `i` (of the
/// direction, the parameters and the rule's own per-element state) and on per-step scalars.
///
/// SGD, momentum, Adam's moments, weight decay, scaling and clipping by value are of this
/// kind. Wrappers have the capability whenever what they wrap has it (`every`, `after`,
/// `on(segments:)`, `named`, `if`, `if`/`else`, `for`), and so does a ``FusedChain`` of two
/// such stages. The ``Optimizer`` runs consecutive elementwise stages — with the final
/// `θ ← θ − direction` — as one pass over memory (see ``StepPlan``).
public protocol ElementwiseUpdateRule: UpdateRule {
  /// The per-step kernel: scalars for this step and pointers to per-element state.
  associatedtype Kernel: ElementwiseKernel

  /// Advances scalar state (step counts, schedules) and returns this step's kernel.
  ///
  /// Pointers the kernel holds (into `state` or `context`) stay valid for the pass that
  /// follows; obtain them with ``ParameterVector/unsafeMutableBaseAddress()``.
  func makeKernel(for context: StepContext, state: inout State) -> Kernel
}

/// Transforms eight lanes (or one element) of the direction at a flat index.
public protocol ElementwiseKernel {
  /// Updates `direction[index..<index+8]`, given the matching parameters.
  func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int)
  /// Updates `direction[index]`, given the matching parameter (the tail of a pass).
  func apply(_ direction: inout Float, parameter: Float, at index: Int)
  /// Appends this kernel's exact form to `program` and returns `true`, or returns `false`
  /// when it has none (the default, and what every user-defined kernel does).
  ///
  /// When every kernel of a fused group lowers, the optimizer runs the group as one C pass
  /// (``ElementwiseProgram``) on the widest instruction set the CPU has instead of the Swift
  /// lane loop; the results are the same bits. Wrappers forward to what they wrap.
  func lower(into program: inout ElementwiseProgram) -> Bool
}

extension ElementwiseKernel {
  /// No C form: the Swift lane loop runs.
  @inlinable
  public func lower(into program: inout ElementwiseProgram) -> Bool { false }
}

extension ElementwiseUpdateRule {
  /// Runs the kernel as its own pass over the direction (used when the stage is not part of
  /// a fused group, e.g. before a stage that needs the whole direction).
  @inlinable
  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let kernel = makeKernel(for: context, state: &state)
    context.runElementwise(kernel)
  }
}

extension StepContext {
  /// Runs `kernel` over every element of the direction, in place, as one pass (on up to
  /// ``Kernels/threadCount`` threads).
  @inlinable
  public mutating func runElementwise<K: ElementwiseKernel>(_ kernel: K) {
    let source = directionSource()
    let p = parameters.unsafeMutableBaseAddress()
    let d = directionStorage.unsafeMutableBaseAddress()
    passCount &+= 1
    var program = ElementwiseProgram()
    if kernel.lower(into: &program) {
      Kernels.parallelFor(parameters.count) { range in
        program.apply(source: source, direction: d, parameters: p, range: range)
      }
    } else {
      Kernels.parallelFor(parameters.count) { range in
        elementwisePass(kernel, source, d, p, range)
      }
    }
    directionIsGradient = false
  }

  /// The final pass of a step: `θ ← θ − s·kernel(direction, θ)` in one pass over memory
  /// (`s` is ``learningRateScale``). The direction itself is left unspecified. Elements whose
  /// new value would not be finite keep their old value (the optimizer then reports them).
  @inlinable
  public mutating func runFinalElementwise<K: ElementwiseKernel>(_ kernel: K) {
    updateWritten = true
    if updateIsBlocked { return }
    let source = directionSource()
    let p = parameters.unsafeMutableBaseAddress()
    let scale = updateScale
    passCount &+= 1
    var program = ElementwiseProgram()
    if kernel.lower(into: &program) {
      firstNonFiniteUpdate = firstNonFinite(count: parameters.count) { range in
        program.update(source: source, parameters: p, range: range, scale: scale)
      }
    } else {
      firstNonFiniteUpdate = firstNonFinite(count: parameters.count) { range in
        fusedUpdatePass(kernel, source, p, range, scale: scale)
      }
    }
    directionIsGradient = false
  }

  /// Runs `kernel` over the flat index range `range` only.
  @inlinable
  public mutating func runElementwise<K: ElementwiseKernel>(_ kernel: K, in range: Range<Int>) {
    materializeDirection()
    let d = directionStorage.unsafeMutableBaseAddress()
    let p = parameters.unsafeMutableBaseAddress()
    elementwisePass(kernel, d, d, p, range)
  }
}

/// `d ← kernel(source, θ)` over `range`, 8 lanes at a time (`source` may equal `d`).
@inlinable
@inline(__always)
public func elementwisePass<K: ElementwiseKernel>(
  _ kernel: K, _ source: UnsafeMutablePointer<Float>, _ d: UnsafeMutablePointer<Float>,
  _ p: UnsafeMutablePointer<Float>, _ range: Range<Int>
) {
  var i = range.lowerBound
  while i + 8 <= range.upperBound {
    var dv = loadLanes(source, i)
    kernel.apply(&dv, parameters: loadLanes(p, i), at: i)
    storeLanes(dv, d, i)
    i += 8
  }
  while i < range.upperBound {
    var dv = source[i]
    kernel.apply(&dv, parameter: p[i], at: i)
    d[i] = dv
    i += 1
  }
}

/// `θ ← θ − scale·kernel(source, θ)` in place over `range`, in one pass (`scale` is the
/// rollback learning-rate scale, normally 1). An element whose new value
/// would be NaN or infinite keeps its old value; returns the first such index, or −1.
@inlinable
@inline(__always)
public func fusedUpdatePass<K: ElementwiseKernel>(
  _ kernel: K, _ source: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>,
  _ range: Range<Int>, scale: Float
) -> Int {
  var firstBad = -1
  var i = range.lowerBound
  while i + 8 <= range.upperBound {
    var dv = loadLanes(source, i)
    let pv = loadLanes(p, i)
    kernel.apply(&dv, parameters: pv, at: i)
    var nv = pv - scale * dv
    // x − x is 0 exactly for finite x and NaN otherwise.
    let bad = (nv - nv) .!= 0
    if any(bad) {
      if firstBad < 0 { firstBad = i + (0..<8).first { bad[$0] }! }
      nv.replace(with: pv, where: bad)
    }
    storeLanes(nv, p, i)
    i += 8
  }
  while i < range.upperBound {
    var dv = source[i]
    kernel.apply(&dv, parameter: p[i], at: i)
    let nv = p[i] - scale * dv
    if nv.isFinite {
      p[i] = nv
    } else if firstBad < 0 {
      firstBad = i
    }
    i += 1
  }
  return firstBad
}

/// Loads 8 floats at `base + index`.
@inlinable
@inline(__always)
public func loadLanes(_ base: UnsafeMutablePointer<Float>, _ index: Int) -> SIMD8<Float> {
  UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores 8 floats at `base + index`.
@inlinable
@inline(__always)
public func storeLanes(_ value: SIMD8<Float>, _ base: UnsafeMutablePointer<Float>, _ index: Int) {
  UnsafeMutableRawPointer(base + index).storeBytes(of: value, as: SIMD8<Float>.self)
}

/// `√max(x, 0)` lane by lane, written so it vectorizes (`SIMD8.squareRoot()` does not on Linux).
@inlinable
@inline(__always)
public func clampedSquareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
  var r = SIMD8<Float>()
  for k in 0..<8 {
    let v = x[k] < 0 ? 0 : x[k]
    r[k] = v.squareRoot()
  }
  return r
}
