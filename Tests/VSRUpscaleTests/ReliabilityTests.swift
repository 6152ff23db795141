import Foundation
import Testing
import VSRUpscale
import VSRFrames
import VSRTestSupport
@testable import VSRKernels

/// Inputs that crashed vsr or lost data (the reliability issue): each is a regression test.
@Suite(.serialized)
struct ReliabilityTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")

    /// A small random network of the bundled models' shape (3x3, PReLU, bicubic residual).
    static func network(scale: Int) throws -> NetworkUpscaler {
        var layers: [ConvLayer] = []
        var cin = 1
        var seed: UInt64 = 7
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2000) / 10_000
        }
        for cout in [8, 8, scale * scale] {
            let w = (0..<(cout * cin * 9)).map { _ in next() / Float(cin) }
            let act: Activation = cout == scale * scale ? .none : .prelu([Float](repeating: 0.1, count: cout))
            layers.append(ConvLayer(kernel: 3, inChannels: cin, outChannels: cout, weights: w,
                                    bias: [Float](repeating: 0, count: cout), activation: act))
            cin = cout
        }
        let net = Network(layers: layers, scale: scale, residual: .bicubic)
        return NetworkUpscaler(try CompiledNetwork(net, blocking: .standard), name: "random")
    }

    /// Odd widths and heights in 4:2:0, 4:4:4 and RGB through the network and bicubic at x2 and
    /// x3: 641x361 crashed (the chroma of the upscaled frame was scaled one row past its plane),
    /// and x3 of an odd size is odd, which x264 refuses (the last column/row is left out).
    @Test(arguments: [
        ("641x361", ["-c:v", "ffv1", "-pix_fmt", "yuv420p"], "mkv"),
        ("129x97", ["-c:v", "ffv1", "-pix_fmt", "yuv420p"], "mkv"),
        ("321x181", ["-c:v", "ffv1", "-pix_fmt", "bgr0"], "mkv"),
        ("65x33", ["-c:v", "libx264", "-pix_fmt", "yuv444p"], "mp4"),
        ("3x5", ["-c:v", "ffv1", "-pix_fmt", "yuv420p"], "mkv"),
    ])
    func oddSizesUpscale(size: String, encode: [String], ext: String) throws {
        let s = Scratch()
        let input = s.path("in.\(ext)")
        // testsrc, not testsrc2: testsrc2 rounds odd sizes down to even.
        try makeClip(input, video: "testsrc=size=\(size):rate=25", seconds: 0.2, extra: encode)
        let probed = try videoStream(input)
        let dims = [probed.width ?? 0, probed.height ?? 0]
        #expect(dims.map { String($0) }.joined(separator: "x") == size, "the test clip is \(dims)")
        for scale in [2, 3] {
            for upscaler: any LumaUpscaler in [try Self.network(scale: scale), BicubicUpscaler(scale: scale)] {
                let output = s.path("out-\(scale)-\(upscaler.name).mp4")
                let summary = try upscale(input, output, scale: scale, upscaler: upscaler)
                #expect(summary.framesOut == 5)
                let v = try videoStream(output)
                #expect(v.width == dims[0] * scale & ~1 && v.height == dims[1] * scale & ~1,
                        "\(size) x\(scale): \(v.width ?? 0)x\(v.height ?? 0)")
                #expect(v.nbReadFrames == "5")
            }
        }
        // A lossless container keeps the odd size whole.
        try upscale(input, s.path("odd.mkv"), scale: 3) { $0.encoder = "ffv1" }
        let v = try videoStream(s.path("odd.mkv"))
        #expect(v.width == dims[0] * 3 && v.height == dims[1] * 3)
    }

    /// Fuzz-found files that made libavformat dereference null after vsr freed the demuxer twice:
    /// now one clear error, nothing left behind.
    @Test(arguments: ["media_crash_2a71eec71be2.mp4", "media_crash_d929e888f643.mkv"])
    func fuzzFoundMediaIsRefused(name: String) throws {
        let s = Scratch()
        do {
            try upscale(Self.regressions.appendingPathComponent("media/\(name)").path, s.path("out.mkv"))
            Issue.record("\(name) was accepted")
        } catch {
            #expect("\(error)".contains("not a media file"), "\(error)")
        }
        #expect(s.files.isEmpty, "left behind: \(s.files)")
    }

    /// Every input in Regressions/TARGET (crashes and hangs found by fuzzing, or reported) goes
    /// through its fuzz target again, in the replay build of `vsr-fuzz`: each must end normally.
    @Test(arguments: ["media", "model", "config", "manifest"])
    func fuzzRegressionsReplay(target: String) throws {
        let folder = Self.regressions.appendingPathComponent(target)
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0).path }
        #expect(!inputs.isEmpty)
        // The test bundle sits beside the products of the same build.
        let replay = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("vsr-fuzz").path
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("vsr-fuzz").path
        let tool = FileManager.default.isExecutableFile(atPath: replay) ? replay : bundleDir
        let out = try run(tool, [target] + inputs)
        #expect(out.split(separator: "\n").count == inputs.count, "\(out)")
    }

    /// --overwrite replaces the output, never the input, however the output is spelled.
    @Test func overwriteNeverReplacesTheInput() throws {
        let s = Scratch()
        let input = s.path("same.mp4")
        try makeClip(input, seconds: 0.2, extra: ["-c:v", "libx264"])
        let original = try Data(contentsOf: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: s.path("link.mp4"), withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: s.path("hard.mp4"))
        let sub = s.path("sub")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let spellings = [input, s.url.path + "/./same.mp4", sub + "/../same.mp4", s.path("link.mp4"), s.path("hard.mp4")]
        for out in spellings {
            do {
                try upscale(input, out) { $0.overwrite = true }
                Issue.record("\(out) was written over the input")
            } catch {
                #expect("\(error)".contains("is the input"), "\(error)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
        #expect(s.files == ["hard.mp4", "link.mp4", "same.mp4", "sub"], "\(s.files)")
        // A genuinely different existing file is still replaced.
        try makeClip(s.path("other.mp4"), seconds: 0.1, extra: ["-c:v", "libx264"])
        try upscale(input, s.path("other.mp4")) { $0.overwrite = true }
        #expect(try videoStream(s.path("other.mp4")).width == 192)
    }

    /// A video into a single image kept 1 frame of 50 and succeeded: refused now, nothing written.
    @Test func videoIntoOneImageIsRefused() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 2, extra: ["-c:v", "libx264"])
        do {
            try upscale(s.path("in.mp4"), s.path("out.png"))
            Issue.record("a 50-frame video was written into one PNG")
        } catch {
            #expect("\(error)".contains("single image"), "\(error)")
        }
        #expect(s.files == ["in.mp4"], "\(s.files)")
    }
}
