/// A one-way "please stop" shared between a signal handler or caller and the pipeline. Threads
/// can wait on it (a sleep that a stop cuts short) and register actions to run when it is raised
/// (interrupting blocking reads), so nothing polls it.
public final class StopFlag: @unchecked Sendable {
    private let condition = Condition()
    private var raised = false
    private var actions: [@Sendable () -> Void] = []

    public init() {}

    public func raise() {
        let run: [@Sendable () -> Void] = condition.withLock {
            guard !raised else { return [] }
            raised = true
            condition.broadcast()
            defer { actions = [] }
            return actions
        }
        run.forEach { $0() }
    }

    public var isRaised: Bool { condition.withLock { raised } }

    /// Runs `action` once when the flag is raised (at once if it already is).
    public func onRaise(_ action: @escaping @Sendable () -> Void) {
        let now: Bool = condition.withLock {
            if raised { return true }
            actions.append(action)
            return false
        }
        if now { action() }
    }

    /// Waits until the flag is raised or `deadline` (monotonicNanos) passes; true when raised.
    @discardableResult
    public func wait(until deadline: UInt64) -> Bool {
        condition.withLock {
            while !raised && monotonicNanos() < deadline { condition.wait(until: deadline) }
            return raised
        }
    }

    /// Sleeps up to `seconds`, waking early when raised; true when raised.
    @discardableResult
    public func wait(seconds: Double) -> Bool { wait(until: VSRPipeline.deadline(afterSeconds: seconds)) }
}

extension StopFlag: Cancellable {
    public func cancel() { raise() }
}
