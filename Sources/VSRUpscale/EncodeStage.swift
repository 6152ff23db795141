import VSRMedia
import VSRPipeline

/// Encodes the upscaled frames in order; packets go to the muxer.
struct EncodeStage: @unchecked Sendable {
    let setup: MediaSetup
    let progress: ProgressCounter
    let clock: StageClock
    let group: StageGroup

    func run(input: ReorderQueue<Frame>, muxing: BoundedQueue<MuxItem>) throws {
        defer { muxing.finish() }
        let m = setup
        let packet = Packet()
        /// Hands every ready packet to the muxer; false when the muxer has gone.
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
        while let frame = input.pop() {
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
}
