import Foundation
import Testing
import VSRKernels
import VSRMedia
@testable import VSRUpscale
import VSRTestSupport

/// HDR10 input (x265, PQ, mastering display + content light level only in the bitstream's SEI):
/// the output keeps 10 bits, the colour tags and both metadata blocks, at stream level (what
/// containers and players read) and, through x265, in the bitstream; HEVC in MP4 is tagged hvc1.
@Suite(.serialized)
struct HDRTests {
    static let masterDisplay = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)"

    static func makeHDR10(_ path: String) throws {
        try run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=128x72:rate=25", "-t", "0.6",
                           "-pix_fmt", "yuv420p10le", "-c:v", "libx265", "-x265-params",
                           "log-level=error:hdr10=1:repeat-headers=1:master-display=\(masterDisplay):max-cll=1000,400",
                           "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", path])
    }

    /// ffprobe's side data of the stream, or of the first frame, as "key=value" lines.
    static func sideData(_ path: String, frame: Bool) throws -> String {
        let args = frame ? ["-read_intervals", "%+#1", "-show_frames"] : ["-show_streams"]
        return try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-of", "flat"] + args + [path])
            .split(separator: "\n").filter { $0.contains("side_data") }.joined(separator: "\n")
    }

    /// The value of `key` (a number or a fraction such as "17/25") in ffprobe's flat side data.
    static func value(_ key: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(".\(key)=") }) else { return nil }
        let v = line.split(separator: "=").last!.replacingOccurrences(of: "\"", with: "")
        let parts = v.split(separator: "/").compactMap { Double($0) }
        return parts.count == 2 ? parts[0] / parts[1] : parts.first
    }

    /// The source's mastering display and light levels, as ffprobe reads them back.
    static func expectSourceValues(_ sd: String, _ what: String) {
        #expect(value("max_luminance", in: sd) == 1000 && value("min_luminance", in: sd) == 0.005, "\(what): \(sd)")
        #expect(value("red_x", in: sd) == 0.68 && value("white_point_y", in: sd) == 0.329, "\(what): \(sd)")
        #expect(value("max_content", in: sd) == 1000 && value("max_average", in: sd) == 400, "\(what): \(sd)")
    }

    @Test func hdr10MetadataSurvivesTheDefaultEncoder() throws {
        let s = Scratch()
        try Self.makeHDR10(s.path("in.mkv"))
        #expect(try Self.sideData(s.path("in.mkv"), frame: false).isEmpty, "the source has HDR10 only in SEI")
        try upscale(s.path("in.mkv"), s.path("out.mp4"))
        let info = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                       "stream=codec_name,codec_tag_string,pix_fmt,color_transfer,color_primaries", "-of", "csv=p=0",
                                       s.path("out.mp4")])
        #expect(info.hasPrefix("hevc,hvc1,yuv420p10le,smpte2084,bt2020"), "\(info)")
        Self.expectSourceValues(try Self.sideData(s.path("out.mp4"), frame: false), "stream")
        Self.expectSourceValues(try Self.sideData(s.path("out.mp4"), frame: true), "frame")
    }

    /// With an encoder chosen that cannot write HDR SEI (x264), the container still says HDR10.
    @Test func containerCarriesHDR10WithAnyEncoder() throws {
        let s = Scratch()
        try Self.makeHDR10(s.path("in.mkv"))
        try upscale(s.path("in.mkv"), s.path("out.mkv")) { $0.encoder = "libx264"; $0.encoderIsDefault = false }
        Self.expectSourceValues(try Self.sideData(s.path("out.mkv"), frame: false), "mkv stream")
        #expect(try videoStream(s.path("out.mkv")).pixFmt == "yuv420p10le")
    }
}
