/// A reverse-mode automatic-differentiation tape over contiguous `Float` tensors.
///
/// Values and gradients of intermediate tensors live in `Arena`s that are rewound by
/// ``reset()``; records live in an array that keeps its capacity. A step that records the same
/// operations as the previous one therefore allocates nothing. Parameters are views into
/// external buffers (``parameter(_:shape:gradient:)``): the tape neither copies them in nor
/// copies gradients out — `backward(from:)` writes the parameter gradients in place
/// (overwriting, not accumulating).
///
/// Gradients are accumulated lazily: the first contribution to a tensor's gradient overwrites
/// its buffer (a GEMM with β = 0) and later ones add, so no gradient buffer is ever cleared.
public final class Tape {
  @usableFromInline
  struct Record {
    var value: UnsafeMutablePointer<Float>
    var gradient: UnsafeMutablePointer<Float>?
    var shape: TensorShape
    var operation: Operation
    var gradientReady = false
    var isParameter = false
  }

  @usableFromInline var records: [Record] = []
  let values = Arena()
  let gradients = Arena()
  let scratch = Arena()
  /// Worker threads for the matrix multiplies of this tape.
  public let threads: Int
  /// The GEMM kernel path of this tape's matrix multiplies.
  public let kernelPath: KernelPath

  /// A tape whose matrix multiplies use up to `threads` workers on `kernelPath`.
  public init(threads: Int = 1, kernelPath: KernelPath = .selected) {
    self.threads = max(1, threads)
    self.kernelPath = kernelPath
    records.reserveCapacity(256)
  }

  /// Forgets all tensors (handles become invalid) and rewinds the arenas, keeping capacity.
  public func reset() {
    records.removeAll(keepingCapacity: true)
    values.reset()
    gradients.reset()
    scratch.reset()
  }

  // MARK: - Leaves

  /// A parameter viewing external memory: `value` holds `shape.count` floats, and if `gradient`
  /// is given, `backward(from:)` writes `∂loss/∂value` there (zeros if the loss does not
  /// depend on it).
  public func parameter(
    _ value: UnsafePointer<Float>, shape: TensorShape, gradient: UnsafeMutablePointer<Float>?
  ) -> Tensor {
    var record = Record(
      value: UnsafeMutablePointer(mutating: value), gradient: gradient, shape: shape,
      operation: .leaf)
    record.isParameter = gradient != nil
    return append(record)
  }

  /// A constant copied onto the tape (no gradient).
  public func constant(_ values: UnsafeBufferPointer<Float>, shape: TensorShape) -> Tensor {
    precondition(values.count == shape.count, "constant: \(values.count) values for \(shape)")
    let p = self.values.allocate(shape.count)
    p.update(from: values.baseAddress!, count: shape.count)
    return append(Record(value: p, gradient: nil, shape: shape, operation: .leaf))
  }

  // MARK: - Access

  /// The shape of `t`.
  public func shape(_ t: Tensor) -> TensorShape { records[t.index].shape }

  /// The values of `t`.
  public func value(_ t: Tensor) -> UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: records[t.index].value, count: records[t.index].shape.count)
  }

  /// The single value of a scalar (or the first element).
  public func scalar(_ t: Tensor) -> Float { records[t.index].value[0] }

  /// The gradient of `t` after `backward(from:)`; `nil` if `t` needs no gradient, received no
  /// contribution, or is the output of an `add`/`addBroadcast` whose gradient buffer backward
  /// passed on to its first input (instead of copying it). Parameters' gradients are always
  /// written to their own buffers.
  public func gradient(_ t: Tensor) -> UnsafeBufferPointer<Float>? {
    let r = records[t.index]
    guard let g = r.gradient, r.gradientReady else { return nil }
    return UnsafeBufferPointer(start: g, count: r.shape.count)
  }

  // MARK: - Internals for operations

  @usableFromInline
  func append(_ record: Record) -> Tensor {
    records.append(record)
    return Tensor(index: records.count - 1)
  }

  /// Records an operation's output: allocates its value and, when any input needs one, its
  /// gradient buffer.
  @usableFromInline
  func output(_ shape: TensorShape, _ operation: Operation, needsGradient: Bool) -> Tensor {
    let count = shape.count
    let value = values.allocate(count)
    let gradient = needsGradient ? gradients.allocate(count) : nil
    return append(Record(value: value, gradient: gradient, shape: shape, operation: operation))
  }

  @usableFromInline
  func needsGradient(_ t: Tensor) -> Bool { records[t.index].gradient != nil }

  @usableFromInline
  func valuePointer(_ t: Tensor) -> UnsafeMutablePointer<Float> { records[t.index].value }

  /// The gradient buffer of `t` to write into and whether to accumulate (a previous
  /// contribution exists); marks it ready. `nil` when `t` needs no gradient.
  @usableFromInline
  func gradientTarget(_ t: Tensor) -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)? {
    guard let g = records[t.index].gradient else { return nil }
    let accumulate = records[t.index].gradientReady
    records[t.index].gradientReady = true
    return (g, accumulate)
  }

  // MARK: - Backward

  /// Back-propagates from the scalar `loss` (seeded with `∂loss/∂loss = seed`), writing the
  /// gradients of every parameter.
  public func backward(from loss: Tensor, seed: Float = 1) {
    precondition(records[loss.index].shape.count == 1, "backward needs a scalar loss")
    for i in records.indices { records[i].gradientReady = false }
    if let g = records[loss.index].gradient {
      g[0] = seed
      records[loss.index].gradientReady = true
    }
    var i = loss.index
    while i >= 0 {
      let record = records[i]
      if record.gradientReady, let g = record.gradient {
        backward(record.operation, output: Tensor(index: i), gradient: g, shape: record.shape)
      }
      i -= 1
    }
    for j in records.indices where records[j].isParameter && !records[j].gradientReady {
      records[j].gradient!.update(repeating: 0, count: records[j].shape.count)
      records[j].gradientReady = true
    }
  }
}
