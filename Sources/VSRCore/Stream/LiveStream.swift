import CFFmpeg
import Foundation
import Synchronization
import VSRKernels
import VSRMedia
import VSRPipeline

/// A frame on its way through a live pipeline.
struct LiveItem: Sendable {
    let sequence: Int
    let frame: Frame
    /// When the frame left the decoder (monotonic ns): latency is measured from here.
    let received: UInt64
    /// Presentation time on the output clock, microseconds.
    let pts: Int64
}

enum LiveResult: Sendable {
    case frame(Frame, received: UInt64, pts: Int64)
    case dropped
}

func monotonicNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// One camera: its reader (decode, never blocked), its reorder -> encode -> mux thread, and the
/// state the shared workers need to upscale its frames.
final class LiveStream: @unchecked Sendable {
    let id: Int
    let endpoint: StreamEndpoint
    let settings: StreamSettings
    let stats = StreamStats()
    let layout: FrameLayout
    let outputPool: FramePool
    let results: ReorderQueue<LiveResult>
    let audio = BoundedQueue<MuxItem>(capacity: 64)
    /// The last audio dts written (encoder thread only): audio never goes backwards.
    private var lastAudioDTS = Int64.min
    let inFlight = Atomic<Int>(0)
    /// Recent network upscale time (ms), to predict whether a frame can still make its budget.
    let networkMillis = Atomic<Int>(0)
    private var input: InputFile
    private let notify: @Sendable (String) -> Void
    private let jobStart: UInt64
    private let frameRate: AVRational
    private var encoder: Encoder
    private var output: LiveOutput
    /// One frame's duration (µs): the step when a timestamp must be moved forward. Anything
    /// smaller could collide once the muxer rounds to its clock (90 kHz for MPEG-TS, 1 kHz for FLV).
    private var frameMicros: Int64 { Int64((1_000_000 / max(1, av_q2d(frameRate))).rounded()) }

    init(id: Int, endpoint: StreamEndpoint, settings: StreamSettings, scale: Int, workers: Int, jobStart: UInt64,
         notify: @escaping @Sendable (String) -> Void) throws {
        self.id = id
        self.endpoint = endpoint
        self.settings = settings
        self.notify = notify
        self.jobStart = jobStart
        let input = try LiveInput.open(endpoint.input, settings: settings)
        self.input = input
        guard let vi = input.bestVideoStream() else { throw VSRError.noVideoStream(endpoint.input) }
        let decoder = try Decoder(stream: input.stream(vi), threads: 1)
        let deep = av_pix_fmt_desc_get(decoder.pixelFormat).map { $0.pointee.comp.0.depth > 8 } ?? false
        var layout = FrameLayout(workFormat: deep ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P, width: decoder.width,
                                 height: decoder.height, scale: scale, fullRange: MediaSetup.isFullRange(decoder))
        outputPool = try FramePool(format: layout.workFormat, width: layout.width * scale, height: layout.height * scale)
        var rate = input.guessFrameRate(stream: vi)
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        frameRate = rate
        var s = VideoEncoderSettings(codecName: settings.encoder, width: layout.width * scale, height: layout.height * scale,
                                     pixelFormat: layout.workFormat, timeBase: AVRational(num: 1, den: 1_000_000),
                                     frameRate: rate, sampleAspectRatio: input.guessSampleAspectRatio(stream: vi))
        s.threads = 1
        s.gopSize = max(1, Int(av_q2d(rate).rounded()))  // a keyframe every second: quick joins
        s.maxBFrames = 0
        s.colorRange = layout.fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        let mpegts = LiveOutput.guessFormat(endpoint.output) == "mpegts" || endpoint.format == "mpegts"
        s.globalHeader = !mpegts && !endpoint.output.hasSuffix(".ts")
        if settings.encoder == "libx264" || settings.encoder == "libx265" {
            s.options = ["preset": settings.preset, "tune": "zerolatency", "crf": String(settings.crf)]
        }
        encoder = try Encoder.openCroppingToEven(s).encoder
        layout.encodedWidth = encoder.width
        layout.encodedHeight = encoder.height
        self.layout = layout
        let audioIndex = (0..<input.streamCount).first { input.stream($0).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO }
        let audioStream = audioIndex.map { input.stream($0) }
        output = try LiveOutput(url: endpoint.output, format: endpoint.format, encoder: encoder,
                                audio: audioStream.map { UnsafePointer($0.pointee.codecpar) },
                                audioTimeBase: AVRational(num: 1, den: 1_000_000), stats: stats, notify: notify)
        results = ReorderQueue(window: 64 + workers + settings.queueDepth, producers: 1)
    }

    var label: String { endpoint.name.isEmpty ? endpoint.input : endpoint.name }

    // MARK: reader

    /// Reads until stopped (or a file ends), reconnecting a lost network input with capped
    /// exponential backoff. Frames go to `submit`, which never blocks.
    func readLoop(stop: StopFlag, submit: (LiveItem) -> Void) {
        var sequence = 0
        var lastPTS: Int64 = -1
        var lastAt: UInt64 = 0
        var backoff = 0.5
        while !stop.isRaised {
            let lost = readSession(stop: stop, sequence: &sequence, lastPTS: &lastPTS, lastAt: &lastAt, submit: submit)
            if stop.isRaised || !LiveInput.isNetwork(endpoint.input) { break }
            notify("\(label): input lost (\(lost)); reconnecting")
            while !stop.isRaised {
                sleep(seconds: backoff, unless: stop)
                if stop.isRaised { break }
                if let reopened = try? LiveInput.open(endpoint.input, settings: settings) {
                    input = reopened
                    stats.reconnected()
                    notify("\(label): input back")
                    backoff = 0.5
                    break
                }
                backoff = min(backoff * 2, 8)
            }
        }
    }

    /// One connection's worth of packets. Returns why it ended.
    private func readSession(stop: StopFlag, sequence: inout Int, lastPTS: inout Int64, lastAt: inout UInt64,
                             submit: (LiveItem) -> Void) -> String {
        guard let vi = input.bestVideoStream(), let decoder = try? Decoder(stream: input.stream(vi), threads: 1) else {
            return "no decodable video"
        }
        let audioIndex = (0..<input.streamCount).first { input.stream($0).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO }
        let vtb = input.stream(vi).pointee.time_base
        let packet = Packet(), frame = Frame()
        let conformer = FrameConformer(layout: layout)
        // Output clock: the first session starts at 0; a reconnected one continues from the last
        // frame plus the time that really passed, so the output timeline has the true gap.
        var offset: Int64? = nil
        var sessionStart: UInt64 = 0
        var firstMicros: Int64 = 0
        // The last input timestamp of each stream: a clock that jumps back by more than a second
        // is a source that restarted without the input noticing a gap (UDP): a new session.
        var lastInput: [Int: Int64] = [:]
        func micros(_ ts: Int64, _ tb: AVRational) -> Int64 { av_rescale_q(ts, tb, AVRational(num: 1, den: 1_000_000)) }

        while !stop.isRaised {
            let r: InputFile.ReadResult
            do { r = try input.read(into: packet) } catch { return error.message }
            if r == .endOfFile { return "end of stream" }
            let index = packet.streamIndex
            let tb = input.stream(index).pointee.time_base
            let ts = packet.pts != noTimestamp ? packet.pts : packet.dts
            if ts != noTimestamp, index == vi || index == audioIndex {
                let now = micros(ts, tb)
                if let last = lastInput[index], now < last - 1_000_000 {
                    offset = nil
                    lastInput = [:]
                }
                lastInput[index] = now
            }
            if offset == nil, ts != noTimestamp {
                firstMicros = micros(ts, tb)
                let gap = Int64((monotonicNanos() &- lastAt) / 1000)
                offset = (lastPTS < 0 ? 0 : lastPTS + max(gap, frameMicros)) - firstMicros
                sessionStart = monotonicNanos()
            }
            if settings.realtime, ts != noTimestamp {
                // Pace a local file at its native rate.
                let due = sessionStart &+ UInt64(max(0, micros(ts, tb) - firstMicros)) * 1000
                let now = monotonicNanos()
                if due > now { sleep(seconds: Double(due - now) / 1e9, unless: stop) }
            }
            if index == audioIndex, let offset {
                let p = packet.moveOut()
                p.rescaleTimestamps(from: tb, to: AVRational(num: 1, den: 1_000_000))
                p.shiftTimestamps(by: offset)
                _ = audio.pushEvictingOldest(MuxItem(packet: p, timeBase: AVRational(num: 1, den: 1_000_000)))
                continue
            }
            guard index == vi else { continue }
            _ = try? decoder.send(packet)
            while (try? decoder.receive(into: frame)) == .frame {
                let f = frame.moveOut()
                let t = f.bestEffortTimestamp
                var pts = (t == noTimestamp ? lastPTS + frameMicros : micros(t, vtb) + (offset ?? 0))
                if pts <= lastPTS { pts = lastPTS + frameMicros }
                lastPTS = pts
                lastAt = monotonicNanos()
                guard let ready = try? conformer.conform(f) else { continue }
                stats.received()
                submit(LiveItem(sequence: sequence, frame: ready, received: monotonicNanos(), pts: pts))
                sequence += 1
            }
        }
        return "stopped"
    }

    // MARK: encoder + muxer

    /// Encodes results in order and writes them; records latency when each packet is written.
    func encodeLoop() throws {
        let packet = Packet()
        var received = [(pts: Int64, at: UInt64)](repeating: (-1, 0), count: 256)
        func drain() throws {
            while try encoder.receive(into: packet) == .packet {
                let pts = packet.pts
                let p = packet.moveOut()
                if try output.write(p, timeBase: encoder.timeBase, audio: false) {
                    let slot = received[Int(UInt64(bitPattern: pts) % 256)]
                    if slot.pts == pts { stats.wrote(latencyMilliseconds: Double(monotonicNanos() &- slot.at) / 1e6) }
                } else {
                    stats.droppedOne()  // the receiver is away
                }
                try writeAudio()
            }
        }
        let budget = UInt64(settings.maxLatencyMilliseconds * 1e6)
        var last: (frame: Frame, pts: Int64)? = nil
        var lastEncoded: Int64 = -1
        func encode(_ f: Frame, pts: Int64) throws {
            f.pts = lastEncoded < 0 ? pts : max(pts, lastEncoded + frameMicros)  // increasing, whatever the input did
            lastEncoded = f.pts
            f.pointer.pointee.pict_type = output.needsKeyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
            output.keyframeRequested()
            while try encoder.send(f) == .full { try drain() }
            try drain()
        }
        loop: while true {
            switch results.pop(timeout: 1) {
            case .end:
                break loop
            case .timedOut:
                // The input is down (reconnecting): repeat the last picture once a second so
                // viewers keep a live, frozen stream rather than a dead one.
                if let (frame, pts) = last {
                    last = (frame, pts + 1_000_000)
                    try encode(frame, pts: pts + 1_000_000)
                    stats.repeatedOne()
                }
            case .item(.dropped):
                continue
            case .item(.frame(let f, let at, let pts)):
                // The last line of defence of the budget: when even the encoder falls behind (too
                // many cameras for the cores), a frame already over budget is not encoded at all.
                if monotonicNanos() &- at > budget {
                    stats.droppedOne()
                    continue
                }
                let encodedPTS = lastEncoded < 0 ? pts : max(pts, lastEncoded + frameMicros)
                received[Int(UInt64(bitPattern: encodedPTS) % 256)] = (encodedPTS, at)
                try encode(f, pts: pts)
                last = (f, f.pts)
            }
        }
        _ = try encoder.send(nil)
        try drain()
        try writeAudio()
        try output.finish()
    }

    private func writeAudio() throws {
        while case .item(let a) = audio.pop(timeout: 0) {
            // Muxers refuse a decreasing dts; a packet from before a source's clock restart is
            // dropped rather than ending the stream.
            let dts = a.packet.dts != noTimestamp ? a.packet.dts : a.packet.pts
            if dts != noTimestamp {
                if dts <= lastAudioDTS { continue }
                lastAudioDTS = dts
            }
            _ = try output.write(a.packet, timeBase: a.timeBase, audio: true)
        }
    }

    func interruptInput() { input.interrupt() }
}

/// Sleeps up to `seconds`, waking early when `stop` is raised.
func sleep(seconds: Double, unless stop: StopFlag) {
    let end = Date(timeIntervalSinceNow: seconds)
    while !stop.isRaised, Date() < end { Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow))) }
}
