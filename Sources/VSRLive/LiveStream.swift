import Foundation
import Prometheus
import Synchronization
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

/// A frame on its way through a live pipeline, with the session it belongs to (a camera that
/// restarts has a new one: a worker still holding a frame of the old one returns it there).
struct LiveItem: Sendable {
    let stream: LiveStream
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

/// One session of a camera (from an open to the end of its output): its reader (decode, never
/// blocked; LiveReader.swift), its reorder -> encode -> mux thread (LiveEncoding.swift), and the
/// state the shared workers need to upscale its frames. A lost input is reopened within the
/// session; a camera that cannot be opened, or whose output fails, gets a new session (Camera).
///
/// Threads: the reader owns `pendingInput` and the decoder state, the encoder thread owns
/// `encoder`, `output` and `lastAudioDTS`; what crosses threads is a queue, an atomic, or a flag.
final class LiveStream: @unchecked Sendable {
    let id: Int
    /// Unique over the run: workers keep their per-camera tools while it is the same.
    let generation: Int
    let endpoint: StreamEndpoint
    let settings: StreamSettings
    /// The camera's counters and state: they outlive the session.
    let stats: StreamStats
    let health: CameraHealth
    /// Raised to end this session: vsr stops, or its encoder failed.
    let sessionStop = StopFlag()
    let layout: WorkLayout
    let outputPool: FramePool
    let results: ReorderQueue<LiveResult>
    let audio = BoundedQueue<MuxItem>(capacity: 64)
    /// Frames of this stream handed to the workers and not yet back in `results`.
    let inFlight = WorkCounter()
    /// Recent network upscale time (ms), to predict whether a frame can still make its budget.
    let networkMillis = Atomic<Int>(0)
    /// The camera's latest pictures (the reader and the encoder keep them current).
    let snapshots: Snapshots
    /// Seconds spent encoding (every camera's encoder adds to it).
    let encodeBusy: Counter
    /// The camera's: raised once to stop, every input this session opens watches it.
    let interrupt: InterruptFlag
    let notify: @Sendable (String) -> Void
    let frameRate: Rational
    /// The input opened by `init`, taken by the reader thread when it starts.
    var pendingInput: InputFile?
    let encoder: Encoder
    let output: LiveOutput
    /// The last audio dts written (encoder thread only): audio never goes backwards.
    var lastAudioDTS = Int64.min
    /// One frame's duration (µs): the step when a timestamp must be moved forward. Anything
    /// smaller could collide once the muxer rounds to its clock (90 kHz for MPEG-TS, 1 kHz for FLV).
    var frameMicros: Int64 { Int64((1_000_000 / max(1, frameRate.value)).rounded()) }

    init(id: Int, generation: Int, endpoint: StreamEndpoint, settings: StreamSettings, scale: Int, workers: Int,
         stats: StreamStats, health: CameraHealth, interrupt: InterruptFlag, encodeBusy: Counter,
         snapshots: Snapshots, notify: @escaping @Sendable (String) -> Void) throws {
        self.encodeBusy = encodeBusy
        self.snapshots = snapshots
        self.id = id
        self.generation = generation
        self.endpoint = endpoint
        self.settings = settings
        self.stats = stats
        self.health = health
        self.interrupt = interrupt
        self.notify = notify
        let input = try LiveInput.open(endpoint.input, settings: settings, interrupt: interrupt)
        pendingInput = input
        guard let vi = input.bestVideoStream() else { throw VSRError.noVideoStream(endpoint.input) }
        let decoder = try Decoder(input: input, stream: vi, threads: 1)
        // The same working-format rules as a file upscale (yuvj cameras keep full range).
        var layout = WorkLayout(for: decoder, scale: scale, image: false)
        outputPool = try FramePool(format: layout.workFormat, width: layout.outputWidth, height: layout.outputHeight)
        let rate = input.frameRate(stream: vi)
        frameRate = rate
        var s = VideoEncoderSettings(codecName: settings.encoder, width: layout.outputWidth, height: layout.outputHeight,
                                     pixelFormat: layout.workFormat, timeBase: .microseconds,
                                     frameRate: rate, sampleAspectRatio: input.sampleAspectRatio(stream: vi))
        s.threads = 1
        s.gopSize = max(1, Int(rate.value.rounded()))  // a keyframe every second: quick joins
        s.maxBFrames = 0
        s.progressive = Deinterlacer.isInterlaced(input, stream: vi)  // the reader deinterlaces
        s.color.fullRange = layout.fullRange
        let mpegts = LiveOutput.guessFormat(endpoint.output) == "mpegts" || endpoint.format == "mpegts"
        s.globalHeader = !mpegts && !endpoint.output.hasSuffix(".ts")
        if settings.encoder == "libx264" || settings.encoder == "libx265" {
            s.options = ["preset": settings.preset, "tune": "zerolatency", "crf": String(settings.crf)]
        }
        encoder = try Encoder.openCroppingToEven(s).encoder
        layout.encodedWidth = encoder.width
        layout.encodedHeight = encoder.height
        self.layout = layout
        output = try LiveOutput(url: endpoint.output, format: endpoint.format, encoder: encoder,
                                audio: input.firstAudioStream.map(input.parameters(of:)),
                                audioTimeBase: .microseconds, stats: stats, notify: notify)
        results = ReorderQueue(window: 64 + workers + settings.effectiveQueueDepth, producers: 1)
    }

    var label: String { endpoint.label }
}
