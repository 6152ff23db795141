import Testing
@testable import VSRLive

/// The closing advice counts each frame once: never more than 100 % (a frame that fell back and
/// was then dropped by the encoder was counted twice: "110 %").
struct LiveAdviceTests {
    @Test func shareOfFramesNotUpscaledNeverExceedsAll() throws {
        let r = StreamStats.Report(stream: "", state: .live, stateSince: 0, lastError: nil, secondsSinceFrame: 0, inputFps: 30, outputFps: 28, framesIn: 100, framesOut: 90, upscaled: 0,
                                   fallback: 100, dropped: 10, reconnects: 0, repeated: 0,
                                   latencyMsP50: 100, latencyMsP95: 200, latencyMsP99: 300)
        let advice = try #require(StreamJob.advice([r], model: "quality-x2"))
        #expect(advice.hasPrefix("100 % of frames"), "\(advice)")
        let fine = StreamStats.Report(stream: "", state: .live, stateSince: 0, lastError: nil, secondsSinceFrame: 0, inputFps: 30, outputFps: 30, framesIn: 100, framesOut: 100, upscaled: 95,
                                      fallback: 5, dropped: 0, reconnects: 0, repeated: 0,
                                      latencyMsP50: 50, latencyMsP95: 80, latencyMsP99: 90)
        #expect(StreamJob.advice([fine], model: "fast-x2") == nil)
        // The model in use is never the advice: camera-fast-x2 is a fast model too.
        let camera = try #require(StreamJob.advice([r], model: "camera-fast-x2"))
        #expect(!camera.contains("--model fast"), "\(camera)")
    }
}
