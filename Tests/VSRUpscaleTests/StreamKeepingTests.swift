import Foundation
import Testing
import VSRFrames
import VSRKernels
import VSRMedia
import VSRTestSupport
@testable import VSRUpscale

/// Every input stream is kept, converted, or refused with one line naming the stream, the codec,
/// the container and the option to change; never dropped in silence.
@Suite(.serialized)
struct StreamKeepingTests {
    /// Streams as ffprobe sees them: "type:codec[:language][:attached_pic]".
    static func streams(_ path: String) throws -> [String] {
        let text = try run("ffprobe", ["-v", "error", "-show_entries",
                                       "stream=codec_type,codec_name:stream_tags=language:stream_disposition=attached_pic",
                                       "-of", "compact=p=0:nk=1", path])
        return text.split(separator: "\n").map { String($0) }
    }

    static func duration(_ path: String, stream: String) throws -> Double {
        Double(try run("ffprobe", ["-v", "error", "-select_streams", stream, "-show_entries", "stream=duration",
                                   "-of", "csv=p=0", path]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func upscaleNoting(_ input: String, _ output: String, configure: (inout UpscaleOptions) -> Void = { _ in }) throws -> [String] {
        configureFFmpegLogging(verbose: false)
        var o = UpscaleOptions(input: input, output: output)
        o.workers = 2
        configure(&o)
        let notes = NoteCollector()
        _ = try UpscaleJob(options: o, upscaler: BicubicUpscaler(scale: 2), notify: notes.add).run()
        return notes.all
    }

    /// PCM audio in a .mov into .mp4 (which cannot carry PCM): converted to AAC, same duration, a
    /// note says so. With --audio copy: refused before any work, naming the fixes. --no-audio
    /// leaves it out on purpose.
    @Test func pcmAudioIsConvertedNotLost() throws {
        let s = Scratch()
        let input = s.path("in.mov")
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-f", "lavfi", "-i",
                           "sine=frequency=330:sample_rate=48000", "-t", "2", "-c:v", "libx264", "-c:a", "pcm_s16le",
                           "-shortest", input])
        let notes = try Self.upscaleNoting(input, s.path("out.mp4"))
        #expect(try Self.streams(s.path("out.mp4")).map { $0.split(separator: "|").prefix(2).joined(separator: "|") }
                == ["h264|video", "aac|audio"])
        #expect(abs(try Self.duration(s.path("out.mp4"), stream: "a:0") - 2.0) < 0.05)
        #expect(notes.contains { $0.contains("converting audio stream #1 (pcm_s16le) to aac") }, "\(notes)")
        do {
            _ = try Self.upscaleNoting(input, s.path("copy.mp4")) { $0.keep.audio = .copy }
            Issue.record("--audio copy of PCM into mp4 was accepted")
        } catch {
            #expect("\(error)".contains("audio stream #1 (pcm_s16le) cannot go into mp4") && "\(error)".contains("--no-audio"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: s.path("copy.mp4")))
        _ = try Self.upscaleNoting(input, s.path("none.mp4")) { $0.keep.audio = .none }
        #expect(try Self.streams(s.path("none.mp4")).count == 1)
    }

    /// Two audio languages and an SRT subtitle from .mkv into .mp4: both audio streams copied with
    /// their languages, the subtitle converted to mov_text (same text and timing); and back into
    /// .mkv the mov_text becomes a Matroska text codec.
    @Test func languagesAndTextSubtitlesSurviveContainerChanges() throws {
        let s = Scratch()
        try "1\n00:00:00,200 --> 00:00:00,900\nHello\n\n2\n00:00:01,000 --> 00:00:01,800\nWorld\n"
            .write(toFile: s.path("s.srt"), atomically: true, encoding: .utf8)
        let input = s.path("in.mkv")
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-f", "lavfi", "-i", "sine=f=330",
                           "-f", "lavfi", "-i", "sine=f=440", "-i", s.path("s.srt"), "-map", "0", "-map", "1", "-map", "2",
                           "-map", "3", "-t", "2", "-c:v", "libx264", "-c:a", "aac", "-c:s", "srt",
                           "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=deu",
                           "-metadata:s:s:0", "language=fra", input])
        let notes = try Self.upscaleNoting(input, s.path("out.mp4"))
        let out = try Self.streams(s.path("out.mp4"))
        #expect(out.count == 4, "\(out)")
        #expect(out.contains("aac|audio|0|eng") && out.contains("aac|audio|0|deu") && out.contains("mov_text|subtitle|0|fra"), "\(out)")
        #expect(notes.contains { $0.contains("subtitle stream #3 (subrip) to mov_text") }, "\(notes)")
        // The same events at the same times (as SRT text) as in the source.
        func events(_ path: String) throws -> String { try run("ffmpeg", ["-v", "error", "-i", path, "-map", "0:s", "-f", "srt", "-"]) }
        #expect(try events(s.path("out.mp4")) == events(input))
        #expect(try events(input).contains("World"))
        _ = try Self.upscaleNoting(s.path("out.mp4"), s.path("back.mkv"))
        let back = try Self.streams(s.path("back.mkv"))
        #expect(back.contains { $0.hasPrefix("ass|subtitle") || $0.hasPrefix("subrip|subtitle") }, "\(back)")
        #expect(try events(s.path("back.mkv")) == events(input))
    }

    /// Font attachments stay in .mkv; into .mp4 they are refused with --no-data named. Cover art
    /// (an attached picture) stays in .mp4.
    @Test func attachmentsAndCoverArtAreKept() throws {
        let s = Scratch()
        try Data((0..<3000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: s.path("font.ttf")))
        let withFont = s.path("font.mkv")
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-t", "1", "-c:v", "libx264",
                           "-attach", s.path("font.ttf"), "-metadata:s:t", "mimetype=application/x-truetype-font", withFont])
        _ = try Self.upscaleNoting(withFont, s.path("out.mkv"))
        #expect(try Self.streams(s.path("out.mkv")).contains { $0.hasPrefix("ttf|attachment") })
        try run("ffmpeg", ["-v", "error", "-dump_attachment:t:0", s.path("dumped.ttf"), "-i", s.path("out.mkv"),
                           "-map", "0:v", "-frames:v", "1", "-f", "null", "-"])
        #expect(FileManager.default.contents(atPath: s.path("dumped.ttf")) == FileManager.default.contents(atPath: s.path("font.ttf")))
        do {
            _ = try Self.upscaleNoting(withFont, s.path("out.mp4"))
            Issue.record("an attachment into mp4 was accepted")
        } catch {
            #expect("\(error)".contains("attachment stream #1 (ttf) cannot go into mp4") && "\(error)".contains("--no-data"), "\(error)")
        }

        try makeClip(s.path("plain.mp4"), seconds: 1, extra: ["-c:v", "libx264"])
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", s.path("cover.png")])
        try run("ffmpeg", ["-v", "error", "-i", s.path("plain.mp4"), "-i", s.path("cover.png"), "-map", "0", "-map", "1",
                           "-c", "copy", "-disposition:v:1", "attached_pic", s.path("cover.mp4")])
        _ = try Self.upscaleNoting(s.path("cover.mp4"), s.path("cover_out.mp4"))
        #expect(try Self.streams(s.path("cover_out.mp4")).contains("png|video|1"))
    }

    /// An encoder asked for that the container cannot hold is refused before any work, naming
    /// encoders that fit; with none asked for, the container's own codec is used (webm: VP9).
    @Test func encoderContainerMismatchIsRefusedUpFront() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.4, extra: ["-c:v", "libx264"])
        let notes = try Self.upscaleNoting(s.path("in.mp4"), s.path("auto.webm"))
        #expect(try videoStream(s.path("auto.webm")).codecName == "vp9")
        #expect(notes.contains { $0.contains("webm cannot hold libx264: encoding with libvpx-vp9") }, "\(notes)")
        try FileManager.default.removeItem(atPath: s.path("auto.webm"))
        do {
            _ = try Self.upscaleNoting(s.path("in.mp4"), s.path("out.webm")) { $0.encoderIsDefault = false }
            Issue.record("libx264 into webm was accepted")
        } catch {
            #expect("\(error)".contains("libx264 cannot go into webm") && "\(error)".contains("--encoder"), "\(error)")
        }
        #expect(s.files == ["in.mp4"])
    }
}
