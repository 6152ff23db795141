import VSRFrames
import VSRMedia

/// Why a video cannot be cut into segments (a raw .264 stream has no timestamps): the caller
/// upscales it in one pass instead.
public struct CannotSegment: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot be cut into segments: \(reason)" }
}

/// Cuts a video's timeline into segments of about `seconds` that each start at a keyframe, so each
/// can be decoded, upscaled and encoded on its own (Av1an's and chunked encoders' approach).
public enum SegmentPlanner {
    /// Reads the video stream's packets (demuxing only, no decoding) and plans the segments.
    /// Throws `unsupported` for a stream whose packets lack timestamps: it cannot be cut.
    public static func plan(_ o: UpscaleOptions, recipe: EncodeRecipe, seconds: Double) throws -> SegmentManifest {
        let input = try openInput(o.input)
        guard let vi = input.bestVideoStream() else { throw VSRError.noVideoStream(o.input) }
        guard let source = FileStamp(path: o.input) else { throw VSRError.inputUnreadable(o.input) }
        let tb = input.streamInfo(vi).timeBase
        var keyframes: [(pts: Int64, dts: Int64)] = []
        var framePTS: [Int64] = []
        let packet = Packet()
        while try input.read(into: packet) == .packet {
            guard packet.streamIndex == vi else { continue }
            guard packet.pts != noTimestamp else { throw CannotSegment(reason: "its video packets have no timestamps") }
            framePTS.append(packet.pts)
            let last = keyframes.last?.pts ?? Int64.min
            if packet.isKeyframe && packet.pts > last {
                keyframes.append((packet.pts, packet.dts != noTimestamp ? packet.dts : packet.pts))
            }
        }
        guard !framePTS.isEmpty, !keyframes.isEmpty else { throw VSRError.noDecodableFrames(o.input, errors: 0) }
        framePTS.sort()
        // Boundaries: keyframes at least `seconds` after the previous boundary. The first segment
        // starts at the first frame (from the start of the file, no seek).
        let step = Int64(seconds / max(tb.value, 1e-12))
        var starts: [(pts: Int64, seek: Int64)] = [(framePTS[0], Int64.min)]
        for k in keyframes where k.pts > starts.last!.pts && k.pts - starts.last!.pts >= step {
            starts.append((k.pts, k.dts))
        }
        let globalHeader = try OutputFile(url: o.output, format: o.format).needsGlobalHeader
        var segments: [SegmentWindow] = []
        var lower = 0
        for (i, s) in starts.enumerated() {
            let end = i + 1 < starts.count ? starts[i + 1].pts : nil
            var upper = lower
            while upper < framePTS.count && (end == nil || framePTS[upper] < end!) { upper += 1 }
            segments.append(SegmentWindow(index: i, startPTS: s.pts, seekTimestamp: s.seek, endPTS: end,
                                          frames: upper - lower, globalHeader: globalHeader))
            lower = upper
        }
        return SegmentManifest(input: absolutePath(o.input), source: source, output: absolutePath(o.output), recipe: recipe, timeBase: tb,
                               segments: segments)
    }
}
