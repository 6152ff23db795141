import VSRMedia

/// The part of the video timeline a run encodes, in the video stream's time base: a segment of a
/// segmented upscale, or a trim (`--start`, `--duration`, `--frames`).
struct VideoWindow: Sendable {
    /// Frames before this are decoded (as references) and dropped.
    let startPTS: Int64
    /// The first frame at or after this ends the window (nil: the end of the input).
    let endPTS: Int64?
    /// At most this many frames (nil: no limit).
    let maxFrames: Int?
    /// Where the demuxer seeks first (the last keyframe at or before it); nil: from the start.
    let seekTimestamp: Int64?
    /// Subtracted from every output timestamp (a trim starts at 0, as ffmpeg's -ss does; a
    /// segment keeps the source's times).
    let shift: Int64

    init(segment s: SegmentWindow) {
        startPTS = s.startPTS
        endPTS = s.endPTS
        maxFrames = nil
        seekTimestamp = s.seekTimestamp == Int64.min ? nil : s.seekTimestamp
        shift = 0
    }

    /// `start`/`duration` in seconds, `frames` a count; nil when none is given.
    init?(start: Double?, duration: Double?, frames: Int?, timeBase tb: Rational, firstPTS: Int64, frameRate: Rational) {
        guard start != nil || duration != nil || frames != nil else { return nil }
        let first = firstPTS + Self.ticks(start ?? 0, tb)
        var end = duration.map { first + Self.ticks($0, tb) }
        if let frames {
            // Audio and subtitles end where the last frame does.
            let byFrames = first + Self.ticks(Double(frames) / frameRate.value, tb)
            end = min(end ?? byFrames, byFrames)
        }
        startPTS = first
        endPTS = end
        maxFrames = frames
        seekTimestamp = start == nil ? nil : startPTS
        shift = startPTS
    }

    private static func ticks(_ seconds: Double, _ tb: Rational) -> Int64 { Int64((seconds / tb.value).rounded()) }

    /// `shift` in another stream's time base.
    func shift(in other: Rational, from tb: Rational) -> Int64 { tb.rescale(shift, to: other) }
}
