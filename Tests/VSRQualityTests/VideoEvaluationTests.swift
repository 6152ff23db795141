import Foundation
import Testing
import VSRKernels
import VSRMedia
@testable import VSRQuality

/// Runs the ffmpeg CLI; stdout is returned, stderr discarded (read concurrently by the OS: both
/// pipes are never left to fill).
@discardableResult
func ffmpeg(_ args: [String], tool: String = "ffmpeg") throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool, "-hide_banner", "-loglevel", "error"] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: ["args": args.joined(separator: " ")]) }
    return String(decoding: data, as: UTF8.self)
}

@Suite(.serialized)
struct VideoEvaluationTests {
    let folder = NSTemporaryDirectory() + "vsr-eval-video-test-\(UUID().uuidString)"

    /// A 12-frame lossless HR clip with moving detail (192x128; 190x126 is cropped to 184x120 at x4).
    func makeHR(size: String = "192x128") throws -> String {
        configureFFmpegLogging(verbose: false)  // the encoders' banners would fill the test log
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/hr.mkv"
        try ffmpeg(["-y", "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25", "-frames:v", "12",
                    "-c:v", "ffv1", "-pix_fmt", "yuv420p", path])
        return path
    }

    /// Nothing lost, nothing changed: a lossless encode (x264 CRF 0) decodes to the clean LR
    /// exactly, so every method scores exactly as on the clean level.
    @Test func losslessEncodeIsIdentity() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var o = VideoEvaluation.Options()
        o.levels = [nil, 0]
        o.frames = 12
        o.ssim = false
        let r = try VideoEvaluation.run(clip: try makeHR(), models: [], options: o)
        #expect(r.frames == 12 && r.width == 192 && r.height == 128)
        #expect(r.levels.map(\.lrPSNR) == [.infinity, .infinity])
        #expect(r.levels[0].methods.map(\.name) == ["bicubic", "lanczos"])
        for (a, b) in zip(r.levels[0].methods, r.levels[1].methods) {
            #expect(a.framePSNR == b.framePSNR, "\(a.name)")
            #expect(a.framePSNR.count == 12 && a.framePSNR.allSatisfy { $0.isFinite && $0 > 20 })
        }
        #expect(r.levels[0].methods[1].gainOverLanczos == 0)
        #expect(r.levels.map(\.lrPSNRSpread) == [0, 0])
        // JSON has no infinity: the lossless levels' LR PSNR is written as null, the rest as numbers
        // (`--json` with a clean level used to fail with an encoding error).
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as! [String: Any]
        let levels = json["levels"] as! [[String: Any]]
        #expect(levels.count == 2 && levels.allSatisfy { $0["lrPSNR"] is NSNull })
        let methods = levels[0]["methods"] as! [[String: Any]]
        let written = methods[1]["framePSNR"] as! [Double]
        #expect(written.count == 12 && zip(written, r.levels[0].methods[1].framePSNR).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    /// The Lanczos baseline per frame equals ffmpeg's own `psnr` filter on the same LR clip
    /// upscaled by ffmpeg's scale filter (same swscale flags, no border).
    @Test func lanczosBaselineAgreesWithFFmpegPSNRFilter() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let hr = try makeHR(size: "190x126")
        var o = VideoEvaluation.Options()
        o.scale = 2
        o.levels = [30]
        o.frames = 12
        o.border = 0
        o.ssim = false
        o.keepFolder = folder
        let r = try VideoEvaluation.run(clip: hr, models: [], options: o)
        #expect(r.width == 188 && r.height == 124)
        let stats = folder + "/psnr.log"
        try ffmpeg(["-i", folder + "/lr-crf30.mkv", "-i", hr, "-lavfi",
                    "[0:v]scale=188:124:flags=lanczos+accurate_rnd+full_chroma_int[a];[1:v]crop=188:124:0:0[b];[a][b]psnr=stats_file=\(stats)",
                    "-f", "null", "-"])
        let theirs = try String(contentsOfFile: stats, encoding: .utf8).split(separator: "\n").compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("psnr_y:") }.flatMap { Double($0.dropFirst(7)) }
        }
        let ours = r.levels[0].methods.first { $0.name == "lanczos" }!.framePSNR
        #expect(theirs.count == 12 && ours.count == 12)
        for (a, b) in zip(ours, theirs) { #expect(abs(a - b) < 0.01, "ours \(a), ffmpeg's psnr filter \(b)") }
        #expect(r.levels[0].lrBytes > 0 && r.levels[0].lrPSNR.isFinite)
    }

    /// More compression loses more, for the LR and for every method; the model column is there.
    @Test func strongerCompressionScoresLower() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var o = VideoEvaluation.Options()
        o.levels = [18, 40]
        o.frames = 6
        let r = try VideoEvaluation.run(clip: try makeHR(), models: [BicubicUpscaler(scale: 2)], options: o)
        #expect(r.frames == 6)
        #expect(r.levels[0].lrPSNR > r.levels[1].lrPSNR + 3)
        // The input's own per-frame variation is measured (the bound the issue sets for pumping).
        #expect(r.levels.allSatisfy { $0.lrPSNRSpread > 0 && $0.lrPSNRSpread.isFinite })
        #expect(r.levels[0].lrBytes > r.levels[1].lrBytes)
        for (a, b) in zip(r.levels[0].methods, r.levels[1].methods) {
            #expect(a.meanPSNR > b.meanPSNR, "\(a.name)")
            #expect((a.meanSSIM ?? 0) > (b.meanSSIM ?? 1), "\(a.name)")
        }
        // The model given is our bicubic: it scores exactly as the bicubic baseline.
        #expect(r.levels[0].methods[0].framePSNR == r.levels[0].methods[1].framePSNR)
    }

    /// The same evaluation twice in one process gives the same encoded clips and the same
    /// figures, to the last bit. A 320x180 LR clip of noisy detail made libx264 read heap bytes it
    /// never wrote, and its output changed from run to run (`YUVClipWriter.makeEncodesRepeatable`).
    @Test func repeatedRunsGiveIdenticalResults() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        configureFFmpegLogging(verbose: false)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hr = folder + "/noisy.mkv"
        try ffmpeg(["-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25,noise=alls=12:allf=t", "-frames:v", "20",
                    "-c:v", "ffv1", "-pix_fmt", "yuv420p", hr])
        var o = VideoEvaluation.Options()
        o.levels = [23]
        o.frames = 20
        o.ssim = false
        let runs = try (0..<3).map { _ in try VideoEvaluation.run(clip: hr, models: [], options: o).levels[0] }
        for r in runs.dropFirst() {
            #expect(r.lrBytes == runs[0].lrBytes && r.lrPSNR == runs[0].lrPSNR)
            #expect(r.methods.map(\.framePSNR) == runs[0].methods.map(\.framePSNR))
        }
    }
}
