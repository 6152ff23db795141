import Foundation
import Prometheus
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

/// `vsr stream`: live inputs enhanced in real time and re-published. The input side is never
/// blocked: each camera's reader decodes into a short queue whose oldest frame, when it is
/// full, goes to the overload policy; one worker pool serves every camera in turn and falls back
/// to bicubic (or drops) when a frame could no longer make the latency budget.
public final class StreamJob: @unchecked Sendable {
    public let endpoints: [StreamEndpoint]
    public let settings: StreamSettings
    public let upscaler: any LumaUpscaler
    private let notify: @Sendable (String) -> Void
    private let report: @Sendable (StreamStats.Report) -> Void

    /// `report` receives each stream's figures every `settings.statsInterval` seconds (named by
    /// its `name`, else its input); the caller formats them.
    /// systemd's notify socket: READY when the cameras start, WATCHDOG pings from the reporter
    /// thread (they stop if it ever stalls, and systemd restarts vsr), STOPPING on a stop.
    private let service: ServiceNotifier

    public init(endpoints: [StreamEndpoint], settings: StreamSettings, upscaler: any LumaUpscaler,
                service: ServiceNotifier = ServiceNotifier(environment: [:]),
                notify: @escaping @Sendable (String) -> Void,
                report: @escaping @Sendable (StreamStats.Report) -> Void) {
        self.service = service
        self.endpoints = endpoints
        self.settings = settings
        self.upscaler = upscaler
        self.notify = notify
        self.report = report
        cameras = endpoints.enumerated().map { [metrics] in
            Camera(id: $0, endpoint: $1, metrics: metrics, model: upscaler.name, precision: upscaler.precision)
        }
    }

    /// The Prometheus registry of the run (`/metrics`).
    public let metrics = StreamMetrics()
    private let cameras: [Camera]

    /// Every camera now: totals and state as they are, rates and latency of the last stats
    /// interval. The same reports `--progress json` prints. Safe from any thread; it takes each
    /// camera's counters lock for a moment, never anything a camera thread waits on for longer.
    public func reports() -> [StreamStats.Report] {
        cameras.map { $0.stats.current(name: $0.label, health: $0.health, staleAfter: settings.staleAfterSeconds) }
    }

    /// A JPEG of camera `name`'s latest `view`; nil when there is no such camera or picture yet.
    /// Encoded on the calling thread (at most one per camera at a time, cached for a second).
    public func snapshot(camera name: String, view: SnapshotView) throws -> [UInt8]? {
        guard let c = cameras.first(where: { $0.label == name }) else { return nil }
        return try c.snapshots.jpeg(view)
    }

    /// The Prometheus exposition text now.
    public func metricsText() -> [UInt8] { metrics.text(cameras: cameras, staleAfter: settings.staleAfterSeconds) }

    public struct Summary: Sendable {
        /// Each stream's totals over the run.
        public let streams: [StreamStats.Report]
        /// What to change when the network fell behind on more than a tenth of some stream's
        /// frames (nil when it kept up).
        public let advice: String?
        /// Cameras that were given up or whose file output failed: the camera, and why.
        public let failures: [(camera: String, why: String)]
    }

    /// Runs every camera until `stop` (Ctrl-C, --duration) or until every one has stopped (its
    /// input ended, or it was given up). A camera's failure is its own: it is reported in its state
    /// and in `failures`, never thrown.
    public func run(stop: StopFlag = StopFlag()) throws -> Summary {
        let start = monotonicNanos()
        let workers = max(1, settings.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let cameras = self.cameras
        // A stop interrupts every camera's blocked open or read at once.
        stop.onRaise { cameras.forEach { $0.stop() } }
        let scheduler = FairScheduler<LiveItem>(streams: cameras.count, depth: settings.effectiveQueueDepth)
        let group = StageGroup()
        group.register(scheduler, stop)
        let shared = Camera.Shared(settings: settings, scale: upscaler.scale, workers: workers, scheduler: scheduler,
                                   group: group, metrics: metrics, notify: notify)
        let finished = StopFlag()  // every camera has stopped

        let camerasLeft = WorkCounter(cameras.count)
        for c in cameras {
            group.spawn("camera-\(c.id)") {
                c.supervise(stop: stop, shared: shared)
                if camerasLeft.done() == 0 { finished.raise(); scheduler.close() }
            }
        }
        for w in 0..<workers {
            group.spawn("upscale-\(w)") { [upscaler, settings, metrics] in
                Self.work(scheduler, upscaler: upscaler, settings: settings, busy: metrics.upscaleBusy)
            }
        }

        // Periodic stats and --duration: the thread sleeps until the next report or the end of
        // the run, whichever is first; the end of every camera wakes it. It also notes a camera
        // going stale and coming back (stale is derived, nobody else sees it happen).
        stop.onRaise { [service] in service.notify("STOPPING=1") }
        let reporter = Thread { [settings, report, notify, service] in
            var nextReport = deadline(afterSeconds: settings.statsInterval)
            var nextPing: UInt64 = 0
            func status() -> String {
                let live = cameras.filter { $0.health.current(staleAfter: settings.staleAfterSeconds).state == .live }.count
                return "STATUS=\(live) of \(cameras.count) cameras live"
            }
            service.notify("READY=1\n" + status())
            let end = settings.duration.map { deadline(afterSeconds: $0) } ?? UInt64.max
            var stale = [Bool](repeating: false, count: cameras.count)
            while !finished.wait(until: min(nextReport, end, deadline(afterSeconds: 0.5), service.watchdogInterval == nil ? .max : nextPing)) {
                let now = monotonicNanos()
                if let interval = service.watchdogInterval, now >= nextPing, !stop.isRaised {
                    service.notify("WATCHDOG=1\n" + status())
                    nextPing = deadline(afterSeconds: interval)
                }
                if now >= end { stop.raise() }
                for c in cameras {
                    let isStale = c.health.current(staleAfter: settings.staleAfterSeconds).state == .stale
                    if isStale && !stale[c.id] { notify("\(c.label): stale (no new frame for \(settings.staleAfterSeconds) s)") }
                    stale[c.id] = isStale
                }
                if now >= nextReport {
                    nextReport = deadline(afterSeconds: settings.statsInterval)
                    for c in cameras {
                        report(c.stats.intervalReport(name: c.label, health: c.health, staleAfter: settings.staleAfterSeconds))
                    }
                }
            }
        }
        reporter.start()
        do { try group.wait() } catch {
            stop.raise()
            finished.raise()
            throw error
        }
        finished.raise()
        let seconds = Double(monotonicNanos() - start) / 1e9
        let reports = cameras.map {
            $0.stats.summary(name: $0.label, health: $0.health, staleAfter: settings.staleAfterSeconds, seconds: seconds)
        }
        let failures = cameras.compactMap { c in c.failure.withLock { $0 }.map { (camera: c.label, why: $0) } }
        return Summary(streams: reports, advice: Self.advice(reports, model: upscaler.name), failures: failures)
    }

    /// A shared worker: frames from every camera in turn. Its tools (network and bicubic, per
    /// camera) are made for a session and kept while the camera's session is the same. A frame
    /// the network cannot upscale (it throws) falls back like a late one: no worker ever ends
    /// the job for one camera's sake.
    static func work(_ scheduler: FairScheduler<LiveItem>, upscaler: any LumaUpscaler, settings: StreamSettings, busy: Counter) {
        let budgetNanos = UInt64(settings.maxLatencyMilliseconds * 1e6)
        let bicubic = BicubicUpscaler(scale: upscaler.scale)
        var tools: [Int: (generation: Int, network: FrameUpscaler?, bicubic: FrameUpscaler?)] = [:]
        while let (id, item) = scheduler.take() {
            let s = item.stream
            if tools[id]?.generation != s.generation {
                tools[id] = (s.generation,
                             try? FrameUpscaler(layout: s.layout, upscaler: upscaler, outputPool: s.outputPool, encoderPool: nil),
                             try? FrameUpscaler(layout: s.layout, upscaler: bicubic, outputPool: s.outputPool, encoderPool: nil))
            }
            let t = tools[id]!
            let age = monotonicNanos() &- item.received
            let predicted = UInt64(s.networkMillis.load(ordering: .relaxed)) * 1_000_000
            guard let network = t.network, age &+ predicted <= budgetNanos * 8 / 10 else {
                fallBack(item, in: s, policy: settings.overload, using: t.bicubic)
                continue
            }
            let t0 = monotonicNanos()
            guard let out = try? network.upscale(item.frame) else {
                fallBack(item, in: s, policy: settings.overload, using: t.bicubic)
                continue
            }
            let nanos = monotonicNanos() &- t0
            busy.increment(by: Double(nanos) / 1e9)
            let ms = Int(nanos / 1_000_000)
            let old = s.networkMillis.load(ordering: .relaxed)
            s.networkMillis.store(old == 0 ? ms : (old * 7 + ms) / 8, ordering: .relaxed)
            s.stats.upscaledOne()
            s.results.push(.frame(out, received: item.received, pts: item.pts), sequence: item.sequence)
            s.inFlight.done()
        }
    }

    static func fallBack(_ item: LiveItem, in s: LiveStream, policy: OverloadPolicy, using bicubic: FrameUpscaler?) {
        defer { s.inFlight.done() }
        switch policy {
        case .bicubic:
            guard let out = try? bicubic?.upscale(item.frame) else { fallthrough }
            s.stats.fellBack()
            s.results.push(.frame(out, received: item.received, pts: item.pts), sequence: item.sequence)
        case .drop:
            s.stats.droppedOne()
            s.results.push(.dropped, sequence: item.sequence)
        }
    }
}

extension StreamJob {
    static func advice(_ reports: [StreamStats.Report], model: String) -> String? {
        // Each frame counted once: those the network did not upscale (a frame that fell back and
        // was then dropped by the encoder is one frame, not two: the note said "110 %").
        let behind = reports.map { Double(max(0, $0.framesIn - $0.upscaled)) / Double(max(1, $0.framesIn)) }.max() ?? 0
        guard behind > 0.1 else { return nil }
        let faster = model.contains("fast") || model == "bicubic" ? "" : "--model fast, "
        return "\(Int((100 * behind).rounded())) % of frames were not upscaled in time (bicubic fallback or dropped): "
            + "\(model) is too slow for these streams on this machine; try \(faster)a smaller --scale or fewer cameras per process"
    }
}

