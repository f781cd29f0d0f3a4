/// A bump allocator of 64-byte aligned `Float` chunks that are never moved or freed until the
/// arena dies: `reset()` rewinds to the first chunk, so a step that allocates the same sizes in
/// the same order reuses the same memory and never calls `malloc` after the first step.
@usableFromInline
final class Arena {
  private var chunks: [(base: UnsafeMutablePointer<Float>, capacity: Int)] = []
  private var chunkIndex = 0
  private var offset = 0
  private let minimumChunk: Int

  init(minimumChunk: Int = 1 << 18) {
    self.minimumChunk = minimumChunk
    chunks.reserveCapacity(64)
  }

  deinit {
    for chunk in chunks { chunk.base.deallocate() }
  }

  /// The total capacity in floats (for diagnostics).
  var capacity: Int { chunks.reduce(0) { $0 + $1.capacity } }

  func reset() {
    chunkIndex = 0
    offset = 0
  }

  func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    let rounded = (Swift.max(count, 1) + 15) & ~15
    while chunkIndex < chunks.count {
      if offset + rounded <= chunks[chunkIndex].capacity {
        let p = chunks[chunkIndex].base + offset
        offset += rounded
        return p
      }
      chunkIndex += 1
      offset = 0
    }
    let capacity = Swift.max(rounded, minimumChunk)
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
    let base = raw.bindMemory(to: Float.self, capacity: capacity)
    chunks.append((base, capacity))
    chunkIndex = chunks.count - 1
    offset = rounded
    return base
  }
}
