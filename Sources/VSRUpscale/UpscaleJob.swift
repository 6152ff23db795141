import Foundation
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

public struct UpscaleSummary: Sendable {
    public var framesOut = 0
    public var decodeErrors = 0
    public var seconds = 0.0
    /// Where the result is: OUTPUT, or the partial file after an interruption.
    public var path = ""
    public var interrupted = false
    /// Why reading stopped early (damaged or truncated input), if it did.
    public var inputProblem: String? = nil
    public var sourceFPS = 0.0
    public var fps: Double { seconds > 0 ? Double(framesOut) / seconds : 0 }
    /// Picture sizes in and out, the encoder, and whether the output is a single image.
    public var inputSize = (width: 0, height: 0)
    public var outputSize = (width: 0, height: 0)
    public var encoder = ""
    public var isImage = false
}

/// `vsr upscale`: demux -> decode -> upscale workers -> reorder -> encode -> mux, one thread per
/// stage, bounded queues between them. Audio, subtitle and data packets go from the demuxer
/// straight to the muxer.
public final class UpscaleJob: @unchecked Sendable {
    public let options: UpscaleOptions
    public let upscaler: any LumaUpscaler
    public let progress: ProgressCounter
    public let clock = StageClock()
    /// Closed to pause the upscale workers between frames (space on a terminal).
    public let pause: PauseGate
    let notify: @Sendable (String) -> Void

    /// `progress`: a counter shared by several jobs (the segments of one upscale), or a new one.
    public init(options: UpscaleOptions, upscaler: any LumaUpscaler, progress: ProgressCounter = ProgressCounter(),
                pause: PauseGate = PauseGate(), notify: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.pause = pause
        self.upscaler = upscaler
        self.progress = progress
        self.notify = notify
    }

    /// The temporary name the output is written under until it is complete.
    public static func partialPath(for output: String) -> String {
        let url = URL(fileURLWithPath: output)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().lastPathComponent
        let name = ext.isEmpty ? "\(stem).partial" : "\(stem).partial.\(ext)"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Runs to the end of the input, or until `stop` is raised (then the frames not yet upscaled
    /// are dropped and the partial output is finalised, playable, under its temporary name).
    public func run(stop: StopFlag = StopFlag(), onStart: (Double) -> Void = { _ in }) throws -> UpscaleSummary {
        let start = monotonicNanos()
        // The input's problems come first: they are the ones the user meant to fix.
        if !isURL(options.input) && !isPipe(options.input) && !FileManager.default.fileExists(atPath: options.input) {
            throw VSRError.inputNotFound(options.input)
        }
        // A pipe is written as it goes: no temporary name to rename.
        let toPipe = isPipe(options.output)
        if !toPipe { try checkOutputPath() }
        let temp = toPipe ? options.output : Self.partialPath(for: options.output)
        let workers = max(1, options.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        var summary = UpscaleSummary()
        do {
            let setup = try MediaSetup.open(options, scale: upscaler.scale, temporaryPath: temp, notify: notify)
            progress.expectedFrames.store(setup.expectedFrames, ordering: .relaxed)
            summary.sourceFPS = setup.frameRate.value
            summary.inputSize = (setup.layout.width, setup.layout.height)
            summary.outputSize = (setup.layout.encodedWidth, setup.layout.encodedHeight)
            summary.encoder = setup.encoder.name
            summary.isImage = setup.isImage
            onStart(summary.sourceFPS)
            summary.inputProblem = try runStages(setup, workers: workers, stop: stop)
        } catch {
            if !toPipe { try? FileManager.default.removeItem(atPath: temp) }
            throw error
        }
        summary.framesOut = progress.framesOut.load(ordering: .relaxed)
        summary.decodeErrors = progress.decodeErrors.load(ordering: .relaxed)
        summary.seconds = Double(monotonicNanos() - start) / 1e9
        if summary.framesOut == 0 {
            if !toPipe { try? FileManager.default.removeItem(atPath: temp) }
            throw VSRError.noDecodableFrames(options.input, errors: summary.decodeErrors)
        }
        if toPipe {
            summary.interrupted = stop.isRaised
            summary.path = options.output
            return summary
        }
        if stop.isRaised {
            summary.interrupted = true
            summary.path = temp
            return summary
        }
        guard rename(temp, options.output) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temp)
            throw VSRError.outputUnwritable(options.output, why)
        }
        summary.path = options.output
        return summary
    }

    /// Encodes one segment of the timeline (video only) into `path`, written under a temporary
    /// name and renamed when complete. Returns each packet's timestamps, or
    /// nil when stopped first (the partial segment is removed: it is redone).
    func encodeSegment(_ window: SegmentWindow, to path: String, stop: StopFlag) throws -> TimestampLog? {
        let temp = path + ".partial"
        let workers = max(1, options.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let dts = TimestampLog()
        do {
            let setup = try MediaSetup.open(options, scale: upscaler.scale, temporaryPath: temp, segment: window, notify: notify)
            if let problem = try runStages(setup, workers: workers, stop: stop, videoTimestamps: dts) {
                throw VSRError.unsupported("segment \(window.index) of \(options.input) could not be read to its end: \(problem)")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        if stop.isRaised {
            try? FileManager.default.removeItem(atPath: temp)
            return nil
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temp)
            throw VSRError.outputUnwritable(path, why)
        }
        return dts
    }

    func checkOutputPath() throws {
        let out = options.output
        if FileManager.default.fileExists(atPath: out) {
            if !options.overwrite { throw VSRError.outputExists(out) }
            // By identity, not spelling: ./a.mp4, a symlink or a hard link to the input must not
            // be replaced by the result.
            if !isURL(options.input), let a = FileIdentity(options.input), a == FileIdentity(out) {
                throw VSRError.sameFile(options.input, out)
            }
        }
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw VSRError.outputUnwritable(out, "the folder \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw VSRError.outputUnwritable(out, "the folder \(dir) is not writable")
        }
    }

    /// Returns a description of a read error that ended the input early, if any.
    /// `videoTimestamps`: collects the timestamps of the encoded video packets (segments: their
    /// container cannot hold them, see SegmentRecord).
    private func runStages(_ m: MediaSetup, workers: Int, stop: StopFlag, videoTimestamps: TimestampLog? = nil) throws -> String? {
        stop.onRaise { [pause] in pause.resume() }  // a stop while paused must not wait
        let depth = options.queueDepth
        let packets = BoundedQueue<Packet>(capacity: 16)
        let decoded = BoundedQueue<Numbered>(capacity: depth)
        let upscaled = ReorderQueue<Frame>(window: workers + depth, producers: workers)
        let muxing = BoundedQueue<MuxItem>(capacity: 64, producers: 2)  // demuxer (copies) + encoder
        let group = StageGroup()
        group.register(packets, decoded, upscaled, muxing, InputInterrupter(input: m.input))

        let l = m.layout
        let outputPool = try FramePool(format: l.workFormat, width: l.outputWidth, height: l.outputHeight)
        let encoderPool = m.encoderFormat == l.workFormat ? nil
            : try FramePool(format: m.encoderFormat, width: l.outputWidth, height: l.outputHeight)
        let readProblem = ReadProblem()

        let demux = DemuxStage(setup: m, clock: clock, stop: stop, group: group, readProblem: readProblem, notify: notify)
        group.spawn("demux") { try demux.run(packets: packets, muxing: muxing) }
        group.spawn("decode") { [progress, clock] in
            try DecodeStage(setup: m, progress: progress, clock: clock).run(packets: packets, output: decoded)
        }
        for i in 0..<workers {
            let stage = Handoff(UpscaleStage(
                frames: try FrameUpscaler(layout: l, upscaler: upscaler, outputPool: outputPool, encoderPool: encoderPool),
                clock: clock, stop: stop, pause: pause))
            group.spawn("upscale-\(i)") { try stage.value.run(input: decoded, output: upscaled) }
        }
        let encode = EncodeStage(setup: m, progress: progress, clock: clock, group: group)
        group.spawn("encode") { try encode.run(input: upscaled, muxing: muxing) }
        let mux = MuxStage(output: m.output, clock: clock, group: group, videoStream: m.videoOut, videoTimestamps: videoTimestamps)
        group.spawn("mux") { try mux.run(muxing) }

        try group.wait()
        return readProblem.value
    }
}

/// A decoded frame and its position in decode order (for the reorder stage).
struct Numbered: Sendable {
    let sequence: Int
    let frame: Frame
}

struct MuxItem: Sendable {
    let packet: Packet
    let timeBase: Rational
}

struct InputInterrupter: Cancellable, @unchecked Sendable {
    let input: InputFile
    func cancel() { input.interrupt() }
}

final class ReadProblem: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ s: String) { lock.withLock { text = s } }
    var value: String? { lock.withLock { text } }
}

/// A file's device and inode (symbolic links followed): two paths name the same file exactly
/// when these agree.
struct FileIdentity: Equatable {
    let device: UInt64, inode: UInt64
    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
