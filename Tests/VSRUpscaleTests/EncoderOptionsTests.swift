import Foundation
import Testing
import VSRKernels
import VSRMedia
@testable import VSRUpscale
import VSRTestSupport

/// --encoder-option, --pix-fmt and per-encoder CRF scales: applied when valid, refused before any
/// work (nothing left behind) when not.
@Suite(.serialized)
struct EncoderOptionsTests {
    @Test func optionsAndPixelFormatReachTheEncoder() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.4, extra: ["-c:v", "libx264"])
        try upscale(s.path("in.mp4"), s.path("out.mkv")) {
            $0.pixelFormat = "yuv420p10le"
            $0.encoderOptions = ["profile": "high10", "g": "5"]
        }
        let v = try videoStream(s.path("out.mkv"))
        #expect(v.pixFmt == "yuv420p10le")
        let profile = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=profile",
                                          "-of", "csv=p=0", s.path("out.mkv")])
        #expect(profile.contains("High 10"), "\(profile)")
        let keys = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0",
                                       s.path("out.mkv")]).split(separator: "\n").filter { $0.hasPrefix("K") }.count
        #expect(keys == 2, "g=5 on 10 frames: 2 keyframes, got \(keys)")
    }

    enum BadSetting: String, CaseIterable, Sendable {
        case crfOutOfRange, crfForLossless, unknownOption, pixelFormat

        func apply(_ o: inout UpscaleOptions) {
            switch self {
            case .crfOutOfRange: o.crf = 60
            case .crfForLossless: o.encoder = "ffv1"; o.crf = 10
            case .unknownOption: o.encoderOptions = ["nosuch": "1"]
            case .pixelFormat: o.pixelFormat = "yuv444p16le"
            }
        }

        var message: String {
            switch self {
            case .crfOutOfRange: "outside libx264's range 0-51"
            case .crfForLossless: "--crf does not apply to ffv1"
            case .unknownOption: "has no option 'nosuch'"
            case .pixelFormat: "libx264 cannot encode yuv444p16le"
            }
        }
    }

    @Test(arguments: BadSetting.allCases)
    func badEncoderSettingsAreRefusedUpFront(setting: BadSetting) throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.2, extra: ["-c:v", "libx264"])
        do {
            try upscale(s.path("in.mp4"), s.path("out.mkv")) { setting.apply(&$0) }
            Issue.record("\(setting) was accepted")
        } catch {
            #expect("\(error)".contains(setting.message), "\(setting): \(error)")
        }
        #expect(s.files == ["in.mp4"], "\(setting) left \(s.files)")
    }
}
