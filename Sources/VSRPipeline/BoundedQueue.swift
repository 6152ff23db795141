import DequeModule

/// A fixed-capacity FIFO between pipeline stages.
///
/// A full queue blocks the sender: that is the backpressure. End of stream travels both ways:
/// producers `finish()` (the consumer drains, then `pop()` returns nil) and the consumer can
/// `close()` (pending items are dropped and every later `push` returns false). `cancel()` is
/// `close()` for the whole pipeline: it wakes every waiter on both sides.
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    public let capacity: Int
    private let condition = Condition()
    private var items: Deque<Element> = []
    private var openProducers: Int
    private var closed = false

    /// `producers`: how many `finish()` calls end the stream.
    public init(capacity: Int, producers: Int = 1) {
        precondition(capacity > 0 && producers > 0)
        self.capacity = capacity
        self.openProducers = producers
    }

    /// Blocks while full. Returns false when the consumer closed the queue (stop producing).
    @discardableResult
    public func push(_ item: sending Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Never blocks (a leaky queue for live input): when full, the oldest item is evicted and
    /// returned so the caller can account for it. Returns `.closed` when the consumer is gone.
    public func pushEvictingOldest(_ item: sending Element) -> LeakyPushResult<Element> {
        condition.lock()
        defer { condition.unlock() }
        if closed { return .closed }
        var evicted: Element? = nil
        if items.count >= capacity { evicted = items.removeFirst() }
        items.append(item)
        condition.broadcast()
        return evicted.map { .evicted($0) } ?? .queued
    }

    /// Blocks while empty. Returns nil at end of stream (all producers finished and drained) or
    /// once the queue is closed.
    public func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && openProducers > 0 && !closed { condition.wait() }
        if closed || items.isEmpty { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Like `pop()` but gives up after `timeout` seconds; `.timedOut` then.
    public func pop(timeout: Double) -> TimedPop<Element> {
        let deadline = VSRPipeline.deadline(afterSeconds: timeout)
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && openProducers > 0 && !closed {
            if !condition.wait(until: deadline) { return items.isEmpty ? .timedOut : .item(take()) }
        }
        if closed || items.isEmpty { return .end }
        return .item(take())
    }

    private func take() -> Element {
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// One producer is done. The stream ends when all have finished.
    public func finish() {
        condition.withLock { openProducers = max(0, openProducers - 1); condition.broadcast() }
    }

    /// The consumer stops receiving: pending items are dropped, producers are told to stop.
    public func close() {
        condition.withLock { closed = true; items.removeAll(); condition.broadcast() }
    }

}

public enum LeakyPushResult<Element> {
    case queued
    case evicted(Element)
    case closed
}

public enum TimedPop<Element> {
    case item(Element)
    case timedOut
    case end
}

extension BoundedQueue: Cancellable {
    public func cancel() { close() }
}
