import CFFmpeg
import Foundation
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
}

/// `vsr upscale`: demux -> decode -> upscale workers -> reorder -> encode -> mux, one thread per
/// stage, bounded queues between them. Audio, subtitle and data packets go from the demuxer
/// straight to the muxer.
public final class UpscaleJob: @unchecked Sendable {
    public let options: UpscaleOptions
    public let upscaler: any LumaUpscaler
    public let progress = ProgressCounter()
    public let clock = StageClock()
    private let notify: @Sendable (String) -> Void

    public init(options: UpscaleOptions, upscaler: any LumaUpscaler, notify: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.upscaler = upscaler
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
        let start = DispatchTime.now().uptimeNanoseconds
        // The input's problems come first: they are the ones the user meant to fix.
        if !options.input.contains("://") && !FileManager.default.fileExists(atPath: options.input) {
            throw VSRError.inputNotFound(options.input)
        }
        try checkOutputPath()
        let temp = Self.partialPath(for: options.output)
        let workers = max(1, options.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        var summary = UpscaleSummary()
        do {
            let setup = try MediaSetup.open(options, scale: upscaler.scale, temporaryPath: temp, notify: notify)
            progress.expectedFrames.store(setup.expectedFrames, ordering: .relaxed)
            summary.sourceFPS = av_q2d(setup.frameRate)
            onStart(summary.sourceFPS)
            summary.inputProblem = try runStages(setup, workers: workers, stop: stop)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        summary.framesOut = progress.framesOut.load(ordering: .relaxed)
        summary.decodeErrors = progress.decodeErrors.load(ordering: .relaxed)
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if summary.framesOut == 0 {
            try? FileManager.default.removeItem(atPath: temp)
            throw VSRError.noDecodableFrames(options.input, errors: summary.decodeErrors)
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

    private func checkOutputPath() throws {
        let out = options.output
        if FileManager.default.fileExists(atPath: out) {
            if !options.overwrite { throw VSRError.outputExists(out) }
            // By identity, not spelling: ./a.mp4, a symlink or a hard link to the input must not
            // be replaced by the result.
            if !options.input.contains("://"), let a = FileIdentity(options.input), a == FileIdentity(out) {
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
    private func runStages(_ m: MediaSetup, workers: Int, stop: StopFlag) throws -> String? {
        let depth = options.queueDepth
        let packets = BoundedQueue<Packet>(capacity: 16)
        let decoded = BoundedQueue<Numbered>(capacity: depth)
        let upscaled = ReorderQueue<Frame>(window: workers + depth, producers: workers)
        let muxing = BoundedQueue<MuxItem>(capacity: 64, producers: 2)  // demuxer (copies) + encoder
        let group = StageGroup()
        group.register(packets, decoded, upscaled, muxing, InputInterrupter(input: m.input))

        let l = m.layout
        let outputPool = try FramePool(format: l.workFormat, width: l.width * l.scale, height: l.height * l.scale)
        let encoderPool = m.encoderFormat == l.workFormat ? nil
            : try FramePool(format: m.encoderFormat, width: l.width * l.scale, height: l.height * l.scale)
        let frameUpscalers = try (0..<workers).map { _ in
            try FrameUpscaler(layout: l, upscaler: upscaler, outputPool: outputPool, encoderPool: encoderPool)
        }
        let readProblem = ReadProblem()

        let clock = self.clock
        group.spawn("demux") { [notify] in
            defer { packets.finish(); muxing.finish() }
            let packet = Packet()
            while !stop.isRaised {
                do {
                    if try clock.time(.demux, { () throws(FFmpegError) in try m.input.read(into: packet) }) == .endOfFile { break }
                } catch {
                    if stop.isRaised || group.isCancelled { break }
                    // Damaged or truncated input: keep every frame read so far.
                    readProblem.set("\(error)")
                    notify("input ends early: \(error)")
                    break
                }
                let index = packet.streamIndex
                if index == m.videoIndex {
                    if !packets.push(packet.moveOut()) { break }
                } else if let out = m.copies[index] {
                    let p = packet.moveOut()
                    p.streamIndex = out
                    if !muxing.push(MuxItem(packet: p, timeBase: m.input.stream(index).pointee.time_base)) { break }
                }
            }
        }

        group.spawn("decode") { [progress] in
            // Closing `packets` releases a demuxer blocked on a full queue when decoding ends
            // early (a stop closes `decoded`); after a normal end the demuxer is already done.
            defer { decoded.finish(); packets.close() }
            let stage = DecodeStage(setup: m, progress: progress, clock: clock)
            try stage.run(packets: packets, output: decoded)
        }

        for (i, fu) in frameUpscalers.map(Handoff.init).enumerated() {
            group.spawn("upscale-\(i)") {
                let fu = fu.value
                defer { upscaled.finish() }
                while let item = decoded.pop() {
                    // Stopped: the frames still queued are dropped (closing the queue also
                    // releases the decoder), the ones already upscaled are encoded and the file
                    // is finished, so a stop takes about one frame's time, not a queue's.
                    if stop.isRaised {
                        decoded.close()
                        break
                    }
                    let out = try fu.upscale(item.frame, clock: clock)
                    out.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE  // let the encoder place keyframes
                    if !upscaled.push(out, sequence: item.sequence) { break }
                }
            }
        }

        group.spawn("encode") { [progress] in
            defer { muxing.finish() }
            let packet = Packet()
            func drain() throws -> Bool {
                while true {
                    switch try clock.time(.encode, { () throws(FFmpegError) in try m.encoder.receive(into: packet) }) {
                    case .packet:
                        let p = packet.moveOut()
                        p.streamIndex = m.videoOut
                        if !muxing.push(MuxItem(packet: p, timeBase: m.encoder.timeBase)) { return false }
                    case .needsInput, .endOfStream:
                        return true
                    }
                }
            }
            while let frame = upscaled.pop() {
                while try clock.time(.encode, { () throws(FFmpegError) in try m.encoder.send(frame) }) == .full {
                    guard try drain() else { return }
                }
                progress.framesOut.add(1, ordering: .relaxed)
                guard try drain() else { return }
            }
            guard !group.isCancelled else { return }
            _ = try m.encoder.send(nil)
            _ = try drain()
        }

        group.spawn("mux") {
            while let item = muxing.pop() {
                try clock.time(.mux) { () throws(FFmpegError) in try m.output.write(item.packet, timeBase: item.timeBase) }
            }
            if !group.isCancelled { try m.output.writeTrailer() }
        }

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
    let timeBase: AVRational
}

extension AVRational: @retroactive @unchecked Sendable {}

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
