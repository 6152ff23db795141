import Foundation
import Testing
import VSRKernels
import VSRMedia
@testable import VSRUpscale
import VSRTestSupport

/// `--start`, `--duration`, `--frames`: the right frames (those of a full upscale, bit for bit
/// with ffv1), the output starting at 0, audio cut to match.
@Suite(.serialized)
struct TrimTests {
    static func frameHashes(_ path: String) throws -> [String] {
        try run("ffmpeg", ["-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-"])
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: ",").last ?? "") }
    }

    static func streamField(_ path: String, _ stream: String, _ field: String) throws -> Double {
        Double(try run("ffprobe", ["-v", "error", "-select_streams", stream, "-show_entries", "stream=\(field)",
                                   "-of", "csv=p=0", path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func startAndDurationCutVideoAndAudio() throws {
        let s = Scratch()
        let input = s.path("in.mp4")
        try makeClip(input, seconds: 5, audio: true, extra: ["-c:v", "libx264", "-g", "25"])
        try upscale(input, s.path("full.mkv")) { $0.encoder = "ffv1" }
        try upscale(input, s.path("trim.mkv")) { $0.encoder = "ffv1"; $0.start = 1.3; $0.duration = 2 }
        let full = try Self.frameHashes(s.path("full.mkv")), trim = try Self.frameHashes(s.path("trim.mkv"))
        // 25 fps: 1.3 s falls between frames 32 and 33; the first frame at or after it is 33.
        #expect(trim.count == 50 && trim == Array(full[33..<83]), "\(trim.count) frames")
        #expect(try Self.streamField(s.path("trim.mkv"), "v:0", "start_time") < 0.05)
        try upscale(input, s.path("trim.mp4")) { $0.start = 1.3; $0.duration = 2 }
        #expect(abs(try Self.streamField(s.path("trim.mp4"), "a:0", "duration") - 2) < 0.1, "audio cut to 2 s")
    }

    @Test func framesLimitsTheCount() throws {
        let s = Scratch()
        let input = s.path("in.mp4")
        try makeClip(input, seconds: 3, audio: true, extra: ["-c:v", "libx264", "-g", "25"])
        try upscale(input, s.path("full.mkv")) { $0.encoder = "ffv1" }
        try upscale(input, s.path("ten.mkv")) { $0.encoder = "ffv1"; $0.frames = 10 }
        #expect(try Self.frameHashes(s.path("ten.mkv")) == Array(try Self.frameHashes(s.path("full.mkv")).prefix(10)))
    }
}
