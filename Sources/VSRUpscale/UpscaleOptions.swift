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

    /// As given on the command line: "auto", "copy", "none" or the codec.
    public var text: String {
        switch self {
        case .auto: "auto"
        case .copy: "copy"
        case .none: "none"
        case .codec(let c): c
        }
    }

    // Stored as its command-line text ("audio": "aac" in a manifest).
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
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

/// Everything `vsr upscale` needs besides the upscaler itself: the files, how the work is run,
/// and the output settings (`o.crf` reads `o.settings.crf`).
@dynamicMemberLookup
public struct UpscaleOptions: Sendable {
    public var input: String
    public var output: String
    /// Everything that shapes the output: a segment plan records exactly this.
    public var settings = OutputSettings()
    /// Upscale workers (frames in parallel); nil: one per core.
    public var workers: Int? = nil
    public var overwrite = false
    /// Queue depth between stages (frames).
    public var queueDepth = 4
    /// Encoders print nothing but errors (x265 writes its banner itself, past FFmpeg's log).
    public var quietEncoder = true

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    public subscript<T>(dynamicMember key: WritableKeyPath<OutputSettings, T>) -> T {
        get { settings[keyPath: key] }
        set { settings[keyPath: key] = newValue }
    }

    /// The encoders vsr offers for video, in order of preference, when FFmpeg has them.
    public static let videoEncoders = ["libx264", "libx265", "libsvtav1", "libvpx-vp9"]

    /// The encoder's options: vsr's defaults from --crf/--preset, then --encoder-option; x265's
    /// own parameter list is joined rather than replaced.
    func allEncoderOptions() -> [String: String] {
        var all = settings.defaultEncoderOptions().merging(settings.encoderOptions) { _, given in given }
        if settings.encoder == "libx265" && quietEncoder {
            all["x265-params"] = (["log-level=error"] + [all["x265-params"]].compactMap { $0 }).joined(separator: ":")
        }
        return all
    }
}
