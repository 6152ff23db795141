/// Capped exponential backoff on the monotonic clock: 0.5 s, 1 s, 2 s, ... up to `maximum`,
/// back to the start after a success. One piece for reconnecting inputs and outputs.
public struct Backoff: Sendable {
    public let initial: Double, maximum: Double
    public private(set) var delay: Double
    /// When the next attempt is due (monotonicNanos); 0: now.
    public private(set) var nextAttempt: UInt64 = 0

    public init(initial: Double = 0.5, maximum: Double = 8) {
        self.initial = initial
        self.maximum = maximum
        delay = initial
    }

    /// An attempt failed: the next is due after the current delay, which then doubles.
    public mutating func failed() {
        nextAttempt = deadline(afterSeconds: delay)
        delay = min(delay * 2, maximum)
    }

    public mutating func succeeded() {
        delay = initial
        nextAttempt = 0
    }

    public var isDue: Bool { monotonicNanos() >= nextAttempt }
}
