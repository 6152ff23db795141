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
        if let segment = m.segment, segment.seekTimestamp != Int64.min {
            // From the segment's keyframe (or the last one before it): frames before the segment's
            // start are decoded only as references and dropped by the decode stage.
            do { try m.input.seek(stream: m.videoIndex, to: segment.seekTimestamp) } catch {
                readProblem.set("\(error)")
                return
            }
        }
        while !stop.isRaised {
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
                if !packets.push(packet.moveOut()) { break }
            } else if let kept = m.kept[index] {
                let (ps, tb) = try kept.packets(for: packet.moveOut(), inputTimeBase: m.input.streamInfo(index).timeBase)
                for p in ps where !muxing.push(MuxItem(packet: p, timeBase: tb)) { return }
            }
        }
        // Converted streams hold their last samples or events until the end.
        for (index, kept) in m.kept {
            let (ps, tb) = try kept.packets(for: nil, inputTimeBase: m.input.streamInfo(index).timeBase)
            for p in ps where !muxing.push(MuxItem(packet: p, timeBase: tb)) { return }
        }
    }
}
