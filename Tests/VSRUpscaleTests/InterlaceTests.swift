import Foundation
import Testing
import VSRBench
import VSRKernels
import VSRMedia
@testable import VSRUpscale
import VSRTestSupport

/// Interlaced input (50 fields/s woven into 25 frames, top field first): deinterlaced before
/// upscaling by default, said so, tagged progressive; closer to the progressive original than the
/// woven upscale; --deinterlace off keeps the old behaviour, with a note.
@Suite(.serialized)
struct InterlaceTests {
    /// Y-PSNR of `path` against the even frames of the 50 fps progressive source, upscaled x2.
    static func psnrAgainstProgressive(_ path: String) throws -> Double {
        let reference = "testsrc2=size=160x120:rate=50,trim=duration=1,select='not(mod(n\\,2))',setpts=N/25/TB,"
            + "scale=320:240:flags=bicubic,format=yuv420p"
        // The psnr filter reports on stderr.
        let text = try ChildProcess.runCollectingStderr("ffmpeg", ["-i", path, "-f", "lavfi", "-i", reference, "-lavfi",
                                                                   "[0:v][1:v]psnr", "-f", "null", "-"]).stderr
        guard let r = text.range(of: "y:") else { return 0 }
        return Double(text[r.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
    }

    @Test func interlacedInputIsDeinterlacedFirst() throws {
        let s = Scratch()
        let input = s.path("interlaced.mkv")
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=50", "-t", "1",
                           "-vf", "tinterlace=mode=interleave_top,fieldorder=tff", "-pix_fmt", "yuv420p",
                           "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264-params", "tff=1", input])
        var results: [DeinterlaceMode: (psnr: Double, notes: [String])] = [:]
        for mode in [DeinterlaceMode.auto, .off] {
            var o = UpscaleOptions(input: input, output: s.path("\(mode).mkv"))
            o.encoder = "ffv1"
            o.deinterlace = mode
            let notes = NoteCollector()
            let summary = try UpscaleJob(options: o, upscaler: BicubicUpscaler(scale: 2), notify: notes.add).run()
            #expect(summary.framesOut == 25)
            results[mode] = (try Self.psnrAgainstProgressive(s.path("\(mode).mkv")), notes.all)
        }
        let auto = results[.auto]!, off = results[.off]!
        #expect(auto.notes.contains { $0.contains("interlaced input: deinterlacing with bwdif") }, "\(auto.notes)")
        #expect(off.notes.contains { $0.contains("woven") }, "\(off.notes)")
        #expect(auto.psnr > off.psnr + 1, "deinterlaced \(auto.psnr) dB vs woven \(off.psnr) dB")
        let order = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=field_order",
                                        "-of", "csv=p=0", s.path("auto.mkv")])
        #expect(order.hasPrefix("progressive"), "\(order)")
    }
}
