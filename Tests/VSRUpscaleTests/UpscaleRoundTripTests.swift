import Foundation
import Testing
import VSRUpscale
import VSRFrames
import VSRTestSupport
@testable import VSRKernels

/// Real files in, real files out: what `vsr upscale` must preserve.
@Suite(.serialized)
struct UpscaleRoundTripTests {
    @Test func keepsFramesTimestampsAndAudioBitExact() throws {
        let s = Scratch()
        let input = s.path("in.mp4"), output = s.path("out.mp4")
        try makeClip(input, seconds: 2, audio: true, extra: ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let summary = try upscale(input, output)
        let a = try videoStream(input), b = try videoStream(output)
        #expect(b.width == 192 && b.height == 128)
        #expect(b.nbReadFrames == a.nbReadFrames)
        #expect(summary.framesOut == 50)
        #expect(try frameTimes(output) == frameTimes(input))
        let audioIn = try audioPacketHashes(input)
        #expect(!audioIn.isEmpty)
        #expect(try audioPacketHashes(output) == audioIn, "audio must be copied packet for packet")
        #expect(s.files == ["in.mp4", "out.mp4"], "no temporary files left behind")
    }

    @Test func variableFrameRateStaysVariable() throws {
        let s = Scratch()
        let input = s.path("vfr.mkv"), output = s.path("vfr_x2.mkv")
        // Gaps that grow frame by frame: 40 ms, 44 ms, 48 ms, ...
        try makeClip(input, extra: ["-vf", "setpts=(N+N*N/10)/25/TB", "-vsync", "passthrough", "-c:v", "libx264"])
        try upscale(input, output)
        let tIn = try frameTimes(input), tOut = try frameTimes(output)
        #expect(tIn.count > 10 && tOut.count == tIn.count)
        for (x, y) in zip(tIn, tOut) { #expect(abs(x - y) < 0.0015, "\(x) vs \(y)") }
        let gaps = zip(tOut.dropFirst(), tOut).map { $0 - $1 }
        #expect(gaps.max()! - gaps.min()! > 0.05, "the output must keep the irregular spacing")
    }

    @Test func tenBitStaysTenBit() throws {
        let s = Scratch()
        let input = s.path("in10.mkv"), output = s.path("out10.mkv")
        try makeClip(input, seconds: 0.4, extra: ["-pix_fmt", "yuv420p10le", "-c:v", "libx264"])
        try upscale(input, output)
        let v = try videoStream(output)
        #expect(v.pixFmt == "yuv420p10le")
        #expect(v.width == 192)
    }

    @Test func imageInImageOut() throws {
        let s = Scratch()
        let input = s.path("in.png"), output = s.path("out.png")
        try makeClip(input, video: "testsrc2=size=40x30", extra: ["-frames:v", "1"])
        try upscale(input, output, scale: 3)
        let v = try videoStream(output)
        #expect(v.codecName == "png")
        #expect(v.width == 120 && v.height == 90)
    }

    @Test func rotationIsKept() throws {
        let s = Scratch()
        let plain = s.path("plain.mp4"), input = s.path("rotated.mp4"), output = s.path("out.mp4")
        try makeClip(plain, seconds: 0.4, extra: ["-c:v", "libx264"])
        try run("ffmpeg", ["-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", input])
        try upscale(input, output)
        func rotation(_ p: String) throws -> Double? {
            try videoStream(p).sideDataList?.compactMap { $0.rotation.map(Double.init) }.first
        }
        let r = try rotation(input)
        #expect(r != nil && r != 0)
        #expect(try rotation(output) == r)
    }

    /// The bicubic path (losslessly encoded) against bicubic computed from its definition on the
    /// same decoded frames, and against swscale's bicubic as a check of geometry (a half-pixel
    /// shift would drop far below 35 dB on this test pattern).
    @Test func bicubicMatchesAnIndependentBicubic() throws {
        let s = Scratch()
        let input = s.path("in.mkv"), ours = s.path("ours.mkv")
        let (w, h, frames) = (128, 96, 5)
        try makeClip(input, video: "testsrc2=size=128x96:rate=25", seconds: 0.2, extra: ["-c:v", "libx264", "-crf", "0"])
        try upscale(input, ours) { $0.crf = 0 }
        func luma(_ path: String, _ filter: [String] = []) throws -> [UInt8] {
            let out = s.path("y.raw")
            try run("ffmpeg", ["-v", "error", "-y", "-i", path] + filter + ["-f", "rawvideo", "-pix_fmt", "gray", out])
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        let low = try luma(input), mine = try luma(ours)
        let swscale = try luma(input, ["-vf", "scale=256:192:flags=bicubic+accurate_rnd:param0=0:param1=0.5"])
        #expect(low.count == w * h * frames && mine.count == 4 * w * h * frames)
        var reference: [UInt8] = []
        for f in 0..<frames {
            let plane = low[(f * w * h)..<((f + 1) * w * h)].map { Float($0) }
            reference += ReferenceExecutor.bicubic(plane, width: w, height: h, scale: 2).map { UInt8(min(max($0.rounded(), 0), 255)) }
        }
        func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
            var se = 0.0, n = 0
            for f in 0..<frames { for y in 4..<(2 * h - 4) { for x in 4..<(2 * w - 4) {
                let i = (f * 2 * h + y) * 2 * w + x
                se += pow(Double(a[i]) - Double(b[i]), 2)
                n += 1
            } } }
            return 10 * log10(255 * 255 / max(se / Double(n), 1e-10))
        }
        #expect(psnr(mine, reference) > 50, "against the definition: \(psnr(mine, reference)) dB")
        #expect(psnr(mine, swscale) > 35, "against swscale: \(psnr(mine, swscale)) dB")
    }

    @Test func existingOutputIsKeptUnlessOverwrite() throws {
        let s = Scratch()
        let input = s.path("in.mp4"), output = s.path("out.mp4")
        try makeClip(input, seconds: 0.2, extra: ["-c:v", "libx264"])
        try Data("precious".utf8).write(to: URL(fileURLWithPath: output))
        #expect(throws: VSRError.self) { try upscale(input, output) }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        try upscale(input, output) { $0.overwrite = true }
        #expect(try videoStream(output).width == 192)
    }

    @Test func stopKeepsAPlayablePartialFile() throws {
        let s = Scratch()
        let input = s.path("in.mp4"), output = s.path("out.mp4")
        try makeClip(input, seconds: 8, extra: ["-c:v", "libx264"])
        var o = UpscaleOptions(input: input, output: output)
        o.workers = 1
        let job = UpscaleJob(options: o, upscaler: DelayedBicubic(delay: 0.02), notify: { _ in })
        let stop = VSRPipelineStop()
        Thread { Thread.sleep(forTimeInterval: 0.5); stop.flag.raise() }.start()
        let summary = try job.run(stop: stop.flag)
        #expect(summary.interrupted)
        #expect(summary.path == UpscaleJob.partialPath(for: output))
        #expect(!FileManager.default.fileExists(atPath: output), "an interrupted run must not take the final name")
        let frames = Int(try videoStream(summary.path).nbReadFrames!)!
        #expect(frames > 0 && frames < 200 && frames == summary.framesOut)
    }
}

import VSRPipeline
struct VSRPipelineStop { let flag = StopFlag() }
