import Foundation
import Prometheus
import Synchronization
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

/// `vsr stream`: live inputs enhanced in real time and re-published. The input side is never
/// blocked: each camera's reader decodes into a short queue whose oldest frame, when it is
/// full, goes to the overload policy; one worker pool serves every camera in turn and falls back
/// to bicubic (or drops) when a frame could no longer make the latency budget.
public final class StreamJob: Sendable {
    public let settings: StreamSettings
    public let upscaler: any LumaUpscaler
    private let notify: @Sendable (String) -> Void
    private let report: @Sendable (StreamStats.Report) -> Void
    /// systemd's notify socket: READY when the cameras start, WATCHDOG pings from the reporter
    /// thread (they stop if it ever stalls, and systemd restarts vsr), STOPPING on a stop.
    private let service: ServiceNotifier
    /// The Prometheus registry of the run (`/metrics`).
    public let metrics = StreamMetrics()
    /// The cameras now, in configuration order (a reload changes them).
    private let cameras: Mutex<[Camera]>
    /// What a reload needs of the running job (nil before `run` and after it).
    private let running = Mutex<Running?>(nil)
    private let scheduler: FairScheduler<LiveItem>

    private struct Running: Sendable {
        let shared: Camera.Shared
        let stop: StopFlag
        let camerasLeft: WorkCounter
        let finished: StopFlag
    }

    /// `report` receives each stream's figures every `settings.statsInterval` seconds (named by
    /// its `name`, else its input); the caller formats them.
    public init(endpoints: [StreamEndpoint], settings: StreamSettings, upscaler: any LumaUpscaler,
                service: ServiceNotifier = ServiceNotifier(environment: [:]),
                notify: @escaping @Sendable (String) -> Void,
                report: @escaping @Sendable (StreamStats.Report) -> Void) {
        self.service = service
        self.settings = settings
        self.upscaler = upscaler
        self.notify = notify
        self.report = report
        scheduler = FairScheduler<LiveItem>(streams: endpoints.count, depth: settings.effectiveQueueDepth)
        let metrics = self.metrics
        cameras = Mutex(endpoints.enumerated().map {
            Camera(id: $0, endpoint: $1, metrics: metrics, model: upscaler.name, precision: upscaler.precision)
        })
    }

    public var endpoints: [StreamEndpoint] { cameras.withLock { $0.map(\.endpoint) } }
    private var currentCameras: [Camera] { cameras.withLock { $0 } }

    /// Every camera now: totals and state as they are, rates and latency of the last stats
    /// interval. The same reports `--progress json` prints. Safe from any thread; it takes each
    /// camera's counters lock for a moment, never anything a camera thread waits on for longer.
    public func reports() -> [StreamStats.Report] {
        currentCameras.map { $0.stats.current(name: $0.label, health: $0.health, staleAfter: settings.staleAfterSeconds) }
    }

    /// A JPEG of camera `name`'s latest `view`; nil when there is no such camera or picture yet.
    /// Encoded on the calling thread (at most one per camera at a time, cached for a second).
    public func snapshot(camera name: String, view: SnapshotView) throws -> [UInt8]? {
        guard let c = currentCameras.first(where: { $0.label == name }) else { return nil }
        return try c.snapshots.jpeg(view)
    }

    /// The Prometheus exposition text now.
    public func metricsText() -> [UInt8] { metrics.text(cameras: currentCameras, staleAfter: settings.staleAfterSeconds) }

    public struct Summary: Sendable {
        /// Each stream's totals over the run.
        public let streams: [StreamStats.Report]
        /// What to change when the network fell behind on more than a tenth of some stream's
        /// frames (nil when it kept up).
        public let advice: String?
        /// Cameras that were given up or whose file output failed: the camera, and why.
        public let failures: [(camera: String, why: String)]
    }

    /// What a reload did, by camera name.
    public struct Reload: Codable, Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []
        public var unchanged: [String] = []
    }

    /// Runs every camera until `stop` (Ctrl-C, --duration) or until every one has stopped (its
    /// input ended, or it was given up). A camera's failure is its own: it is reported in its state
    /// and in `failures`, never thrown.
    public func run(stop: StopFlag = StopFlag()) throws -> Summary {
        let start = monotonicNanos()
        let workers = max(1, settings.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let scheduler = self.scheduler
        let group = StageGroup()
        group.register(scheduler, stop)
        let shared = Camera.Shared(settings: settings, scale: upscaler.scale, workers: workers, scheduler: scheduler,
                                   group: group, metrics: metrics, notify: notify)
        let finished = StopFlag()  // every camera has stopped
        let initial = currentCameras
        let state = Running(shared: shared, stop: stop, camerasLeft: WorkCounter(initial.count), finished: finished)
        running.withLock { $0 = state }
        // A stop interrupts every camera's blocked open or read at once (the cameras of then:
        // a reload after a stop is refused).
        stop.onRaise { [self] in
            running.withLock { $0 = nil }
            currentCameras.forEach { $0.stop() }
        }
        for c in initial { launch(c, state) }
        for w in 0..<workers {
            group.spawn("upscale-\(w)") { [upscaler, settings, metrics] in
                Self.work(scheduler, upscaler: upscaler, settings: settings, busy: metrics.upscaleBusy)
            }
        }

        // Periodic stats and --duration: the thread sleeps until the next report or the end of
        // the run, whichever is first; the end of every camera wakes it. It also notes a camera
        // going stale and coming back (stale is derived, nobody else sees it happen).
        stop.onRaise { [service] in service.notify("STOPPING=1") }
        let reporter = Thread { [self, settings, report, notify, service] in
            var nextReport = deadline(afterSeconds: settings.statsInterval)
            var nextPing: UInt64 = 0
            func status() -> String {
                let all = currentCameras
                let live = all.filter { $0.health.current(staleAfter: settings.staleAfterSeconds).state == .live }.count
                return "STATUS=\(live) of \(all.count) cameras live"
            }
            service.notify("READY=1\n" + status())
            let end = settings.duration.map { deadline(afterSeconds: $0) } ?? UInt64.max
            var stale: Set<String> = []
            while !finished.wait(until: min(nextReport, end, deadline(afterSeconds: 0.5), service.watchdogInterval == nil ? .max : nextPing)) {
                let now = monotonicNanos()
                if let interval = service.watchdogInterval, now >= nextPing, !stop.isRaised {
                    service.notify("WATCHDOG=1\n" + status())
                    nextPing = deadline(afterSeconds: interval)
                }
                if now >= end { stop.raise() }
                let all = currentCameras
                var staleNow: Set<String> = []
                for c in all where c.health.current(staleAfter: settings.staleAfterSeconds).state == .stale {
                    if !stale.contains(c.label) { notify("\(c.label): stale (no new frame for \(settings.staleAfterSeconds) s)") }
                    staleNow.insert(c.label)
                }
                stale = staleNow
                if now >= nextReport {
                    nextReport = deadline(afterSeconds: settings.statsInterval)
                    for c in all {
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
        running.withLock { $0 = nil }
        let seconds = Double(monotonicNanos() - start) / 1e9
        let all = currentCameras
        let reports = all.map {
            $0.stats.summary(name: $0.label, health: $0.health, staleAfter: settings.staleAfterSeconds, seconds: seconds)
        }
        let failures = all.compactMap { c in c.failure.withLock { $0 }.map { (camera: c.label, why: $0) } }
        return Summary(streams: reports, advice: Self.advice(reports, model: upscaler.name), failures: failures)
    }

    /// Starts a camera's supervisor (after `predecessor`, the camera it replaces, has finished its
    /// outputs: they may be the same files or ports); the job ends when the last one has stopped.
    private func launch(_ c: Camera, _ state: Running, after predecessor: Camera? = nil) {
        let (metrics, scheduler) = (metrics, scheduler)
        state.shared.group.spawn("camera-\(c.id)") {
            predecessor?.ended.wait(until: UInt64.max)
            c.supervise(stop: c.stopFlag, shared: state.shared)
            c.supervisorEnded(metrics: metrics, scheduler: scheduler)
            if state.camerasLeft.done() == 0 { state.finished.raise(); scheduler.close() }
        }
    }

    /// Changes the running cameras to `endpoints` (matched by name): added ones start, removed
    /// ones stop (their outputs finished, as at the end of a run), changed ones (another input,
    /// output or format) stop and start again; the others run on untouched. Throws, changing
    /// nothing, when the job is not running.
    @discardableResult
    public func reconfigure(_ endpoints: [StreamEndpoint]) throws -> Reload {
        let (reload, stopped): (Reload, [Camera]) = try running.withLock { state in
            guard let state, !state.stop.isRaised else { throw StreamConfigError("vsr is not running: nothing to reconfigure") }
            var reload = Reload(), next: [Camera] = [], stopped: [Camera] = []
            let old = cameras.withLock { $0 }
            for e in endpoints {
                let predecessor = old.first(where: { $0.label == e.label })
                if let c = predecessor {
                    if c.endpoint == e {
                        reload.unchanged.append(e.label)
                        next.append(c)
                        continue
                    }
                    reload.changed.append(e.label)
                    stopped.append(c)
                    c.retire(from: metrics, scheduler: scheduler, replaced: true)
                } else {
                    reload.added.append(e.label)
                }
                // Counted before any old camera ends, so the job never sees "none left" in between.
                state.camerasLeft.add()
                let fresh = Camera(id: scheduler.addStream(), endpoint: e, metrics: metrics, model: upscaler.name,
                                   precision: upscaler.precision)
                next.append(fresh)
                launch(fresh, state, after: predecessor)
            }
            for c in old where !endpoints.contains(where: { $0.label == c.label }) {
                reload.removed.append(c.label)
                stopped.append(c)
                c.retire(from: metrics, scheduler: scheduler, replaced: false)
            }
            cameras.withLock { $0 = next }
            return (reload, stopped)
        }
        for c in stopped { c.stop() }
        let parts = [("added", reload.added), ("removed", reload.removed), ("restarted", reload.changed)]
            .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.joined(separator: ", "))" }
        notify("configuration reloaded: " + (parts.isEmpty ? "no change" : parts.joined(separator: "; ")))
        return reload
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

