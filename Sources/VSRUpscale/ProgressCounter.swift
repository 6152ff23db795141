import Synchronization
import VSRPipeline

/// Counters the pipeline updates and a reporter reads; lock-free.
public final class ProgressCounter: Sendable {
    let framesOut = Atomic<Int>(0)
    let decodeErrors = Atomic<Int>(0)
    /// Estimated total frames (0: unknown).
    let expectedFrames = Atomic<Int>(0)
    let startNanos = Atomic<UInt64>(monotonicNanos())

    public init() {}

    public struct Snapshot: Sendable {
        public let frames: Int
        public let expected: Int
        public let seconds: Double
        public let decodeErrors: Int
        public var fps: Double { seconds > 0 ? Double(frames) / seconds : 0 }
    }

    public func snapshot() -> Snapshot {
        let now = monotonicNanos()
        return Snapshot(frames: framesOut.load(ordering: .relaxed), expected: expectedFrames.load(ordering: .relaxed),
                        seconds: Double(now &- startNanos.load(ordering: .relaxed)) / 1e9,
                        decodeErrors: decodeErrors.load(ordering: .relaxed))
    }
}
