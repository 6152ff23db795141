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
    public var start: Double? = nil
    public var duration: Double? = nil
    public var frames: Int? = nil

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    /// The encoders vsr offers for video, in order of preference, when FFmpeg has them.
    public static let videoEncoders = ["libx264", "libx265", "libsvtav1", "libvpx-vp9"]

    /// Private options for `encoder` from --crf/--preset, with vsr's defaults.
    func encoderOptions() -> [String: String] {
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
