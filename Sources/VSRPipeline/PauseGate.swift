/// Pausing a pipeline from outside (space on a terminal): workers wait at the gate between
/// frames while it is closed. A raised stop opens it for good.
public final class PauseGate: @unchecked Sendable {
    private let condition = Condition()
    private var paused = false

    public init() {}

    /// Pauses or resumes; returns whether it is paused now.
    @discardableResult
    public func toggle() -> Bool {
        condition.withLock {
            paused.toggle()
            condition.broadcast()
            return paused
        }
    }

    public func resume() { condition.withLock { paused = false; condition.broadcast() } }

    public var isPaused: Bool { condition.withLock { paused } }

    /// Returns at once unless paused; else when resumed.
    public func pass() { condition.withLock { while paused { condition.wait() } } }
}
