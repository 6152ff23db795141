import Foundation

/// Counters of one live stream, updated by its threads, read by the reporter.
final class StreamStats: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var framesIn = 0, framesOut = 0, upscaled = 0, fallback = 0, dropped = 0, reconnects = 0
    /// Frames re-sent to keep the output alive while the input is down (counted in framesOut).
    private(set) var repeated = 0
    private var interval = LatencyHistogram(), total = LatencyHistogram()
    private var intervalIn = 0, intervalOut = 0
    private var intervalStart = Date()

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

    struct Report: Sendable {
        let name: String
        let inputFPS: Double, outputFPS: Double
        let framesIn: Int, framesOut: Int, upscaled: Int, fallback: Int, dropped: Int, reconnects: Int, repeated: Int
        let p50: Double, p95: Double, p99: Double

        var line: String {
            String(format: "%@in %.1f fps  out %.1f fps  upscaled %d  fallback %d  dropped %d  latency p50/p95/p99 %.0f/%.0f/%.0f ms  reconnects %d",
                   name.isEmpty ? "" : "[\(name)] ", inputFPS, outputFPS, upscaled, fallback, dropped, p50, p95, p99, reconnects)
        }

        var json: [String: Any] {
            ["stream": name, "input_fps": round2(inputFPS), "output_fps": round2(outputFPS), "frames_in": framesIn,
             "frames_out": framesOut, "upscaled": upscaled, "fallback": fallback, "dropped": dropped,
             "latency_ms_p50": p50, "latency_ms_p95": p95, "latency_ms_p99": p99, "reconnects": reconnects,
             "repeated": repeated]
        }
    }

    /// The interval since the last call (rates, percentiles), then starts a new interval.
    func intervalReport(name: String) -> Report {
        lock.withLock {
            let seconds = max(Date().timeIntervalSince(intervalStart), 1e-3)
            let r = Report(name: name, inputFPS: Double(intervalIn) / seconds, outputFPS: Double(intervalOut) / seconds,
                           framesIn: framesIn, framesOut: framesOut, upscaled: upscaled, fallback: fallback, dropped: dropped,
                           reconnects: reconnects, repeated: repeated, p50: interval.percentile(50), p95: interval.percentile(95), p99: interval.percentile(99))
            interval.reset()
            intervalIn = 0
            intervalOut = 0
            intervalStart = Date()
            return r
        }
    }

    /// Totals over the whole run.
    func summary(name: String, seconds: Double) -> Report {
        lock.withLock {
            Report(name: name, inputFPS: Double(framesIn) / max(seconds, 1e-3), outputFPS: Double(framesOut) / max(seconds, 1e-3),
                   framesIn: framesIn, framesOut: framesOut, upscaled: upscaled, fallback: fallback, dropped: dropped,
                   reconnects: reconnects, repeated: repeated, p50: total.percentile(50), p95: total.percentile(95), p99: total.percentile(99))
        }
    }
}
