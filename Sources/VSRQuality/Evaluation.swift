import Foundation
import VSRKernels
import VSRMedia

/// `vsr eval`: the published SR evaluation convention (shared/datasets/README.md), exactly.
///
/// Per image: mod-crop to the scale, LR = MATLAB bicubic downscale rounded to 8 bits, the model
/// upscales the LR luma (BT.601, unrounded: fed as 16-bit samples), the result is rounded to 8
/// bits and compared with the HR luma, `scale` pixels cropped from every border. The bicubic
/// baseline is MATLAB's bicubic upscale of the same LR image, rounded, then its luma.
///
/// `lumaBits: 8` rounds the LR luma to 8 bits first, as video delivers it: what the int8 engine
/// takes (it runs 8-bit planes only), and the fp32 figure to compare int8 with.
public enum Evaluation {
    public struct Score: Sendable, Codable {
        public let name: String
        public let psnr: Double
        public let ssim: Double
    }

    public struct Summary: Sendable, Codable {
        public let name: String
        public let mean_psnr: Double
        public let mean_ssim: Double
        public let images: [Score]

        init(name: String, images: [Score]) {
            self.name = name
            self.images = images
            mean_psnr = images.map(\.psnr).reduce(0, +) / Double(max(1, images.count))
            mean_ssim = images.map(\.ssim).reduce(0, +) / Double(max(1, images.count))
        }
    }

    public struct Report: Sendable, Codable {
        public let dataset: String
        public let scale: Int
        public let model: Summary
        public let bicubic: Summary
    }

    public static let imageExtensions: Set<String> = ["bmp", "png", "jpg", "jpeg", "tif", "tiff", "ppm", "pgm"]

    public static func images(in folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        return names.filter { imageExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .sorted().map { "\(folder)/\($0)" }
    }

    public static func run(dataset folder: String, scale: Int, upscaler: any LumaUpscaler,
                           lumaBits: Int = 16, saveImages: String? = nil) throws -> Report {
        precondition(lumaBits == 8 || lumaBits == 16)
        let files = try images(in: folder)
        guard !files.isEmpty else { throw EvaluationError.noImages(folder) }
        let worker = upscaler.makeWorker()
        var model: [Score] = [], bicubic: [Score] = []
        for path in files {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let image: PackedImage
            do { image = try PackedImage.read(path) } catch { throw EvaluationError.unreadable(path, error.description) }
            let c = image.channels
            let w = image.width - image.width % scale, h = image.height - image.height % scale
            guard w >= 2 * scale + 11, h >= 2 * scale + 11 else { throw EvaluationError.tooSmall(path) }
            var hr = [Double](repeating: 0, count: w * h * c)
            for y in 0..<h { for i in 0..<(w * c) { hr[y * w * c + i] = Double(image.pixels[y * image.width * c + i]) / 255 } }
            let hrY = Metrics.luma(hr, channels: c)
            let low = MatlabResize.resize(hr, width: w, height: h, channels: c, scale: 1 / Double(scale))
            let lr = low.pixels.map(quantize8)
            let (lw, lh) = (low.width, low.height)

            let up = MatlabResize.resize(lr, width: lw, height: lh, channels: c, scale: Double(scale)).pixels.map(quantize8)
            let bicubicY = Metrics.luma(up, channels: c)
            bicubic.append(Score(name: name, psnr: Metrics.psnr(hrY, bicubicY, width: w, height: h, border: scale),
                                 ssim: Metrics.ssim(hrY, bicubicY, width: w, height: h, border: scale)))

            let lrY = Metrics.luma(lr, channels: c)
            let srY = lumaBits == 8 ? superResolve8(lrY, width: lw, height: lh, scale: scale, worker: worker)
                : superResolve(lrY, width: lw, height: lh, scale: scale, worker: worker)
            model.append(Score(name: name, psnr: Metrics.psnr(hrY, srY, width: w, height: h, border: scale),
                               ssim: Metrics.ssim(hrY, srY, width: w, height: h, border: scale)))
            if let saveImages {
                try save(srY, colourFrom: up, channels: c, width: w, height: h,
                         to: "\(saveImages)/\(name)_x\(scale)_\(upscaler.name).png")
            }
        }
        return Report(dataset: URL(fileURLWithPath: folder).lastPathComponent, scale: scale,
                      model: Summary(name: upscaler.name, images: model), bicubic: Summary(name: "bicubic", images: bicubic))
    }

    static func quantize8(_ v: Double) -> Double { (min(max(v, 0), 1) * 255).rounded() / 255 }

    /// LR luma (16...235, unrounded) -> upscaled luma rounded to 8-bit steps. The plane is
    /// 16-bit so the network sees the unrounded luma (1/256 steps), as in training.
    static func superResolve(_ y: [Double], width w: Int, height h: Int, scale r: Int,
                             worker: any LumaUpscaleWorker) -> [Double] {
        var src = y.map { UInt16(min(max(($0 * 256).rounded(), 0), 65535)) }
        var dst = [UInt16](repeating: 0, count: w * h * r * r)
        src.withUnsafeMutableBytes { s in
            dst.withUnsafeMutableBytes { d in
                worker.upscale(LumaPlane(base: s.baseAddress!, width: w, height: h, rowBytes: 2 * w, bitDepth: 16),
                               into: LumaPlane(base: d.baseAddress!, width: w * r, height: h * r, rowBytes: 2 * w * r, bitDepth: 16))
            }
        }
        return dst.map { min(max((Double($0) / 256).rounded(), 0), 255) }
    }

    /// LR luma rounded to 8 bits -> upscaled 8-bit luma (the int8 engine's input).
    static func superResolve8(_ y: [Double], width w: Int, height h: Int, scale r: Int,
                              worker: any LumaUpscaleWorker) -> [Double] {
        var src = y.map { UInt8(min(max($0.rounded(), 0), 255)) }
        var dst = [UInt8](repeating: 0, count: w * h * r * r)
        src.withUnsafeMutableBytes { s in
            dst.withUnsafeMutableBytes { d in
                worker.upscale(LumaPlane(base: s.baseAddress!, width: w, height: h, rowBytes: w, bitDepth: 8),
                               into: LumaPlane(base: d.baseAddress!, width: w * r, height: h * r, rowBytes: w * r, bitDepth: 8))
            }
        }
        return dst.map { Double($0) }
    }

    /// Writes the SR luma with the bicubic image's chroma as a PNG (BT.601, MATLAB's ycbcr).
    static func save(_ y: [Double], colourFrom rgb: [Double], channels c: Int, width w: Int, height h: Int, to path: String) throws {
        var pixels = [UInt8](repeating: 0, count: w * h * c)
        for i in 0..<(w * h) {
            if c == 1 { pixels[i] = UInt8(min(max(((y[i] - 16) * 255 / 219).rounded(), 0), 255)); continue }
            let r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2]
            let cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b, cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b
            let yy = 1.164383 * (y[i] - 16)
            let out = [yy + 1.596027 * (cr - 128), yy - 0.391762 * (cb - 128) - 0.812968 * (cr - 128), yy + 2.017232 * (cb - 128)]
            for k in 0..<3 { pixels[i * 3 + k] = UInt8(min(max(out[k].rounded(), 0), 255)) }
        }
        do { try PackedImage(width: w, height: h, channels: c, pixels: pixels).writePNG(path) } catch {
            throw EvaluationError.unwritable(path, error.description)
        }
    }
}

public enum EvaluationError: Error, CustomStringConvertible {
    case noImages(String), unreadable(String, String), tooSmall(String), unwritable(String, String)
    public var description: String {
        switch self {
        case .noImages(let f): "no images (bmp, png, jpg) in \(f)"
        case .unreadable(let p, let why): "cannot read the image \(p): \(why)"
        case .tooSmall(let p): "\(p) is too small to evaluate at this scale"
        case .unwritable(let p, let why): "cannot write \(p): \(why)"
        }
    }
}
