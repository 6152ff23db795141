import Foundation
import Synchronization
import Testing
@testable import VSRPipeline

struct StageFailure: Error, Equatable { let stage: String }

/// Runs `body` on a thread and fails the test if it has not finished within `seconds`:
/// a deadlock fails instead of hanging the suite.
func finishes(within seconds: Double, _ body: @escaping @Sendable () throws -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread { try? body(); done.signal() }.start()
    return done.wait(timeout: .now() + seconds) == .success
}

struct BoundedQueueTests {
    @Test func fullQueueBlocksTheProducer() {
        let q = BoundedQueue<Int>(capacity: 2)
        let pushed = Atomic<Int>(0)
        Thread {
            for i in 0..<5 { q.push(i); pushed.add(1, ordering: .relaxed) }
            q.finish()
        }.start()
        Thread.sleep(forTimeInterval: 0.2)
        let before = pushed.load(ordering: .relaxed)
        #expect(before == 2, "the producer must stop at the capacity")
        var got: [Int] = []
        while let v = q.pop() { got.append(v) }
        #expect(got == [0, 1, 2, 3, 4])
    }

    @Test func endOfStreamWaitsForEveryProducer() {
        let q = BoundedQueue<Int>(capacity: 4, producers: 2)
        q.push(1)
        q.finish()
        #expect(q.pop() == 1)
        #expect(q.pop(timeout: 0.1).isTimedOut, "one producer is still open")
        q.finish()
        #expect(q.pop() == nil)
    }

    @Test func consumerStoppingEarlyReleasesTheProducer() {
        let q = BoundedQueue<Int>(capacity: 1)
        let result = Atomic<Bool>(true)
        let ok = finishes(within: 5) {
            let producer = Thread {
                var i = 0
                while q.push(i) { i += 1 }  // blocks on the full queue until close()
                result.store(false, ordering: .relaxed)
            }
            producer.start()
            #expect(q.pop() == 0)
            q.close()
            while result.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(ok, "the producer stayed blocked after the consumer closed the queue")
        #expect(q.push(99) == false)
    }

    @Test func leakyQueueNeverBlocksAndEvictsTheOldest() {
        let q = BoundedQueue<Int>(capacity: 2)
        var evicted: [Int] = []
        for i in 0..<5 {
            if case .evicted(let old) = q.pushEvictingOldest(i) { evicted.append(old) }
        }
        #expect(evicted == [0, 1, 2])
        q.finish()
        #expect(q.pop() == 3)
        #expect(q.pop() == 4)
        #expect(q.pop() == nil)
    }
}

struct ReorderQueueTests {
    @Test func restoresOrderFromParallelWorkers() {
        let window = 4, workers = 3, count = 200
        let input = BoundedQueue<Int>(capacity: 2)
        let ordered = ReorderQueue<Int>(window: window, producers: workers)
        let ok = finishes(within: 10) {
            Thread { for i in 0..<count { input.push(i) }; input.finish() }.start()
            for w in 0..<workers {
                Thread {
                    while let i = input.pop() {
                        usleep(UInt32((i * 7919 + w) % 500))  // finish out of order
                        ordered.push(i * 10, sequence: i)
                    }
                    ordered.finish()
                }.start()
            }
            var got: [Int] = []
            while let v = ordered.pop() { got.append(v) }
            #expect(got == (0..<count).map { $0 * 10 })
        }
        #expect(ok, "reordering deadlocked")
    }

    @Test func itemsTooFarAheadWait() {
        let q = ReorderQueue<Int>(window: 2, producers: 1)
        let admitted = Atomic<Bool>(false)
        Thread { q.push(3, sequence: 3); admitted.store(true, ordering: .relaxed) }.start()
        Thread.sleep(forTimeInterval: 0.1)
        let early = admitted.load(ordering: .relaxed)
        #expect(!early, "sequence 3 must wait while 0 has not left (window 2)")
        q.push(0, sequence: 0)
        q.push(1, sequence: 1)
        #expect(q.pop() == 0)
        #expect(q.pop() == 1)
        q.push(2, sequence: 2)
        #expect(q.pop() == 2)
        #expect(q.pop() == 3)
    }
}

struct StageGroupTests {
    /// source -> double -> sink with a failure injected in one stage: every stage ends and the
    /// first error is reported, whichever stage fails.
    @Test(arguments: ["source", "worker", "sink"])
    func errorInAnyStageStopsEveryStage(failing: String) {
        let ok = finishes(within: 10) {
            let a = BoundedQueue<Int>(capacity: 2), b = BoundedQueue<Int>(capacity: 2)
            let group = StageGroup()
            group.register(a, b)
            group.spawn("source") {
                defer { a.finish() }
                for i in 0..<Int.max {
                    if failing == "source" && i == 50 { throw StageFailure(stage: "source") }
                    if !a.push(i) { return }
                }
            }
            group.spawn("worker") {
                defer { b.finish() }
                while let v = a.pop() {
                    if failing == "worker" && v == 50 { throw StageFailure(stage: "worker") }
                    if !b.push(v * 2) { return }
                }
            }
            group.spawn("sink") {
                var n = 0
                while b.pop() != nil {
                    n += 1
                    if failing == "sink" && n == 50 { throw StageFailure(stage: "sink") }
                }
            }
            #expect(throws: StageFailure(stage: failing)) { try group.wait() }
        }
        #expect(ok, "a stage kept running after \(failing) failed")
    }

    @Test func endOfStreamDrainsEverything() throws {
        let a = BoundedQueue<Int>(capacity: 3)
        let group = StageGroup()
        group.register(a)
        let sum = Atomic<Int>(0)
        group.spawn("source") {
            defer { a.finish() }
            for i in 1...1000 { a.push(i) }
        }
        group.spawn("sink") { while let v = a.pop() { sum.add(v, ordering: .relaxed) } }
        try group.wait()
        #expect(sum.load(ordering: .relaxed) == 500_500)
    }

    @Test func consumerStoppingEarlyEndsTheSourceWithoutError() throws {
        let a = BoundedQueue<Int>(capacity: 2)
        let group = StageGroup()
        let produced = Atomic<Int>(0)
        group.spawn("source") {
            defer { a.finish() }
            while a.push(1) { produced.add(1, ordering: .relaxed) }  // an endless source
        }
        group.spawn("sink") {
            for _ in 0..<10 { _ = a.pop() }
            a.close()  // done: tell the source to stop
        }
        #expect(finishes(within: 5) { try group.wait() })
        let count = produced.load(ordering: .relaxed)
        #expect(count < 20)
    }
}

extension TimedPop {
    var isTimedOut: Bool { if case .timedOut = self { true } else { false } }
}
