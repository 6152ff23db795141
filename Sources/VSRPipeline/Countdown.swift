/// A count of outstanding work that can be waited to reach zero (frames of one stream still at
/// the workers), or a countdown of participants (readers still running).
public final class WorkCounter: @unchecked Sendable {
    private let condition = Condition()
    private var value: Int

    public init(_ initial: Int = 0) { value = initial }

    public func add(_ n: Int = 1) { condition.withLock { value += n } }

    /// One unit done; returns how many remain.
    @discardableResult
    public func done() -> Int {
        condition.withLock {
            value -= 1
            if value <= 0 { condition.broadcast() }
            return value
        }
    }

    /// Blocks until the count reaches zero.
    public func waitForZero() {
        condition.withLock { while value > 0 { condition.wait() } }
    }
}
