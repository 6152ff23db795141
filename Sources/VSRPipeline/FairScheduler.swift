import DequeModule

/// The frames waiting for the shared worker pool, one short queue per stream. Submitting never
/// blocks: a full queue gives back its oldest frame for the overload policy. Workers take from
/// the streams in turn, so every camera gets its share however busy the others are.
public final class FairScheduler<Item: Sendable>: @unchecked Sendable {
    private let condition = Condition()
    private var queues: [Deque<Item>]
    private let depth: Int
    private var next = 0
    private var closed = false
    private var freeQueues: [Int] = []

    public init(streams: Int, depth: Int) {
        queues = Array(repeating: [], count: streams)
        self.depth = depth
    }

    /// Queues `item` for `stream`; returns the item it pushed out, if the queue was full.
    public func submit(_ item: sending Item, stream: Int) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        var evicted: Item? = nil
        if queues[stream].count >= depth { evicted = queues[stream].removeFirst() }
        queues[stream].append(item)
        condition.signal()
        return evicted
    }

    /// The next frame, streams in round-robin order; nil once closed.
    public func take() -> (stream: Int, item: Item)? {
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            for i in 0..<queues.count {
                let s = (next + i) % queues.count
                if let item = queues[s].popFirst() {
                    next = s + 1
                    return (s, item)
                }
            }
            condition.wait()
        }
        return nil
    }

    /// A queue for a camera added while running: a free one (left by `removeStream`), else a new
    /// one. The number of queues is bounded by the most cameras ever running at once.
    public func addStream() -> Int {
        condition.withLock {
            if let free = freeQueues.popLast() { return free }
            queues.append([])
            return queues.count - 1
        }
    }

    /// Frees the queue of a removed camera (what is still queued in it is dropped).
    public func removeStream(_ stream: Int) {
        condition.withLock {
            queues[stream].removeAll()
            freeQueues.append(stream)
        }
    }

    /// Removes and returns everything queued for `stream` (its input ended).
    public func drain(stream: Int) -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        let items = Array(queues[stream])
        queues[stream].removeAll()
        return items
    }

    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

extension FairScheduler: Cancellable {
    public func cancel() { close() }
}
