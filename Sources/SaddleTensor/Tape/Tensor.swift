/// A handle to a tensor recorded on a ``Tape``: valid until the tape's next ``Tape/reset()``.
public struct Tensor: Hashable, Sendable {
  /// The index of the record on the tape.
  public let index: Int

  @usableFromInline init(index: Int) { self.index = index }
}
