import VSRFrames

/// Interlaced input: deinterlaced when it says it is interlaced (auto), always (on), never (off).
public enum DeinterlaceMode: String, Sendable, Codable, CaseIterable {
    case auto, on, off
}

/// What happens to audio streams.
public enum AudioMode: Sendable, Equatable, Codable {
    /// Copy what the container carries, convert the rest to its usual codec (AAC for MP4/MOV).
    case auto
    /// Copy, or refuse with a clear message where the container cannot carry the codec.
    case copy
    /// Leave audio out.
    case none
    /// Convert every audio stream to this codec (aac, opus, flac, ...).
    case codec(String)

    public init(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "copy": self = .copy
        case "none": self = .none
        default: self = .codec(text)
        }
    }
}

/// What becomes of the streams besides the upscaled video (they shape the output: a segment plan
/// records them).
public struct KeepOptions: Sendable, Equatable, Codable {
    /// Audio streams: copied where the container carries them, else converted (auto).
    public var audio = AudioMode.auto
    /// Subtitle streams kept (copied, or text converted to the container's text codec).
    public var subtitles = true
    /// Data streams, attachments (fonts), cover art and other video streams kept.
    public var dataStreams = true
    public init() {}
}

/// Everything `vsr upscale` needs besides the upscaler itself.
public struct UpscaleOptions: Sendable {
    public var input: String
    public var output: String
    public var encoder = "libx264"
    /// The encoder was not chosen by the user: vsr may pick another for the input (HDR: libx265).
    public var encoderIsDefault = true
    public var crf: Int? = nil
    public var preset: String? = nil
    /// Upscale workers (frames in parallel); nil: one per core.
    public var workers: Int? = nil
    public var overwrite = false
    /// Container override (e.g. "matroska"); nil: guessed from the output name.
    public var format: String? = nil
    /// Queue depth between stages (frames).
    public var queueDepth = 4
    /// What becomes of the streams besides the upscaled video.
    public var keep = KeepOptions()
    /// Trim: start (seconds from the input's start), duration (seconds), frame count. The
    /// output starts at 0.
    public var deinterlace = DeinterlaceMode.auto
    public var start: Double? = nil
    public var duration: Double? = nil
    public var frames: Int? = nil

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    /// The encoders vsr offers for video, in order of preference, when FFmpeg has them.
    public static let videoEncoders = ["libx264", "libx265", "libsvtav1", "libvpx-vp9"]

    /// Encoder options given as key=value (AVOptions of the codec or the encoder: tune, profile,
    /// g, bf, maxrate, bufsize, x264-params, ...); they override vsr's defaults.
    public var encoderOptions: [String: String] = [:]
    /// The pixel format to encode in (nil: the working format, or the nearest the encoder takes).
    public var pixelFormat: String? = nil

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

    /// Encoders print nothing but errors (x265 writes its banner itself, past FFmpeg's log).
    public var quietEncoder = true

    /// The encoder's options: vsr's defaults from --crf/--preset, then --encoder-option; x265's
    /// own parameter list is joined rather than replaced.
    func allEncoderOptions() -> [String: String] {
        var all = defaultEncoderOptions().merging(encoderOptions) { _, given in given }
        if encoder == "libx265" && quietEncoder {
            all["x265-params"] = (["log-level=error"] + [all["x265-params"]].compactMap { $0 }).joined(separator: ":")
        }
        return all
    }

    /// Private options for `encoder` from --crf/--preset, with vsr's defaults.
    private func defaultEncoderOptions() -> [String: String] {
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
