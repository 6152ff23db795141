import ArgumentParser
import Foundation
import VSRKernels
import VSRMedia
import VSRModels
import VSRQuality

struct EvalVideo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-video",
        abstract: "Measure quality on compressed video: downscale a clip, encode it at each CRF, upscale, compare.",
        discussion: """
        The HR clip (cropped to a multiple of 2 x scale) is downscaled with swscale, encoded with one \
        encoder thread, decoded, and upscaled by each --model and by the bicubic and \
        Lanczos baselines. Y-PSNR and SSIM against the HR frames, `--border` pixels cropped, per frame \
        and on average. 'clean' in --crf measures the unencoded LR (the convention of `vsr eval`). \
        Example: vsr eval-video ../shared/videos/faces.mp4 --scale 2 --crf 23,28,33 --model balanced
        """)

    @Argument(help: "The high-resolution clip (ground truth).")
    var clip: String

    @Option(help: "Upscaling factor: 2, 3 or 4.")
    var scale = 2

    @Option(name: .customLong("model"), help: "Model to measure (repeatable): fast, balanced, quality, camera-balanced, ... or a .safetensors path (default: balanced and camera-balanced).")
    var models: [String] = []

    @Option(help: "Arithmetic: auto (int8 where the CPU has VNNI and the model carries int8 data), int8 or fp32.")
    var precision: Precision = .auto

    @Option(help: "Comma-separated CRF values; 'clean' skips the encoder.")
    var crf = "23,28,33"

    @Option(help: "Encoder for the LR clip: libx264 or libx265.")
    var codec = "libx264"

    @Option(help: "Encoder preset.")
    var preset = "medium"

    @Option(help: "Downscale filter: bicubic, area, bilinear or lanczos (swscale).")
    var downscale = "bicubic"

    @Option(help: "Frames measured from the start of the clip.")
    var frames = 60

    @Option(help: "Pixels ignored at every border (default: the scale).")
    var border: Int?

    @Flag(inversion: .prefixedNo, help: "Run camera models with their QP-band specialists on H.264 frames (as upscale does).")
    var qpBands = true

    @Flag(help: "Skip SSIM (faster).")
    var noSSIM = false

    @Option(help: "Keep the encoded LR clips in this folder.")
    var keep: String?

    @Flag(help: "Print one JSON object (per-frame PSNR included).")
    var json = false

    func validate() throws {
        guard [2, 3, 4].contains(scale) else { throw ValidationError("--scale must be 2, 3 or 4") }
        guard frames >= 1 else { throw ValidationError("--frames must be at least 1") }
        guard Scaler.Filter(rawValue: downscale) != nil, downscale != "point" else {
            throw ValidationError("--downscale must be bicubic, area, bilinear or lanczos")
        }
        _ = try levels()
    }

    func levels() throws -> [Int?] {
        try crf.split(separator: ",").map { token -> Int? in
            let t = token.trimmingCharacters(in: .whitespaces)
            if t == "clean" { return nil }
            guard let v = Int(t), (0...51).contains(v) else { throw ValidationError("--crf takes values 0...51 or 'clean', not '\(t)'") }
            return v
        }
    }

    func run() throws {
        configureFFmpegLogging(verbose: false)
        try reportingErrors {
            // By default both families' balanced model, side by side.
            let defaults = ["balanced", "camera-balanced"].filter { ModelCatalog.bundledPath($0, scale: scale) != nil }
            let upscalers = try (models.isEmpty ? defaults : models).map {
                try ModelCatalog.upscaler(named: $0, scale: scale, precision: precision, byQP: qpBands)
            }
            var o = VideoEvaluation.Options()
            o.scale = scale
            o.levels = try levels()
            o.codec = codec
            o.preset = preset
            o.downscale = Scaler.Filter(rawValue: downscale)!
            o.frames = frames
            o.border = border
            o.ssim = !noSSIM
            o.keepFolder = keep
            let report = try VideoEvaluation.run(clip: clip, models: upscalers, options: o) { step in
                if !json { Terminal.note(step) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("\(report.clip): \(report.width)x\(report.height), \(report.frames) frames, x\(report.scale), "
                  + "\(report.downscale) down, \(report.codec) \(report.preset); Y-PSNR dB / SSIM (gain over lanczos)")
            let nameWidth = report.levels.flatMap(\.methods).map(\.name.count).max().map { max(22, $0) } ?? 22
            for level in report.levels {
                let head = level.crf.map { "CRF \($0)" } ?? "clean"
                print(String(format: "  %@  (LR %.2f dB, spread %.3f, against the clean LR, %d KiB)", head, level.lrPSNR,
                             level.lrPSNRSpread, level.lrBytes / 1024))
                for m in level.methods {
                    let ssim = m.meanSSIM.map { String(format: " / %.4f", $0) } ?? ""
                    let name = m.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    print("    \(name) " + String(format: "%7.3f", m.meanPSNR) + ssim
                          + String(format: "  %+.3f   spread %.3f", m.gainOverLanczos, m.psnrSpread))
                }
            }
        }
    }
}
