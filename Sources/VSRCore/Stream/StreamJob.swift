import CFFmpeg
import Foundation
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
    private let report: @Sendable (String) -> Void

    /// `report` receives each periodic stats line (text or JSON, per `json`).
    public init(endpoints: [StreamEndpoint], settings: StreamSettings, upscaler: any LumaUpscaler, json: Bool,
                notify: @escaping @Sendable (String) -> Void, report: @escaping @Sendable (String) -> Void) {
        self.endpoints = endpoints
        self.settings = settings
        self.upscaler = upscaler
        self.notify = notify
        self.report = report
        self.json = json
    }
    private let json: Bool

    public struct Summary: Sendable {
        /// One readable line per stream.
        public let lines: [String]
        /// One JSON object per stream: frames_in, frames_out, upscaled, fallback, dropped,
        /// latency_ms_p50/p95/p99, reconnects, input_fps, output_fps.
        public let json: [String]
        /// What to change when the network fell behind on more than a tenth of some stream's
        /// frames (nil when it kept up).
        public let advice: String?
    }

    public func run(stop: StopFlag = StopFlag()) throws -> Summary {
        let start = monotonicNanos()
        let workers = max(1, settings.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let streams = try endpoints.enumerated().map { i, e in
            try LiveStream(id: i, endpoint: e, settings: settings, scale: upscaler.scale, workers: workers, jobStart: start, notify: notify)
        }
        let scheduler = FairScheduler<LiveItem>(streams: streams.count, depth: settings.queueDepth)
        let budgetNanos = UInt64(settings.maxLatencyMilliseconds * 1e6)
        let bicubic = BicubicUpscaler(scale: upscaler.scale)
        let group = StageGroup()
        // A failing stage (a muxer error, say) must release every other one: workers blocked on a
        // stream's results, readers on the scheduler. Without this, vsr hung instead of exiting.
        group.register(scheduler, StopOnFailure(stop: stop, streams: streams))
        for s in streams { group.register(s.results, s.audio) }
        let finished = StopFlag()  // every stream's reader is done

        // Readers: one per camera, never blocked by the rest of the pipeline.
        let readersLeft = AtomicCounter(streams.count)
        for s in streams {
            let fallback = Handoff(try FrameUpscaler(layout: s.layout, upscaler: bicubic, outputPool: s.outputPool, encoderPool: nil))
            group.spawn("read-\(s.id)") { [settings] in
                let overload = { (item: LiveItem) in
                    Self.fallBack(item, in: s, policy: settings.overload, using: fallback.value)
                }
                s.readLoop(stop: stop) { item in
                    s.inFlight.add(1, ordering: .relaxed)
                    if let old = scheduler.submit(item, stream: s.id) { overload(old) }
                }
                // The input ended: what is still queued goes to the overload policy, then once
                // the workers have handed back their frames of this stream, its output can end.
                for item in scheduler.drain(stream: s.id) { overload(item) }
                while s.inFlight.load(ordering: .relaxed) > 0 { Thread.sleep(forTimeInterval: 0.005) }
                s.results.finish()
                if readersLeft.decrement() == 0 { finished.raise(); scheduler.close() }
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
                    s.inFlight.subtract(1, ordering: .relaxed)
                }
            }
        }

        for s in streams {
            group.spawn("encode-\(s.id)") { try s.encodeLoop() }
        }

        // Stats, duration and stop handling (interrupting blocked reads).
        let reporter = Thread { [settings, json, report] in
            var nextReport = Date(timeIntervalSinceNow: settings.statsInterval)
            let deadline = settings.duration.map { Date(timeIntervalSinceNow: $0) }
            while !finished.isRaised {
                Thread.sleep(forTimeInterval: 0.05)
                if let deadline, Date() >= deadline { stop.raise() }
                if stop.isRaised { streams.forEach { $0.interruptInput() } }
                if Date() >= nextReport {
                    nextReport = Date(timeIntervalSinceNow: settings.statsInterval)
                    for s in streams {
                        let r = s.stats.intervalReport(name: streams.count > 1 ? s.label : "")
                        report(json ? Self.jsonLine(r.json) : r.line)
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
        let reports = streams.map { $0.stats.summary(name: streams.count > 1 ? $0.label : "", seconds: seconds) }
        return Summary(lines: reports.map(\.line), json: reports.map { Self.jsonLine($0.json) },
                       advice: Self.advice(reports, model: upscaler.name))
    }

    static func fallBack(_ item: LiveItem, in s: LiveStream, policy: OverloadPolicy, using bicubic: FrameUpscaler) {
        defer { s.inFlight.subtract(1, ordering: .relaxed) }
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

    static func jsonLine(_ o: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

extension StreamJob {
    static func advice(_ reports: [StreamStats.Report], model: String) -> String? {
        let behind = reports.map { Double($0.fallback + $0.dropped) / Double(max(1, $0.framesIn)) }.max() ?? 0
        guard behind > 0.1 else { return nil }
        let faster = model.hasPrefix("fast") || model == "bicubic" ? "" : "--model fast, "
        return "\(Int((100 * behind).rounded())) % of frames were not upscaled in time (bicubic fallback or dropped): "
            + "\(model) is too slow for these streams on this machine; try \(faster)a smaller --scale or fewer cameras per process"
    }
}

/// A countdown shared by threads.
final class AtomicCounter: Sendable {
    private let value: Synchronization.Atomic<Int>
    init(_ n: Int) { value = .init(n) }
    func decrement() -> Int { value.subtract(1, ordering: .acquiringAndReleasing).newValue }
}

import Synchronization

/// Raises the job's stop flag and interrupts every input when a stage fails, so the readers end
/// too (they otherwise go on reconnecting) and the failure is reported.
struct StopOnFailure: Cancellable, @unchecked Sendable {
    let stop: StopFlag
    let streams: [LiveStream]
    func cancel() {
        stop.raise()
        streams.forEach { $0.interruptInput() }
    }
}
