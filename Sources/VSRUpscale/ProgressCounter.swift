import Synchronization
import VSRPipeline

/// Counters the pipeline updates and a reporter reads; lock-free.
public final class ProgressCounter: Sendable {
    let framesOut = Atomic<Int>(0)
    /// Frames finished by an earlier run (a resumed job): counted as done, not in the speed.
    let resumedFrames = Atomic<Int>(0)
    let decodeErrors = Atomic<Int>(0)
    /// Estimated total frames (0: unknown).
    let expectedFrames = Atomic<Int>(0)
    let startNanos = Atomic<UInt64>(monotonicNanos())

    public init() {}

    public struct Snapshot: Sendable {
        /// Frames done, an earlier run's included.
        public let frames: Int
        /// Frames done by this run: the speed and the ETA come from these.
        public let framesThisRun: Int
        public let expected: Int
        public let seconds: Double
        public let decodeErrors: Int
        public var fps: Double { seconds > 0 ? Double(framesThisRun) / seconds : 0 }
    }

    public func snapshot() -> Snapshot {
        let now = monotonicNanos()
        let done = framesOut.load(ordering: .relaxed)
        return Snapshot(frames: done + resumedFrames.load(ordering: .relaxed), framesThisRun: done,
                        expected: expectedFrames.load(ordering: .relaxed),
                        seconds: Double(now &- startNanos.load(ordering: .relaxed)) / 1e9,
                        decodeErrors: decodeErrors.load(ordering: .relaxed))
    }
}
