import Dispatch
import Foundation

/// The one worker loop of studies and the escape benchmark: `workers` threads take the items
/// from a shared queue in order (a worker that finishes early takes the next item, so long and
/// short runs balance), calling `body` with each item's index and the item. Results depend only
/// on the items, never on which worker ran them.
func forEachInParallel<Item: Sendable>(
  _ items: [Item], workers: Int, _ body: @escaping @Sendable (Int, Item) -> Void
) {
  guard !items.isEmpty else { return }
  let queue = WorkQueue(items)
  DispatchQueue.concurrentPerform(iterations: Swift.min(Swift.max(1, workers), items.count)) {
    _ in
    while let (index, item) = queue.next() { body(index, item) }
  }
}

/// Hands out the items of a work list once each, in order, to any thread.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private let items: [Item]
  private var index = 0
  init(_ items: [Item]) { self.items = items }
  func next() -> (Int, Item)? {
    lock.withLock {
      guard index < items.count else { return nil }
      defer { index += 1 }
      return (index, items[index])
    }
  }
}
