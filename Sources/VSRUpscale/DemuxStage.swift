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

    func run(packets: BoundedQueue<Packet>, muxing: BoundedQueue<MuxItem>) {
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
            } else if let out = m.copies[index] {
                let p = packet.moveOut()
                p.streamIndex = out
                if !muxing.push(MuxItem(packet: p, timeBase: m.input.streamInfo(index).timeBase)) { break }
            }
        }
    }
}
