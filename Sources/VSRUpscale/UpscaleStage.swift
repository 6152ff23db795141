import VSRFrames
import VSRMedia
import VSRPipeline

/// One upscale worker: decoded frames in, upscaled frames out in any order (the reorder queue
/// restores it). Owns its FrameUpscaler.
struct UpscaleStage {
    let frames: FrameUpscaler
    let clock: StageClock
    let stop: StopFlag
    let pause: PauseGate

    func run(input: BoundedQueue<Numbered>, output: ReorderQueue<Frame>) throws {
        defer { output.finish() }
        while let item = input.pop() {
            pause.pass()
            // Stopped: the frames still queued are dropped (closing the queue also releases the
            // decoder), the ones already upscaled are encoded and the file is finished, so a
            // stop takes about one frame's time, not a queue's.
            if stop.isRaised {
                input.close()
                break
            }
            let out = try frames.upscale(item.frame, clock: clock)
            if !output.push(out, sequence: item.sequence) { break }
        }
    }
}
