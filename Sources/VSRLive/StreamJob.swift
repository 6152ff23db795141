import Foundation
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

    /// `report` receives each stream's figures every `settings.statsInterval` seconds (the
    /// stream name is empty when there is one stream); the caller formats them.
    public init(endpoints: [StreamEndpoint], settings: StreamSettings, upscaler: any LumaUpscaler,
                notify: @escaping @Sendable (String) -> Void,
                report: @escaping @Sendable (StreamStats.Report) -> Void) {
        self.endpoints = endpoints
        self.settings = settings
        self.upscaler = upscaler
        self.notify = notify
        self.report = report
    }

    public struct Summary: Sendable {
        /// Each stream's totals over the run.
        public let streams: [StreamStats.Report]
        /// What to change when the network fell behind on more than a tenth of some stream's
        /// frames (nil when it kept up).
        public let advice: String?
    }

    public func run(stop: StopFlag = StopFlag()) throws -> Summary {
        let start = monotonicNanos()
        let workers = max(1, settings.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let streams = try endpoints.enumerated().map { i, e in
            try LiveStream(id: i, endpoint: e, settings: settings, scale: upscaler.scale, workers: workers, notify: notify)
        }
        // A stop (Ctrl-C, --duration, a failing stage) interrupts every blocked read at once.
        stop.onRaise { streams.forEach { $0.interruptInput() } }
        let scheduler = FairScheduler<LiveItem>(streams: streams.count, depth: settings.queueDepth)
        let budgetNanos = UInt64(settings.maxLatencyMilliseconds * 1e6)
        let bicubic = BicubicUpscaler(scale: upscaler.scale)
        let group = StageGroup()
        // A failing stage (a muxer error, say) must release every other one: workers blocked on a
        // stream's results, readers on the scheduler. Without this, vsr hung instead of exiting.
        group.register(scheduler, stop)  // raising stop also interrupts every input (onRaise above)
        for s in streams { group.register(s.results, s.audio) }
        let finished = StopFlag()  // every stream's reader is done

        // Readers: one per camera, never blocked by the rest of the pipeline.
        let readersLeft = WorkCounter(streams.count)
        for s in streams {
            let fallback = Handoff(try FrameUpscaler(layout: s.layout, upscaler: bicubic, outputPool: s.outputPool, encoderPool: nil))
            group.spawn("read-\(s.id)") { [settings] in
                let overload = { (item: LiveItem) in
                    Self.fallBack(item, in: s, policy: settings.overload, using: fallback.value)
                }
                s.readLoop(stop: stop) { item in
                    s.inFlight.add()
                    if let old = scheduler.submit(item, stream: s.id) { overload(old) }
                }
                // The input ended: what is still queued goes to the overload policy, then once
                // the workers have handed back their frames of this stream, its output can end.
                for item in scheduler.drain(stream: s.id) { overload(item) }
                s.inFlight.waitForZero()
                s.results.finish()
                if readersLeft.done() == 0 { finished.raise(); scheduler.close() }
            }
        }

        // Shared workers.
        for w in 0..<workers {
            group.spawn("upscale-\(w)") { [upscaler, settings] in
                var tools: [Int: (network: FrameUpscaler, bicubic: FrameUpscaler)] = [:]
                while let (id, item) = scheduler.take() {
                    let s = streams[id]
                    if tools[id] == nil {
                        tools[id] = (try FrameUpscaler(layout: s.layout, upscaler: upscaler, outputPool: s.outputPool, encoderPool: nil),
                                     try FrameUpscaler(layout: s.layout, upscaler: bicubic, outputPool: s.outputPool, encoderPool: nil))
                    }
                    let age = monotonicNanos() &- item.received
                    let predicted = UInt64(s.networkMillis.load(ordering: .relaxed)) * 1_000_000
                    if age &+ predicted > budgetNanos * 8 / 10 {
                        Self.fallBack(item, in: s, policy: settings.overload, using: tools[id]!.bicubic)
                        continue
                    }
                    let t0 = monotonicNanos()
                    let out = try tools[id]!.network.upscale(item.frame)
                    let ms = Int((monotonicNanos() &- t0) / 1_000_000)
                    let old = s.networkMillis.load(ordering: .relaxed)
                    s.networkMillis.store(old == 0 ? ms : (old * 7 + ms) / 8, ordering: .relaxed)
                    s.stats.upscaledOne()
                    s.results.push(.frame(out, received: item.received, pts: item.pts), sequence: item.sequence)
                    s.inFlight.done()
                }
            }
        }

        for s in streams {
            group.spawn("encode-\(s.id)") { try s.encodeLoop() }
        }

        // Periodic stats and --duration: the thread sleeps until the next report or the end of
        // the run, whichever is first; the end of every reader wakes it.
        let reporter = Thread { [settings, report] in
            var nextReport = deadline(afterSeconds: settings.statsInterval)
            let end = settings.duration.map { deadline(afterSeconds: $0) } ?? UInt64.max
            while !finished.wait(until: min(nextReport, end)) {
                let now = monotonicNanos()
                if now >= end { stop.raise() }
                if now >= nextReport {
                    nextReport = deadline(afterSeconds: settings.statsInterval)
                    for s in streams { report(s.stats.intervalReport(name: streams.count > 1 ? s.label : "")) }
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
        let reports = streams.map { $0.stats.summary(name: streams.count > 1 ? $0.label : "", seconds: seconds) }
        return Summary(streams: reports, advice: Self.advice(reports, model: upscaler.name))
    }

    static func fallBack(_ item: LiveItem, in s: LiveStream, policy: OverloadPolicy, using bicubic: FrameUpscaler) {
        defer { s.inFlight.done() }
        switch policy {
        case .bicubic:
            guard let out = try? bicubic.upscale(item.frame) else { fallthrough }
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
        let faster = model.hasPrefix("fast") || model == "bicubic" ? "" : "--model fast, "
        return "\(Int((100 * behind).rounded())) % of frames were not upscaled in time (bicubic fallback or dropped): "
            + "\(model) is too slow for these streams on this machine; try \(faster)a smaller --scale or fewer cameras per process"
    }
}

