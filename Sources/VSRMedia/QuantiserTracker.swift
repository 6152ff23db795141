/// How strongly a stream is compressed: the mean of its last 16 frames' mean H.264 QPs in decode
/// order, what a camera model's QP-band specialists are picked by.
///
/// A stream's level, not each frame's own QP: x264 gives the I, P and B frames of one stream QPs
/// up to 4 apart, and the specialists were each trained on whole sequences of one CRF band,
/// B-frames included. Picking per frame sent a CRF 28 stream's B-frames to the high-QP specialist;
/// switching models frame by frame would also make quality pump within a GOP. Sixteen frames hold
/// whole mini-GOPs (x264 puts a P-frame every 1-4 frames), settle within a second, and let one
/// I-frame move the level by a sixteenth of its offset.
public struct QuantiserTracker: Sendable {
    public static let window = 16
    private var recent: [Double] = []
    private var next = 0

    /// The current level; nil until a frame has carried a QP.
    public var level: Double? { recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count) }

    public init() { recent.reserveCapacity(Self.window) }

    /// Adds one frame's mean QP (nil when it has none: the level stays) and returns the level.
    public mutating func add(_ qp: Double?) -> Double? {
        if let qp, qp.isFinite {
            if recent.count < Self.window {
                recent.append(qp)
            } else {
                recent[next] = qp
                next = (next + 1) % Self.window
            }
        }
        return level
    }
}
