import Foundation
import VSRPipeline

/// Counters of one live stream, updated by its threads, read by the reporter.
public final class StreamStats: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var framesIn = 0, framesOut = 0, upscaled = 0, fallback = 0, dropped = 0, reconnects = 0
    /// Frames re-sent to keep the output alive while the input is down (counted in framesOut).
    private(set) var repeated = 0
    private var interval = LatencyHistogram(), total = LatencyHistogram()
    private var intervalIn = 0, intervalOut = 0
    private var intervalStart = monotonicNanos()

    func received() { lock.withLock { framesIn += 1; intervalIn += 1 } }
    func upscaledOne() { lock.withLock { upscaled += 1 } }
    func fellBack() { lock.withLock { fallback += 1 } }
    func droppedOne() { lock.withLock { dropped += 1 } }
    func reconnected() { lock.withLock { reconnects += 1 } }
    func repeatedOne() { lock.withLock { repeated += 1; framesOut += 1; intervalOut += 1 } }
    func wrote(latencyMilliseconds ms: Double) {
        lock.withLock {
            framesOut += 1
            intervalOut += 1
            interval.add(milliseconds: ms)
            total.add(milliseconds: ms)
        }
    }

    /// One stream's figures, over an interval or the whole run (`--progress json` encodes it
    /// with snake_case keys: input_fps, frames_out, latency_ms_p99, ...).
    public struct Report: Codable, Sendable {
        public let stream: String
        /// The camera's state when the report was made, since when (seconds since 1970), its last error.
        public let state: CameraState
        public let stateSince: Double
        public let lastError: String?
        /// Seconds since its last frame (nil before the first).
        public let secondsSinceFrame: Double?
        public let inputFps: Double, outputFps: Double
        public let framesIn: Int, framesOut: Int, upscaled: Int, fallback: Int, dropped: Int, reconnects: Int
        /// Frames re-sent to keep the output alive while the input is down (counted in framesOut).
        public let repeated: Int
        public let latencyMsP50: Double, latencyMsP95: Double, latencyMsP99: Double
    }

    /// The interval since the last call (rates, percentiles), then starts a new interval.
    func intervalReport(name: String, health: CameraHealth, staleAfter: Double) -> Report {
        let status = health.current(staleAfter: staleAfter), quiet = health.secondsSinceFrame
        return lock.withLock {
            let seconds = max(Double(monotonicNanos() &- intervalStart) / 1e9, 1e-3)
            let r = report(name: name, status: status, quiet: quiet, inputFPS: Double(intervalIn) / seconds,
                           outputFPS: Double(intervalOut) / seconds, latency: interval)
            interval.reset()
            intervalIn = 0
            intervalOut = 0
            intervalStart = monotonicNanos()
            return r
        }
    }

    /// Totals over the whole run.
    func summary(name: String, health: CameraHealth, staleAfter: Double, seconds: Double) -> Report {
        let status = health.current(staleAfter: staleAfter), quiet = health.secondsSinceFrame
        return lock.withLock {
            report(name: name, status: status, quiet: quiet, inputFPS: Double(framesIn) / max(seconds, 1e-3),
                   outputFPS: Double(framesOut) / max(seconds, 1e-3), latency: total)
        }
    }

    /// The lock held.
    private func report(name: String, status: CameraStatus, quiet: Double?, inputFPS: Double, outputFPS: Double,
                        latency: LatencyHistogram) -> Report {
        Report(stream: name, state: status.state, stateSince: round2(status.since), lastError: status.lastError,
               secondsSinceFrame: quiet.map(round2), inputFps: round2(inputFPS), outputFps: round2(outputFPS), framesIn: framesIn, framesOut: framesOut,
               upscaled: upscaled, fallback: fallback, dropped: dropped, reconnects: reconnects, repeated: repeated,
               latencyMsP50: latency.percentile(50), latencyMsP95: latency.percentile(95), latencyMsP99: latency.percentile(99))
    }
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
