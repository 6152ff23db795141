import Foundation
import VSRFrames
import VSRMedia

/// Joins finished segments into OUTPUT: the video packets of every segment in order, unchanged,
/// and the source's audio, subtitles, data, metadata and chapters muxed once, as the single pass
/// does (audio is never cut). Written under a temporary name and renamed when complete.
public enum SegmentJoiner {
    /// `records`: the segments' records, already verified by the caller (a run that just made or
    /// checked them); nil: verify every segment here (`vsr join` after a cluster). An existing
    /// OUTPUT is replaced only with `overwrite`.
    public static func join(_ m: SegmentManifest, records verified: [SegmentRecord]? = nil, overwrite: Bool,
                            notify: (String) -> Void) throws {
        if FileManager.default.fileExists(atPath: m.output) && !overwrite { throw VSRError.outputExists(m.output) }
        let given = verified.flatMap { $0.count == m.segments.count ? $0 : nil }
        let records = try given ?? verifiedRecords(m)
        let source = try openInput(m.input)
        guard let vi = source.bestVideoStream() else { throw VSRError.noVideoStream(m.input) }
        let temp = UpscaleJob.partialPath(for: m.output)
        do {
            try write(m, records: records, source: source, video: vi, to: temp, notify: notify)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        guard rename(temp, m.output) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temp)
            throw VSRError.outputUnwritable(m.output, why)
        }
    }

    /// Every segment's record; else one line naming each missing or damaged segment and the
    /// command that redoes it.
    static func verifiedRecords(_ m: SegmentManifest) throws -> [SegmentRecord] {
        let records = m.segments.map { SegmentedUpscale.verifiedRecord(m, $0.index) }
        let missing = m.segments.indices.filter { records[$0] == nil }
        guard !missing.isEmpty else { return records.compactMap { $0 } }
        let which = missing.count == 1 ? "segment \(missing[0]) is" : "segments \(ranges(missing)) are"
        let redo = "vsr upscale --segment \(missing.count == 1 ? "\(missing[0])" : "K") --manifest \(m.path)"
        throw VSRError.unsupported("\(which) missing or damaged (\(missing.count) of \(m.segments.count), in \(m.workFolder)); "
                                   + "redo \(missing.count == 1 ? "it" : "each") with: \(redo)"
                                   + (missing.count == 1 ? "" : " (K = each of them)"))
    }

    /// "0, 3-5, 9": sorted indices as ranges.
    static func ranges(_ xs: [Int]) -> String {
        var parts: [String] = [], i = 0
        while i < xs.count {
            var j = i
            while j + 1 < xs.count && xs[j + 1] == xs[j] + 1 { j += 1 }
            parts.append(i == j ? "\(xs[i])" : "\(xs[i])-\(xs[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }

    private static func write(_ m: SegmentManifest, records: [SegmentRecord], source: InputFile, video vi: Int,
                              to path: String, notify: (String) -> Void) throws {
        var segment = try InputFile(url: m.segmentPath(0))
        var segmentIndex = 0, packetIndex = 0
        let output = try OutputFile(url: path, format: m.recipe.settings.format)
        // The encoder's time base (the segments' own is NUT's), as the single pass declares it.
        let videoOut = try output.addCopiedStream(from: segment, stream: 0, timeBase: records[0].timeBase)
        output.setFrameRate(source.frameRate(stream: vi), stream: videoOut)
        try output.copyVideoStreamExtras(from: source, stream: vi, to: videoOut)
        if let decoder = try? Decoder(input: source, stream: vi, threads: 1), decoder.colorDescription.isHDR {
            output.addHDRMetadata(source.hdrMetadata(stream: vi), stream: videoOut)
        }
        output.tagHEVCForPlayers(stream: videoOut)
        let kept = try StreamPolicy.addKeptStreams(to: output, from: source, video: vi, options: m.recipe.settings.keep, notify: notify)
        try output.writeHeader()

        // Two sorted sources, merged by decode time so the muxer's interleaving queue stays short.
        func nextVideo() throws -> (Packet, Rational)? {
            let p = Packet()
            while true {
                if try segment.read(into: p) == .packet {
                    let record = records[segmentIndex]
                    guard packetIndex < record.frames else {
                        throw VSRError.unsupported("\(m.segmentPath(segmentIndex)) has more packets than its record")
                    }
                    p.pts = record.pts[packetIndex]
                    p.dts = record.dts[packetIndex]
                    p.duration = record.durations[packetIndex]
                    packetIndex += 1
                    p.streamIndex = videoOut
                    return (p, record.timeBase)
                }
                segmentIndex += 1
                packetIndex = 0
                guard segmentIndex < m.segments.count else { return nil }
                segment = try InputFile(url: m.segmentPath(segmentIndex))
            }
        }
        // What the kept streams give, in order (a converted packet can give none or several).
        var pending: [(Packet, Rational)] = []
        var sourceEnded = false
        func nextKept() throws -> (Packet, Rational)? {
            while pending.isEmpty && !sourceEnded {
                let p = Packet()
                if try source.read(into: p) == .packet {
                    guard let k = kept[p.streamIndex] else { continue }
                    let (ps, tb) = try k.packets(for: p, inputTimeBase: source.timeBase(stream: p.streamIndex))
                    pending += ps.map { ($0, tb) }
                } else {
                    sourceEnded = true
                    for (index, k) in kept {
                        let (ps, tb) = try k.packets(for: nil, inputTimeBase: source.timeBase(stream: index))
                        pending += ps.map { ($0, tb) }
                    }
                }
            }
            return pending.isEmpty ? nil : pending.removeFirst()
        }
        func time(_ item: (Packet, Rational)) -> Int64 {
            let t = item.0.dts != noTimestamp ? item.0.dts : item.0.pts
            return t == noTimestamp ? Int64.min : item.1.rescale(t, to: .microseconds)
        }
        var video = try nextVideo(), other = kept.isEmpty ? nil : try nextKept()
        while video != nil || other != nil {
            if let v = video, other == nil || time(v) <= time(other!) {
                try output.write(v.0, timeBase: v.1)
                video = try nextVideo()
            } else if let k = other {
                try output.write(k.0, timeBase: k.1)
                other = try nextKept()
            }
        }
        try output.writeTrailer()
    }
}
