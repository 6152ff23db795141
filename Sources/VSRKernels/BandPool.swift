import Foundation

/// A persistent pool that runs the bands of one frame in parallel: band 0 on the caller,
/// the others on pool threads, then waits. No allocation per call. The threads end when the
/// pool is released.
final class BandPool: Sendable {
    private let state = State()

    init(threads: Int) {
        for t in 0..<threads {
            let state = self.state
            let thread = Thread { state.loop(index: t + 1) }
            thread.name = "vsr-band-\(t + 1)"
            thread.start()
        }
    }

    deinit { state.shutDown() }

    func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) { state.run(count, body) }

    private final class State: @unchecked Sendable {
        private let condition = NSCondition()
        private var job: (@Sendable (Int) -> Void)?
        private var generation = 0
        private var pending = 0
        private var bands = 0
        private var shuttingDown = false

        func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
            condition.lock()
            job = body
            bands = count
            pending = count - 1
            generation += 1
            condition.broadcast()
            condition.unlock()
            body(0)
            condition.lock()
            while pending > 0 { condition.wait() }
            job = nil
            condition.unlock()
        }

        func shutDown() {
            condition.lock()
            shuttingDown = true
            condition.broadcast()
            condition.unlock()
        }

        func loop(index: Int) {
            var seen = 0
            condition.lock()
            while true {
                while generation == seen && !shuttingDown { condition.wait() }
                if shuttingDown { break }
                seen = generation
                let body = job, active = index < bands
                condition.unlock()
                if active, let body { body(index) }
                condition.lock()
                if active {
                    pending -= 1
                    if pending == 0 { condition.broadcast() }
                }
            }
            condition.unlock()
        }
    }
}
