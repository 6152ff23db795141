
import Synchronization

/// Busy time of each pipeline stage (time spent working, not waiting on a queue), so a
/// benchmark can name the bottleneck.
public final class StageClock: Sendable {
    public enum Stage: Int, CaseIterable, Sendable {
        case demux, decode, upscale, chroma, encode, mux
        public var name: String { String(describing: self) }
    }

    /// A handful of updates per frame: a lock costs nothing here.
    private let nanos = Mutex<[UInt64]>([UInt64](repeating: 0, count: Stage.allCases.count))

    public init() {}

    /// Runs `body`, adding its duration to `stage`.
    @inline(__always)
    public func time<T, E: Error>(_ stage: Stage, _ body: () throws(E) -> T) throws(E) -> T {
        let start = monotonicNanos()
        defer { add(stage, nanos: monotonicNanos() &- start) }
        return try body()
    }

    public func add(_ stage: Stage, nanos n: UInt64) { nanos.withLock { $0[stage.rawValue] &+= n } }

    public func seconds(_ stage: Stage) -> Double { Double(nanos.withLock { $0[stage.rawValue] }) / 1e9 }
}
