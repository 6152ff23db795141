/// One camera: where frames come from and where the enhanced stream goes.
public struct StreamEndpoint: Sendable {
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
    /// Frames waiting per stream before the oldest is handed to the overload policy.
    public var queueDepth = 2
    public init() {}
}
