import VSRMedia
import VSRPipeline

/// Writes packets (encoded video and the streams kept unchanged); the muxer interleaves them.
/// The trailer is written unless the pipeline failed.
struct MuxStage: @unchecked Sendable {
    let output: OutputFile
    let clock: StageClock
    let group: StageGroup

    func run(_ muxing: BoundedQueue<MuxItem>) throws {
        while let item = muxing.pop() {
            try clock.time(.mux) { () throws(FFmpegError) in try output.write(item.packet, timeBase: item.timeBase) }
        }
        if !group.isCancelled { try output.writeTrailer() }
    }
}
