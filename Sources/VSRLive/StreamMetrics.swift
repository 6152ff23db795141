import Foundation
import Prometheus
import Synchronization

/// The Prometheus side of `vsr stream`: counters and the latency histogram are updated as things
/// happen (by the camera threads, lock-free or under swift-prometheus's own short locks), gauges
/// are set when scraped. One registry for the run; `text()` is the /metrics body.
public final class StreamMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Seconds the shared workers spent upscaling, and the encoder threads encoding: their rate
    /// is the busy share of each stage (rate(vsr_upscale_busy_seconds_total[1m]) / cores).
    let upscaleBusy: Counter
    let encodeBusy: Counter
    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let openFDs: Gauge
    private let startTime: Gauge
    /// CPU seconds already added to the counter (scrapes add what is new).
    private let cpuReported = Mutex<Double>(0)

    public init() {
        upscaleBusy = registry.makeCounter(descriptor: metric("vsr_upscale_busy_seconds", "total",
                                                              "Seconds the upscale workers spent upscaling (all workers together)"))
        encodeBusy = registry.makeCounter(descriptor: metric("vsr_encode_busy_seconds", "total",
                                                             "Seconds the camera encoders spent encoding and muxing"))
        cpuSeconds = registry.makeCounter(descriptor: metric("process_cpu_seconds", "total", "User and system CPU time of the process"))
        residentBytes = registry.makeGauge(descriptor: metric("process_resident_memory", "bytes", "Resident memory of the process"))
        openFDs = registry.makeGauge(descriptor: metric("process_open_fds", "", "Open file descriptors of the process"))
        startTime = registry.makeGauge(descriptor: metric("process_start_time", "seconds", "When the process started, seconds since 1970"))
        startTime.set(to: Date().timeIntervalSince1970 - ProcessInfo.processInfo.systemUptime + Self.processStartUptime())
    }

    /// The exposition text, with every gauge brought up to date first.
    func text(cameras: [Camera], staleAfter: Double) -> [UInt8] {
        cpuReported.withLock { reported in
            let now = Self.cpuTime()
            if now > reported { cpuSeconds.increment(by: now - reported) }
            reported = max(reported, now)
        }
        residentBytes.set(to: Double(Self.residentBytes()))
        openFDs.set(to: Double(Self.openFileCount()))
        for c in cameras { c.stats.metrics.refresh(c.health, staleAfter: staleAfter) }
        return registry.emitToBuffer()
    }

    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openFileCount() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count }

    /// The process's start, in seconds of system uptime (field 22 of /proc/self/stat, in ticks).
    static func processStartUptime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 19,
              let ticks = Double(fields[19]) else { return ProcessInfo.processInfo.systemUptime }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// A metric's name ("vsr_frames_in" + unit "total") and help, as swift-prometheus takes them.
private func metric(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
}

/// One camera's series, labelled `camera`.
final class CameraMetrics: Sendable {
    let framesIn, upscaled, fallback, dropped, framesOut, repeated, reconnects, decodeErrors: Counter
    /// Frame received -> packet written, seconds.
    let latency: ValueHistogram
    /// The stream's compression level (H.264 QP averaged over recent frames), -1 where the codec exports none.
    let inputQP: Gauge
    private let up: Gauge
    private let sinceFrame: Gauge
    private let states: [(CameraState, Gauge)]
    private let info: Gauge

    init(_ registry: PrometheusCollectorRegistry, camera: String, input: String, model: String, precision: String) {
        let l = [("camera", camera)]
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: metric(name, "total", help), labels: l)
        }
        framesIn = counter("vsr_frames_in", "Frames decoded from the camera")
        upscaled = counter("vsr_frames_upscaled", "Frames upscaled by the network")
        fallback = counter("vsr_frames_fallback", "Frames upscaled with bicubic because the network could not make the latency budget")
        dropped = counter("vsr_frames_dropped", "Frames not written (--on-overload drop, over budget, receiver away)")
        framesOut = counter("vsr_frames_out", "Frames written, repeats of the last picture included")
        repeated = counter("vsr_frames_repeated", "The last picture written again while the input is down")
        reconnects = counter("vsr_reconnects", "Inputs reopened and receivers reconnected")
        decodeErrors = counter("vsr_decode_errors", "Packets the decoder refused")
        latency = registry.makeValueHistogram(descriptor: metric("vsr_latency", "seconds", "End-to-end latency, frame received to packet written"),
                                              labels: l, buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5])
        inputQP = registry.makeGauge(descriptor: metric("vsr_input_qp", "", "The stream's H.264 QP (mean over recent frames); -1 where the codec exports none"),
                                     labels: l)
        inputQP.set(to: -1)
        up = registry.makeGauge(descriptor: metric("vsr_camera_up", "", "1 while the camera is live, else 0"), labels: l)
        sinceFrame = registry.makeGauge(descriptor: metric("vsr_seconds_since_last_frame", "",
                                                           "Seconds since the camera's last frame (-1 before the first)"), labels: l)
        states = CameraState.allCases.map {
            ($0, registry.makeGauge(descriptor: metric("vsr_camera_state", "", "1 for the camera's current state"),
                                    labels: l + [("state", $0.rawValue)]))
        }
        info = registry.makeGauge(descriptor: metric("vsr_camera_info", "", "The camera's input, model and arithmetic"),
                                  labels: l + [("input", input), ("model", model), ("precision", precision)])
        info.set(to: 1)
    }

    /// A camera removed by a reload leaves no series behind.
    func unregister(from registry: PrometheusCollectorRegistry) {
        for c in [framesIn, upscaled, fallback, dropped, framesOut, repeated, reconnects, decodeErrors] { registry.unregisterCounter(c) }
        registry.unregisterValueHistogram(latency)
        for g in [inputQP, up, sinceFrame, info] + states.map(\.1) { registry.unregisterGauge(g) }
    }

    func unregisterInfo(from registry: PrometheusCollectorRegistry) { registry.unregisterGauge(info) }

    func refresh(_ health: CameraHealth, staleAfter: Double) {
        let state = health.current(staleAfter: staleAfter).state
        up.set(to: state == .live ? 1 : 0)
        sinceFrame.set(to: health.secondsSinceFrame ?? -1)
        for (s, g) in states { g.set(to: s == state ? 1 : 0) }
    }
}
