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

    /// The camera's Prometheus series: each event counts there too.
    let metrics: CameraMetrics
    /// The rates and percentiles of the last finished interval (the JSON API shows them).
    private var lastInterval = (inFPS: 0.0, outFPS: 0.0, p50: 0.0, p95: 0.0, p99: 0.0)

    init(metrics: CameraMetrics) { self.metrics = metrics }

    func received() { lock.withLock { framesIn += 1; intervalIn += 1 }; metrics.framesIn.increment() }
    func upscaledOne() { lock.withLock { upscaled += 1 }; metrics.upscaled.increment() }
    func fellBack() { lock.withLock { fallback += 1 }; metrics.fallback.increment() }
    func droppedOne() { lock.withLock { dropped += 1 }; metrics.dropped.increment() }
    func reconnected() { lock.withLock { reconnects += 1 }; metrics.reconnects.increment() }
    func decodeError() { metrics.decodeErrors.increment() }
    func repeatedOne() {
        lock.withLock { repeated += 1; framesOut += 1; intervalOut += 1 }
        metrics.repeated.increment()
        metrics.framesOut.increment()
    }
    func wrote(latencyMilliseconds ms: Double) {
        lock.withLock {
            framesOut += 1
            intervalOut += 1
            interval.add(milliseconds: ms)
            total.add(milliseconds: ms)
        }
        metrics.framesOut.increment()
        metrics.latency.record(ms / 1000)
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
                           outputFPS: Double(intervalOut) / seconds, percentiles: interval.percentiles)
            lastInterval = (r.inputFps, r.outputFps, r.latencyMsP50, r.latencyMsP95, r.latencyMsP99)
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
                   outputFPS: Double(framesOut) / max(seconds, 1e-3), percentiles: total.percentiles)
        }
    }

    /// Now: the totals and state as they are, the rates and percentiles of the last interval.
    func current(name: String, health: CameraHealth, staleAfter: Double) -> Report {
        let status = health.current(staleAfter: staleAfter), quiet = health.secondsSinceFrame
        return lock.withLock {
            report(name: name, status: status, quiet: quiet, inputFPS: lastInterval.inFPS, outputFPS: lastInterval.outFPS,
                   percentiles: (lastInterval.p50, lastInterval.p95, lastInterval.p99))
        }
    }

    /// The lock held.
    private func report(name: String, status: CameraStatus, quiet: Double?, inputFPS: Double, outputFPS: Double,
                        percentiles p: (Double, Double, Double)) -> Report {
        Report(stream: name, state: status.state, stateSince: round2(status.since), lastError: status.lastError,
               secondsSinceFrame: quiet.map(round2), inputFps: round2(inputFPS), outputFps: round2(outputFPS), framesIn: framesIn,
               framesOut: framesOut, upscaled: upscaled, fallback: fallback, dropped: dropped, reconnects: reconnects,
               repeated: repeated, latencyMsP50: p.0, latencyMsP95: p.1, latencyMsP99: p.2)
    }
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
