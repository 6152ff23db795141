import Synchronization
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

/// One configured camera for the whole run: its counters, its state, and the supervisor that
/// opens it, runs a session, and opens it again. Nothing that happens to it reaches another
/// camera: a camera that is down at start, or whose output fails, is retried on its own with
/// capped backoff (until vsr stops, or `settings.giveUp` says otherwise).
final class Camera: Sendable {
    let id: Int
    let endpoint: StreamEndpoint
    let stats: StreamStats
    let health = CameraHealth()
    let snapshots = Snapshots()
    /// Raised once when vsr stops: every open and read of this camera watches it.
    let interrupt = InterruptFlag()
    /// The session running now, so a stop reaches it.
    private let session = Mutex<LiveStream?>(nil)
    /// Why the camera was given up, or why its output could not go on (nil: it ran to the end).
    let failure = Mutex<String?>(nil)

    init(id: Int, endpoint: StreamEndpoint, metrics: StreamMetrics, model: String, precision: String) {
        self.id = id
        self.endpoint = endpoint
        stats = StreamStats(metrics: CameraMetrics(metrics.registry, camera: endpoint.label, input: redactedURL(endpoint.input),
                                                   model: model, precision: precision))
    }

    var label: String { endpoint.label }

    /// What the shared part of the job gives every camera.
    final class Shared: Sendable {
        let settings: StreamSettings
        let scale: Int
        let workers: Int
        let scheduler: FairScheduler<LiveItem>
        let group: StageGroup
        let metrics: StreamMetrics
        let notify: @Sendable (String) -> Void
        /// Numbers the sessions (see LiveStream.generation).
        let generations = Atomic<Int>(0)

        init(settings: StreamSettings, scale: Int, workers: Int, scheduler: FairScheduler<LiveItem>, group: StageGroup,
             metrics: StreamMetrics, notify: @escaping @Sendable (String) -> Void) {
            self.metrics = metrics
            self.settings = settings
            self.scale = scale
            self.workers = workers
            self.scheduler = scheduler
            self.group = group
            self.notify = notify
        }
    }

    /// Raised to stop this camera alone (vsr stops, or a reload removes it).
    let stopFlag = StopFlag()
    /// Raised when its supervisor has returned (its outputs are finished).
    let ended = StopFlag()
    /// A reload removed it; once it has also ended, its metrics (unless a camera of the same name
    /// took them over) and scheduler queue are freed.
    private let retirement = Mutex((retired: false, ended: false, keepSeries: false))

    /// Ends the current session and any open in progress. Thread-safe.
    func stop() {
        stopFlag.raise()
        interrupt.raise()
        session.withLock { $0?.sessionStop.raise() }
    }

    /// Marks the camera removed; its series and queue go when it has ended (now, if it has).
    /// `replaced`: a camera of the same name follows, and goes on with the same counters
    /// (swift-prometheus hands out one object per name and labels); only the info series, whose
    /// labels may change, goes now.
    func retire(from metrics: StreamMetrics, scheduler: FairScheduler<LiveItem>, replaced: Bool) {
        if replaced { stats.metrics.unregisterInfo(from: metrics.registry) }
        let now = retirement.withLock { r in
            r.retired = true
            r.keepSeries = replaced
            return r.ended
        }
        if now { free(metrics, scheduler) }
    }

    /// The supervisor has returned.
    func supervisorEnded(metrics: StreamMetrics, scheduler: FairScheduler<LiveItem>) {
        ended.raise()
        let now = retirement.withLock { r in
            r.ended = true
            return r.retired
        }
        if now { free(metrics, scheduler) }
    }

    private func free(_ metrics: StreamMetrics, _ scheduler: FairScheduler<LiveItem>) {
        if !retirement.withLock({ $0.keepSeries }) { stats.metrics.unregister(from: metrics.registry) }
        scheduler.removeStream(id)
    }

    /// Runs until `stop` (or the input ends, or the camera is given up).
    func supervise(stop: StopFlag, shared: Shared) {
        let settings = shared.settings
        var backoff = Backoff(maximum: settings.maxRetrySeconds)
        var everLive = false
        while !stop.isRaised {
            let s: LiveStream
            do {
                s = try LiveStream(id: id, generation: shared.generations.add(1, ordering: .relaxed).newValue, endpoint: endpoint,
                                   settings: settings, scale: shared.scale, workers: shared.workers, stats: stats, health: health,
                                   interrupt: interrupt, encodeBusy: shared.metrics.encodeBusy,
                                   snapshots: snapshots, notify: shared.notify)
            } catch {
                if stop.isRaised { break }
                let why = "\(error)"
                let news = health.down(why)
                if settings.giveUp.givesUp(secondsNotLive: health.secondsNotLive, everLive: everLive) {
                    failure.withLock { $0 = why }
                    break
                }
                if news { shared.notify(Self.downNote(label, why, settings)) }
                backoff.failed()
                stop.wait(until: backoff.nextAttempt)
                continue
            }
            backoff.succeeded()
            session.withLock { $0 = s }
            if stop.isRaised { s.sessionStop.raise() }
            let end = run(s, shared: shared)
            session.withLock { $0 = nil }
            everLive = everLive || stats.framesIn > 0
            switch end {
            case .finished:
                break
            case .gaveUp(let why):
                failure.withLock { $0 = why }
            case .outputFailed(let why) where isNetworkURL(endpoint.output) && !stop.isRaised:
                // A network receiver failing beyond what LiveOutput retries: a new session.
                health.set(.down, error: why)
                shared.notify("\(label): output failed (\(why)); starting the camera again")
                backoff.failed()
                stop.wait(until: backoff.nextAttempt)
                continue
            case .outputFailed(let why):
                // A file output that fails (disk full, removed folder) is not reopened: that
                // would overwrite what it holds.
                failure.withLock { $0 = "output failed: \(why)" }
                health.set(.stopped, error: why)
                shared.notify("\(label): output failed (\(why)); this camera is stopped, the others go on")
            }
            break
        }
        health.set(.stopped)
    }

    /// The one line a camera that cannot be opened gets (once per reason, not per retry).
    static func downNote(_ label: String, _ why: String, _ settings: StreamSettings) -> String {
        "\(label): down (\(why)); retrying every \(Int(settings.maxRetrySeconds)) s at most"
    }

    enum SessionEnd {
        case finished
        case gaveUp(String)
        case outputFailed(String)
    }

    /// One session: the reader on this thread, the encoder on its own; then the queued frames go
    /// to the overload policy and the output is finished.
    private func run(_ s: LiveStream, shared: Shared) -> SessionEnd {
        let settings = shared.settings, scheduler = shared.scheduler
        let fallback = try? FrameUpscaler(layout: s.layout, upscaler: BicubicUpscaler(scale: shared.scale),
                                          outputPool: s.outputPool, encoderPool: nil)
        let overload = { (item: LiveItem) in StreamJob.fallBack(item, in: item.stream, policy: settings.overload, using: fallback) }
        let encoderDone = StopFlag()
        let encoderFailure = Mutex<String?>(nil)
        shared.group.spawn("encode-\(id)") {
            defer { encoderDone.raise() }
            do { try s.encodeLoop() } catch {
                encoderFailure.withLock { $0 = "\(error)" }
                s.results.close()  // workers returning frames must not wait for it
                s.sessionStop.raise()
            }
        }
        let gaveUp = s.readLoop(stop: s.sessionStop) { item in
            s.inFlight.add()
            if let old = scheduler.submit(item, stream: id) { overload(old) }
        }
        // The input ended: what is still queued goes to the overload policy; once the workers
        // have handed back their frames of this session, its output can end.
        for item in scheduler.drain(stream: id) { overload(item) }
        s.inFlight.waitForZero()
        s.results.finish()
        encoderDone.wait(until: UInt64.max)
        if let why = encoderFailure.withLock({ $0 }) { return .outputFailed(why) }
        return gaveUp.map { .gaveUp($0) } ?? .finished
    }
}
