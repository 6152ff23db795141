import VSRMedia
import VSRPipeline

/// Decodes the video stream into frames of the working format with strictly increasing
/// timestamps. Damaged packets are counted and skipped, never fatal.
final class DecodeStage {
    let m: MediaSetup
    let progress: ProgressCounter
    let clock: StageClock
    private var sequence = 0
    private var lastPTS: Int64? = nil
    private let conformer: FrameConformer
    private let frameStep: Int64
    private var deinterlacer: Deinterlacer?

    init(setup: MediaSetup, progress: ProgressCounter, clock: StageClock) {
        m = setup
        self.progress = progress
        self.clock = clock
        conformer = FrameConformer(layout: setup.layout)
        let tb = setup.input.timeBase(stream: setup.videoIndex)
        frameStep = max(1, setup.frameRate.inverse.rescale(1, to: tb))
        deinterlacer = setup.deinterlacer
    }

    func run(packets: BoundedQueue<Packet>, output: BoundedQueue<Numbered>) throws {
        // Closing `packets` releases a demuxer blocked on a full queue when decoding ends early
        // (a stop closes `decoded`); after a normal end the demuxer is already done.
        defer { output.finish(); packets.close() }
        let frame = Frame()
        while let packet = packets.pop() {
            var sent = false
            while !sent {
                do {
                    sent = try clock.time(.decode) { () throws(FFmpegError) in try m.decoder.send(packet) } == .accepted
                } catch {
                    progress.decodeErrors.add(1, ordering: .relaxed)  // damaged packet: skip it
                    sent = true
                }
                guard try drain(frame, into: output) else { return }
            }
        }
        _ = try? m.decoder.send(nil)
        if try drain(frame, into: output) { _ = try finishDeinterlacing(into: output) }
    }

    /// The deinterlacer holds one frame back: it is let out at the end.
    private func finishDeinterlacing(into output: BoundedQueue<Numbered>) throws -> Bool {
        guard let d = deinterlacer else { return true }
        deinterlacer = nil
        for f in try d.deinterlace(nil) where !(try push(f, into: output)) { return false }
        return true
    }

    private func push(_ f: Frame, into output: BoundedQueue<Numbered>) throws -> Bool {
        if let n = m.window?.maxFrames, sequence >= n { return false }
        let ready = try clock.time(.decode) { try prepare(f) }
        if !output.push(Numbered(sequence: sequence, frame: ready)) { return false }
        sequence += 1
        return true
    }

    /// Receives every frame the decoder has ready. Returns false when downstream has closed.
    private func drain(_ frame: Frame, into output: BoundedQueue<Numbered>) throws -> Bool {
        while true {
            let result: Decoder.ReceiveResult
            do { result = try clock.time(.decode) { () throws(FFmpegError) in try m.decoder.receive(into: frame) } } catch {
                progress.decodeErrors.add(1, ordering: .relaxed)
                return true
            }
            guard result == .frame else { return true }
            if let w = m.window {
                // Decoders return frames in presentation order: the first at or past the end means
                // every frame of the window is out (open-GOP leading pictures included).
                let t = frame.bestEffortTimestamp
                if t != noTimestamp, let end = w.endPTS, t >= end {
                    _ = try finishDeinterlacing(into: output)
                    return false
                }
                if t != noTimestamp, t < w.startPTS { frame.unref(); continue }
                if let n = w.maxFrames, sequence >= n { return false }
            }
            let moved = frame.moveOut()
            if deinterlacer == nil && m.deinterlace == .auto && Deinterlacer.isInterlaced(moved) {
                // Not declared by the stream, but the frames say so (some MPEG-2 and H.264 streams).
                deinterlacer = try m.makeDeinterlacer(allFrames: false)
                m.notifyDeinterlacing()
            }
            guard let d = deinterlacer else {
                if !(try push(moved, into: output)) { return false }
                continue
            }
            if moved.pts == noTimestamp { moved.pts = moved.bestEffortTimestamp }
            for f in try clock.time(.decode, { () throws(FFmpegError) in try d.deinterlace(moved) }) where !(try push(f, into: output)) {
                return false
            }
        }
    }

    /// Fixes the timestamp and converts to the working format when the decoder's differs.
    private func prepare(_ f: Frame) throws -> Frame {
        var pts = f.bestEffortTimestamp
        if pts == noTimestamp { pts = f.pts }
        if pts == noTimestamp { pts = lastPTS.map { $0 + frameStep } ?? 0 }
        if let last = lastPTS, pts <= last { pts = last + 1 }  // encoders need increasing timestamps
        lastPTS = pts
        f.pts = pts - (m.window?.shift ?? 0)
        return try conformer.conform(f)
    }
}
