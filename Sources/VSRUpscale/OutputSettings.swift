import VSRFrames

/// Every option that shapes the encoded file, besides the upscaler: the encoder and its settings,
/// the pixel format, the container, the streams kept, deinterlacing and the trim. A single pass,
/// a segment worker and the join all encode with this one value (the segment plan records it).
public struct OutputSettings: Sendable, Codable, Equatable {
    public var encoder = "libx264"
    /// The encoder was not chosen by the user: vsr may pick another for the input (HDR: libx265).
    public var encoderIsDefault = true
    public var crf: Int? = nil
    public var preset: String? = nil
    /// Encoder options given as key=value (AVOptions of the codec or the encoder: tune, profile,
    /// g, bf, maxrate, bufsize, x264-params, ...); they override vsr's defaults.
    public var encoderOptions: [String: String] = [:]
    /// The pixel format to encode in (nil: the working format, or the nearest the encoder takes).
    public var pixelFormat: String? = nil
    /// Container override (e.g. "matroska"); nil: guessed from the output name.
    public var format: String? = nil
    /// What becomes of the streams besides the upscaled video.
    public var keep = KeepOptions()
    public var deinterlace = DeinterlaceMode.auto
    /// Trim: start (seconds from the input's start), duration (seconds), frame count. The
    /// output starts at 0.
    public var start: Double? = nil
    public var duration: Double? = nil
    public var frames: Int? = nil

    public init() {}

    /// What --crf means for an encoder: its range and vsr's default; nil where there is no CRF.
    public struct CRFScale: Sendable {
        public let range: ClosedRange<Int>
        public let defaultValue: Int
    }

    public static func crfScale(_ encoder: String) -> CRFScale? {
        switch encoder {
        case "libx264", "libx264rgb", "libx265": CRFScale(range: 0...51, defaultValue: 18)
        case "libsvtav1": CRFScale(range: 1...63, defaultValue: 30)
        case "libvpx-vp9", "libaom-av1": CRFScale(range: 0...63, defaultValue: 32)
        default: nil
        }
    }

    /// Checks --crf against the encoder's scale: a clear message, before any work.
    func validateCRF() throws {
        guard let crf else { return }
        guard let scale = Self.crfScale(encoder) else {
            throw VSRError.unsupported("--crf does not apply to \(encoder); set its quality with --encoder-option (e.g. qscale=3, b=8M)")
        }
        guard scale.range.contains(crf) else {
            throw VSRError.unsupported("--crf \(crf) is outside \(encoder)'s range \(scale.range.lowerBound)-\(scale.range.upperBound)")
        }
    }

    /// Private options for `encoder` from --crf/--preset, with vsr's defaults.
    func defaultEncoderOptions() -> [String: String] {
        switch encoder {
        case "libx264", "libx265":
            return ["crf": String(crf ?? 18), "preset": preset ?? "veryfast"]
        case "libsvtav1":
            return ["crf": String(crf ?? 30), "preset": preset ?? "10"]
        case "libvpx-vp9":
            return ["crf": String(crf ?? 32), "b": "0", "deadline": "good", "cpu-used": preset ?? "5", "row-mt": "1"]
        default:
            var o: [String: String] = [:]
            if let crf { o["crf"] = String(crf) }
            if let preset { o["preset"] = preset }
            return o
        }
    }
}
