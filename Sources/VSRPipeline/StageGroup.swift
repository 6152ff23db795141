import Foundation

/// Something a failing pipeline must wake up: a queue, an input being read, a network socket.
public protocol Cancellable: Sendable {
    func cancel()
}

/// Runs each pipeline stage on its own thread. The first error cancels everything registered
/// (waking every blocked waiter, so no stage hangs) and is the one reported; stages are joined
/// in `wait()`.
public final class StageGroup: @unchecked Sendable {
    private let lock = NSLock()
    private var cancellables: [any Cancellable] = []
    private var firstError: (any Error)?
    private var cancelled = false
    private let finished = DispatchGroup()

    public init() {}

    /// Registers what `cancel` must wake. Registered after cancellation: cancelled at once.
    public func register(_ items: any Cancellable...) {
        lock.lock()
        let late = cancelled
        if !late { cancellables.append(contentsOf: items) }
        lock.unlock()
        if late { items.forEach { $0.cancel() } }
    }

    /// Starts `body` on a new thread. A thrown error stops the whole group.
    public func spawn(_ name: String, _ body: @escaping @Sendable () throws -> Void) {
        finished.enter()
        let thread = Thread { [self] in
            defer { finished.leave() }
            do { try body() } catch { fail(error) }
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Records `error` if it is the first and cancels every registered item.
    public func fail(_ error: any Error) {
        lock.lock()
        if firstError == nil && !cancelled { firstError = error }
        lock.unlock()
        cancel()
    }

    /// Stops the pipeline without an error (e.g. the consumer is done).
    public func cancel() {
        lock.lock()
        cancelled = true
        let items = cancellables
        cancellables = []
        lock.unlock()
        items.forEach { $0.cancel() }
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Waits for every stage; throws the first error any of them raised.
    public func wait() throws {
        finished.wait()
        lock.lock()
        let error = firstError
        lock.unlock()
        if let error { throw error }
    }
}
