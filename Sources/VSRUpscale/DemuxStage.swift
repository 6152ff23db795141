import VSRMedia
import VSRPipeline

/// Reads packets: video to the decoder, the streams kept unchanged straight to the muxer. A read
/// error ends the input early but keeps every frame read so far.
struct DemuxStage: @unchecked Sendable {
    let setup: MediaSetup
    let clock: StageClock
    let stop: StopFlag
    let group: StageGroup
    let readProblem: ReadProblem
    let notify: @Sendable (String) -> Void

    func run(packets: BoundedQueue<Packet>, muxing: BoundedQueue<MuxItem>) throws {
        defer { packets.finish(); muxing.finish() }
        let m = setup
        let packet = Packet()
        if let seek = m.window?.seekTimestamp {
            // From the window's keyframe (or the last one before it): frames before its start are
            // decoded only as references and dropped by the decode stage.
            do { try m.input.seek(stream: m.videoIndex, to: seek) } catch {
                readProblem.set("\(error)")
                return
            }
        }
        let vtb = m.input.timeBase(stream: m.videoIndex)
        var videoDone = false
        var passedEnd: Set<Int> = []
        while !stop.isRaised {
            if videoDone && m.kept.isEmpty { break }
            do {
                if try clock.time(.demux, { () throws(FFmpegError) in try m.input.read(into: packet) }) == .endOfFile { break }
            } catch {
                if stop.isRaised || group.isCancelled { break }
                readProblem.set("\(error)")
                notify("input ends early: \(error)")
                break
            }
            let index = packet.streamIndex
            if index == m.videoIndex {
                // After the decoder has its window's frames, the other streams are read up to
                // the window's end.
                if !videoDone && !packets.push(packet.moveOut()) {
                    videoDone = true
                    if m.window?.endPTS == nil { break }
                }
            } else if let kept = m.kept[index] {
                let tb = m.input.timeBase(stream: index)
                if let w = m.window, !inWindow(packet, tb, w) {
                    if videoDone && packet.pts != noTimestamp && packet.pts >= w.endPTS.map({ vtb.rescale($0, to: tb) }) ?? .max { passedEnd.insert(index) }
                    if videoDone && passedEnd.count == m.kept.count { break }
                    continue
                }
                if let w = m.window, w.shift != 0 { packet.shiftTimestamps(by: -w.shift(in: tb, from: vtb)) }
                let (ps, otb) = try kept.packets(for: packet.moveOut(), inputTimeBase: tb)
                for p in ps where !muxing.push(MuxItem(packet: p, timeBase: otb)) { return }
            } else if videoDone && m.window?.endPTS == nil {
                break
            }
        }
        // Converted streams hold their last samples or events until the end.
        for (index, kept) in m.kept {
            let (ps, tb) = try kept.packets(for: nil, inputTimeBase: m.input.timeBase(stream: index))
            for p in ps where !muxing.push(MuxItem(packet: p, timeBase: tb)) { return }
        }
    }

    /// Whether a kept stream's packet falls inside the window (by pts, else dts).
    private func inWindow(_ p: Packet, _ tb: Rational, _ w: VideoWindow) -> Bool {
        let vtb = setup.input.timeBase(stream: setup.videoIndex)
        let t = p.pts != noTimestamp ? p.pts : p.dts
        guard t != noTimestamp else { return true }
        if t < vtb.rescale(w.startPTS, to: tb) { return false }
        if let end = w.endPTS, t >= vtb.rescale(end, to: tb) { return false }
        return true
    }
}
