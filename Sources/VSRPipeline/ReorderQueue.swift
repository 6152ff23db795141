
/// Restores sequence order after parallel workers: items go in tagged with their sequence
/// number (0, 1, 2, ... each exactly once) in any order and come out in order.
///
/// Bounded without deadlock: an item is admitted only while its number is within `window` of
/// the next one to leave, so the next item is always admissible and memory stays fixed.
public final class ReorderQueue<Element: Sendable>: @unchecked Sendable {
    public let window: Int
    private let condition = Condition()
    private var slots: [Element?]
    private var next = 0
    private var openProducers: Int
    private var closed = false

    public init(window: Int, producers: Int) {
        precondition(window > 0 && producers > 0)
        self.window = window
        self.slots = Array(repeating: nil, count: window)
        self.openProducers = producers
    }

    /// Blocks while `sequence` is too far ahead. Returns false once the consumer closed.
    @discardableResult
    public func push(_ item: sending Element, sequence: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        precondition(sequence >= next, "sequence \(sequence) pushed twice or out of range")
        while sequence >= next + window && !closed { condition.wait() }
        if closed { return false }
        slots[sequence % window] = item
        condition.broadcast()
        return true
    }

    /// The next item in order; nil at end of stream or once closed.
    public func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while slots[next % window] == nil && openProducers > 0 && !closed { condition.wait() }
        guard !closed, let item = slots[next % window] else { return nil }
        slots[next % window] = nil
        next += 1
        condition.broadcast()
        return item
    }

    /// Like `pop()` but gives up after `timeout` seconds (`.timedOut`); `.end` at end of stream.
    public func pop(timeout: Double) -> TimedPop<Element> {
        let deadline = VSRPipeline.deadline(afterSeconds: timeout)
        condition.lock()
        defer { condition.unlock() }
        while slots[next % window] == nil && openProducers > 0 && !closed {
            if !condition.wait(until: deadline) { break }
        }
        guard !closed else { return .end }
        guard let item = slots[next % window] else { return openProducers > 0 ? .timedOut : .end }
        slots[next % window] = nil
        next += 1
        condition.broadcast()
        return .item(item)
    }

    public func finish() {
        condition.withLock { openProducers = max(0, openProducers - 1); condition.broadcast() }
    }

    public func close() {
        condition.withLock { closed = true; slots = Array(repeating: nil, count: window); condition.broadcast() }
    }
}

extension ReorderQueue: Cancellable {
    public func cancel() { close() }
}
