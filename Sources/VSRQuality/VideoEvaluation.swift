import Foundation
import VSRKernels
import VSRMedia

/// `vsr eval-video`: quality on compressed video, the input users actually have.
///
/// The HR clip is cropped to a multiple of 2 x scale, downscaled (swscale: bicubic, area, ...),
/// encoded at each CRF (one encoder thread, repeatable: `YUVClipWriter.makeEncodesRepeatable`), decoded,
/// upscaled by each model and by the bicubic and Lanczos baselines, and compared with the HR
/// frames: Y-PSNR and SSIM per frame (border of `border` pixels cropped) and their means. A
/// "clean" level skips the encoder (the LR frames as downscaled).
public enum VideoEvaluation {
    public struct Options: Sendable {
        public var scale = 2
        /// CRF values; nil is the clean (unencoded) level.
        public var levels: [Int?] = [23, 28, 33]
        public var codec = "libx264"
        public var preset = "medium"
        public var downscale: Scaler.Filter = .bicubic
        public var frames = 60
        /// Pixels ignored at every border (default: the scale, as `vsr eval`).
        public var border: Int?
        public var ssim = true
        /// Keep each level's encoded LR clip here (named lr-crfN.mkv).
        public var keepFolder: String?
        public init() {}
    }

    public struct Method: Sendable, Encodable {
        public let name: String
        public let meanPSNR: Double
        public let meanSSIM: Double?
        /// Mean PSNR minus the Lanczos baseline's.
        public let gainOverLanczos: Double
        /// Standard deviation of the per-frame PSNR: quality pumping across GOPs shows here.
        public let psnrSpread: Double
        public let framePSNR: [Double]

        enum CodingKeys: CodingKey { case name, meanPSNR, meanSSIM, gainOverLanczos, psnrSpread, framePSNR }

        public func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(jsonNumber(meanPSNR), forKey: .meanPSNR)
            try c.encodeIfPresent(meanSSIM, forKey: .meanSSIM)
            try c.encode(jsonNumber(gainOverLanczos), forKey: .gainOverLanczos)
            try c.encode(jsonNumber(psnrSpread), forKey: .psnrSpread)
            try c.encode(framePSNR.map(jsonNumber), forKey: .framePSNR)
        }
    }

    public struct Level: Sendable, Encodable {
        /// nil: clean LR, no encoder.
        public let crf: Int?
        /// Decoded LR against the clean LR: what the encoder lost (infinite when nothing was).
        public let lrPSNR: Double
        /// Standard deviation of the decoded LR's per-frame PSNR against the clean LR: how much
        /// the input's own quality pumps across its GOPs, the bound for the methods' `psnrSpread`
        /// (0 when nothing was lost).
        public let lrPSNRSpread: Double
        /// Bytes of the encoded LR clip (0 when clean).
        public let lrBytes: Int
        public let methods: [Method]

        enum CodingKeys: CodingKey { case crf, lrPSNR, lrPSNRSpread, lrBytes, methods }

        public func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(crf, forKey: .crf)
            try c.encode(jsonNumber(lrPSNR), forKey: .lrPSNR)
            try c.encode(lrPSNRSpread, forKey: .lrPSNRSpread)
            try c.encode(lrBytes, forKey: .lrBytes)
            try c.encode(methods, forKey: .methods)
        }
    }

    public struct Report: Sendable, Encodable {
        public let clip: String
        public let scale: Int
        public let codec: String
        public let preset: String
        public let downscale: String
        public let frames: Int
        public let width: Int, height: Int
        public let border: Int
        public let levels: [Level]
    }

    public static func run(clip: String, models: [any LumaUpscaler], options o: Options,
                           progress: (String) -> Void = { _ in }) throws -> Report {
        YUVClipWriter.makeEncodesRepeatable()
        let probe = try YUVClipReader(path: clip)
        let step = 2 * o.scale
        let w = probe.width - probe.width % step, h = probe.height - probe.height % step
        guard w >= step * 8, h >= step * 8 else { throw VideoEvaluationError.tooSmall(clip, probe.width, probe.height) }
        let border = o.border ?? o.scale
        let scratch = o.keepFolder ?? NSTemporaryDirectory() + "vsr-eval-video-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if o.keepFolder == nil { try? FileManager.default.removeItem(atPath: scratch) } }

        let methods: [(String, any LumaUpscaleWorker)] =
            models.map { ($0.name, $0.makeWorker()) } + [("bicubic", BicubicUpscaler(scale: o.scale).makeWorker())]
        var levels: [Level] = []
        var frameCount = 0
        for crf in o.levels {
            let label = crf.map { "crf \($0)" } ?? "clean"
            progress("\(label): downscaling and encoding")
            let lrPath = "\(scratch)/lr-\(crf.map { "crf\($0)" } ?? "clean").mkv"
            var lrBytes = 0
            if let crf {
                try encodeLR(clip: clip, to: lrPath, width: w, height: h, crf: crf, options: o, frameRate: probe.frameRate)
                lrBytes = (try? FileManager.default.attributesOfItem(atPath: lrPath)[.size] as? Int) ?? 0
            }
            progress("\(label): upscaling and measuring")
            let hrReader = try YUVClipReader(path: clip)
            let lrReader = crf == nil ? nil : try YUVClipReader(path: lrPath)
            var psnr = [[Double]](repeating: [], count: methods.count + 1)  // + lanczos
            var ssim = [[Double]](repeating: [], count: methods.count + 1)
            var lrPSNR: [Double] = []
            while psnr[0].count < o.frames, let full = try hrReader.next() {
                let hr = full.cropped(width: w, height: h)
                let clean = try hr.resized(width: w / o.scale, height: h / o.scale, filter: o.downscale)
                let lr = try lrReader.map { r in
                    guard let p = try r.next() else { throw VideoEvaluationError.framesLost(label) }
                    return p
                } ?? clean
                lrPSNR.append(Metrics.psnr(lr.y.map(Double.init), clean.y.map(Double.init), width: lr.width, height: lr.height, border: 0))
                let hrY = hr.y.map(Double.init)
                var outputs = methods.map { upscale(lr, with: $0.1, scale: o.scale) }
                outputs.append(try lr.resized(width: w, height: h, filter: .lanczos).y)
                for (i, out) in outputs.enumerated() {
                    let y = out.map(Double.init)
                    psnr[i].append(Metrics.psnr(hrY, y, width: w, height: h, border: border))
                    if o.ssim { ssim[i].append(Metrics.ssim(hrY, y, width: w, height: h, border: border)) }
                }
            }
            frameCount = psnr[0].count
            guard frameCount > 0 else { throw VideoEvaluationError.noFrames(clip) }
            let names = methods.map(\.0) + ["lanczos"]
            let lanczos = mean(psnr[names.count - 1])
            let results = names.indices.map { i in
                Method(name: names[i], meanPSNR: mean(psnr[i]), meanSSIM: o.ssim ? mean(ssim[i]) : nil,
                       gainOverLanczos: mean(psnr[i]) - lanczos, psnrSpread: spread(psnr[i]), framePSNR: psnr[i])
            }
            let lossless = lrPSNR.allSatisfy { $0 == .infinity }
            levels.append(Level(crf: crf, lrPSNR: mean(lrPSNR), lrPSNRSpread: lossless ? 0 : spread(lrPSNR.filter(\.isFinite)),
                                lrBytes: lrBytes, methods: results))
        }
        return Report(clip: clip, scale: o.scale, codec: o.codec, preset: o.preset, downscale: o.downscale.rawValue,
                      frames: frameCount, width: w, height: h, border: border, levels: levels)
    }

    /// Downscales the first `frames` HR frames and encodes them at `crf`.
    static func encodeLR(clip: String, to path: String, width w: Int, height h: Int, crf: Int, options o: Options,
                         frameRate: (num: Int, den: Int)) throws {
        let reader = try YUVClipReader(path: clip)
        var encoderOptions = ["crf": String(crf)]
        if o.codec == "libx264" || o.codec == "libx265" { encoderOptions["preset"] = o.preset }
        if o.codec == "libx265" { encoderOptions["x265-params"] = "log-level=none" }
        let writer = try YUVClipWriter(path: path, codec: o.codec, width: w / o.scale, height: h / o.scale,
                                       frameRate: frameRate, options: encoderOptions)
        var n = 0
        while n < o.frames, let full = try reader.next() {
            try writer.write(try full.cropped(width: w, height: h).resized(width: w / o.scale, height: h / o.scale, filter: o.downscale))
            n += 1
        }
        try writer.finish()
    }

    static func upscale(_ lr: YUVPicture, with worker: any LumaUpscaleWorker, scale r: Int) -> [UInt8] {
        var src = lr.y
        var dst = [UInt8](repeating: 0, count: lr.width * lr.height * r * r)
        src.withUnsafeMutableBytes { s in
            dst.withUnsafeMutableBytes { d in
                worker.upscale(LumaPlane(base: s.baseAddress!, width: lr.width, height: lr.height, rowBytes: lr.width, bitDepth: 8),
                               into: LumaPlane(base: d.baseAddress!, width: lr.width * r, height: lr.height * r,
                                               rowBytes: lr.width * r, bitDepth: 8),
                               streamQP: lr.streamQuantiser)
            }
        }
        return dst
    }

    static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }

    static func spread(_ v: [Double]) -> Double {
        let m = mean(v)
        return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, v.count))).squareRoot()
    }
}

public enum VideoEvaluationError: Error, CustomStringConvertible {
    case tooSmall(String, Int, Int), noFrames(String), framesLost(String)
    public var description: String {
        switch self {
        case .tooSmall(let p, let w, let h): "\(p) is \(w)x\(h): too small to evaluate at this scale"
        case .noFrames(let p): "no frame of \(p) could be decoded"
        case .framesLost(let l): "\(l): the encoded clip has fewer frames than were encoded"
        }
    }
}

/// JSON has no infinity (a lossless level's PSNR): null stands for it.
private func jsonNumber(_ v: Double) -> Double? { v.isFinite ? v : nil }
