import ArgumentParser
import Foundation
import VSRKernels
import VSRMedia
import VSRModels
import VSRQuality

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure PSNR/SSIM on an image set, by the convention of the published tables.",
        discussion: """
        Mod-crop, MATLAB bicubic downscale (antialiased, rounded to 8 bits), super-resolve, round, \
        BT.601 luma, border of `scale` pixels cropped; PSNR and SSIM (11x11 Gaussian, sigma 1.5) per \
        image and their mean. The bicubic baseline is always printed beside the model.
        """)

    @Argument(help: "Folder of ground-truth images (BMP, PNG, JPEG), e.g. ../shared/datasets/Set5.")
    var dataset: String

    @OptionGroup var models: ModelOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "LR luma as the model sees it: 16 (unrounded, the published convention) or 8 (rounded, as video delivers it). Default 16, or 8 when the model runs int8 (the int8 engine takes 8-bit planes).")
    var lumaBits: Int?

    @Option(help: "Also write each super-resolved image (PNG) into this folder.")
    var saveImages: String?

    func run() throws {
        configureFFmpegLogging(verbose: false)
        try reportingErrors {
            // The published convention is clean bicubic LR: the paper family unless asked otherwise.
            let model = models.chosenModel(lossyInput: false, input: "clean bicubic LR") { Terminal.note($0) }
            // The published convention feeds unrounded luma, which only fp32 takes: auto means fp32
            // here; --precision int8 measures the int8 engine (on 8-bit luma).
            let precision = models.precision == .auto ? .fp32 : models.precision
            // Images carry no QP: the model alone, never its QP-band specialists.
            let upscaler = try ModelCatalog.upscaler(named: model, scale: models.scale, precision: precision, byQP: false)
            if let saveImages { try FileManager.default.createDirectory(atPath: saveImages, withIntermediateDirectories: true) }
            let int8 = upscaler.precision == "int8"
            if let lumaBits, lumaBits != 8 && lumaBits != 16 { throw ValidationError("--luma-bits must be 8 or 16") }
            if int8 && lumaBits == 16 { throw ValidationError("--luma-bits 16 needs --precision fp32: the int8 engine takes 8-bit luma") }
            let bits = lumaBits ?? (int8 ? 8 : 16)
            let report = try Evaluation.run(dataset: dataset, scale: models.scale, upscaler: upscaler, lumaBits: bits,
                                            saveImages: saveImages)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let how = bits == 8 ? ", \(upscaler.precision), 8-bit LR luma" : ""
            print("\(report.dataset) x\(models.scale): \(report.model.name)\(how) vs bicubic (Y-PSNR dB / SSIM)")
            for (m, b) in zip(report.model.images, report.bicubic.images) {
                print(String(format: "  %-12@ %7.3f / %.4f   bicubic %7.3f / %.4f", m.name as NSString, m.psnr, m.ssim, b.psnr, b.ssim))
            }
            print(String(format: "  %-12@ %7.3f / %.4f   bicubic %7.3f / %.4f", "mean" as NSString,
                         report.model.mean_psnr, report.model.mean_ssim, report.bicubic.mean_psnr, report.bicubic.mean_ssim))
        }
    }
}
