import VSRMedia
import VSRPipeline

/// Writes packets (encoded video and the streams kept unchanged); the muxer interleaves them.
/// The trailer is written unless the pipeline failed.
struct MuxStage: @unchecked Sendable {
    let output: OutputFile
    let clock: StageClock
    let group: StageGroup
    let videoStream: Int
    let videoTimestamps: TimestampLog?

    func run(_ muxing: BoundedQueue<MuxItem>) throws {
        while let item = muxing.pop() {
            if let videoTimestamps, item.packet.streamIndex == videoStream {
                videoTimestamps.append(item.packet, timeBase: item.timeBase)
            }
            try clock.time(.mux) { () throws(FFmpegError) in try output.write(item.packet, timeBase: item.timeBase) }
        }
        if !group.isCancelled { try output.writeTrailer() }
    }
}

/// Timestamps collected by the mux thread, read after the stages have joined.
final class TimestampLog: @unchecked Sendable {
    private(set) var pts: [Int64] = [], dts: [Int64] = [], durations: [Int64] = []
    private(set) var timeBase = Rational(1, 1)
    func append(_ p: Packet, timeBase tb: Rational) {
        pts.append(p.pts)
        dts.append(p.dts)
        durations.append(p.duration)
        timeBase = tb
    }
}
