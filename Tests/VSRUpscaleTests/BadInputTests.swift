import Foundation
import Testing
import VSRUpscale
import VSRFrames
import VSRTestSupport

/// Bad input gets a clear error and leaves nothing behind.
@Suite(.serialized)
struct BadInputTests {
    func expectFailure(_ input: String, in s: Scratch, matching text: String,
                       configure: (inout UpscaleOptions) -> Void = { _ in }) {
        let before = s.files
        do {
            try upscale(input, s.path("out.mp4"), configure: configure)
            Issue.record("\(input) was accepted")
        } catch {
            #expect("\(error)".contains(text), "\(error)")
        }
        #expect(s.files == before, "files left behind: \(s.files)")
    }

    @Test func missingInput() {
        let s = Scratch()
        expectFailure(s.path("nope.mp4"), in: s, matching: "not found")
    }

    @Test func emptyAndNonMediaFiles() throws {
        let s = Scratch()
        _ = FileManager.default.createFile(atPath: s.path("empty.mp4"), contents: Data())
        try Data("this is not a video\n".utf8).write(to: URL(fileURLWithPath: s.path("notes.mp4")))
        expectFailure(s.path("empty.mp4"), in: s, matching: "not a media file")
        expectFailure(s.path("notes.mp4"), in: s, matching: "not a media file")
    }

    @Test func audioOnlyFileHasNoVideo() throws {
        let s = Scratch()
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine", "-t", "0.5", s.path("tone.m4a")])
        expectFailure(s.path("tone.m4a"), in: s, matching: "no video stream")
    }

    @Test func truncatedFileWithIndexAtTheEnd() throws {
        let s = Scratch()
        try makeClip(s.path("full.mp4"), seconds: 1, extra: ["-c:v", "libx264"])
        let data = try Data(contentsOf: URL(fileURLWithPath: s.path("full.mp4")))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: s.path("cut.mp4")))
        expectFailure(s.path("cut.mp4"), in: s, matching: "not a media file")
    }

    /// A stream cut or damaged in the middle still yields the good frames.
    @Test func damagedStreamKeepsTheGoodFrames() throws {
        let s = Scratch()
        try makeClip(s.path("full.ts"), seconds: 2, extra: ["-c:v", "libx264", "-g", "10"])
        var data = try Data(contentsOf: URL(fileURLWithPath: s.path("full.ts")))
        let mid = data.count / 2
        for i in stride(from: mid, to: mid + 3000, by: 7) { data[i] ^= 0x5A }  // corrupt the middle
        try data.prefix(data.count * 3 / 4).write(to: URL(fileURLWithPath: s.path("bad.ts")))  // and cut the end
        let summary = try upscale(s.path("bad.ts"), s.path("out.mp4"))
        #expect(summary.framesOut > 10 && summary.framesOut < 50, "\(summary.framesOut) frames")
        #expect(try videoStream(s.path("out.mp4")).width == 192)
    }

    @Test func unknownEncoderAndUnwritableOutput() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.2, extra: ["-c:v", "libx264"])
        expectFailure(s.path("in.mp4"), in: s, matching: "not in this FFmpeg build") { $0.encoder = "nope264" }
        do {
            try upscale(s.path("in.mp4"), s.path("missing-folder/out.mp4"))
            Issue.record("accepted an output in a missing folder")
        } catch {
            #expect("\(error)".contains("does not exist"), "\(error)")
        }
    }
}
