/// One camera: where frames come from and where the enhanced stream goes.
public struct StreamEndpoint: Sendable, Equatable {
    public var input: String
    public var output: String
    public var format: String?
    public var name: String

    public init(input: String, output: String, format: String? = nil, name: String = "") {
        self.input = input
        self.output = output
        self.format = format
        self.name = name
    }

    /// How notes, reports and metrics name it: its name, else its input (without a password).
    public var label: String { name.isEmpty ? redactedURL(input) : name }
}

/// `rtsp://admin:secret@cam/1` as `rtsp://***@cam/1`: what a URL may show in logs, metrics and the API.
public func redactedURL(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
    guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return url }
    return String(url[..<scheme.upperBound]) + "***" + String(rest[at...])
}

/// When a camera that cannot be opened is given up (stopped with its error) rather than retried.
public enum GiveUpRule: Sendable, Equatable {
    /// Retried until vsr stops (a service: a camera that reboots comes back by itself).
    case never
    /// Given up once it has not been live for this many seconds in a row (`--give-up-after`).
    case afterDown(Double)
    /// Given up only if it is not live within this many seconds of its start; once live, retried
    /// for ever (a single `vsr stream IN OUT`: a wrong address fails fast, a reboot is waited for).
    case ifNeverLive(Double)

    func givesUp(secondsNotLive: Double, everLive: Bool) -> Bool {
        switch self {
        case .never: false
        case .afterDown(let s): secondsNotLive >= s
        case .ifNeverLive(let s): !everLive && secondsNotLive >= s
        }
    }
}

/// What happens to a frame the network cannot upscale in time.
public enum OverloadPolicy: String, Sendable, CaseIterable {
    /// Upscale it with bicubic instead, so the output frame rate holds.
    case bicubic
    /// Skip it; the frames around it keep their timestamps.
    case drop
}

public struct StreamSettings: Sendable {
    /// Read local files at their native rate (tests, demos).
    public var realtime = false
    public var overload = OverloadPolicy.bicubic
    /// The end-to-end budget (frame received -> packet written) the overload policy defends.
    public var maxLatencyMilliseconds = 500.0
    public var statsInterval = 5.0
    public var duration: Double? = nil
    /// Every network operation gives up after this long without data.
    public var timeoutSeconds = 5.0
    /// How long to wait for the first keyframe while packets keep arriving (joining a camera
    /// mid-GOP: "smart codec" cameras send one every 8 s or more).
    public var keyframeWaitSeconds = 30.0
    /// RTSP transport: "tcp" or "udp".
    public var rtspTransport: String? = nil
    public var workers: Int? = nil
    public var encoder = "libx264"
    public var crf = 23
    public var preset = "veryfast"
    /// Frames waiting per stream before the oldest is handed to the overload policy (nil: as many
    /// as 30 fps gives within the latency budget, 2 to 32). A fixed 2 sent a camera's bursts
    /// (the frames buffered while probing, a B-frame group) to bicubic though they were on time:
    /// whether a frame is late is the workers' test of its age, not the queue's length.
    public var queueDepth: Int? = nil
    var effectiveQueueDepth: Int { queueDepth ?? max(2, min(32, Int((maxLatencyMilliseconds * 30 / 1000).rounded(.up)))) }
    /// A connected camera without a new frame this long is reported stale.
    public var staleAfterSeconds = 2.0
    public var giveUp = GiveUpRule.never
    /// The longest wait between attempts to open a camera that is down.
    public var maxRetrySeconds = 10.0
    public init() {}
}
