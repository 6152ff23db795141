import Foundation
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline

/// `vsr upscale` of a long video in keyframe-aligned segments: each segment is upscaled and
/// encoded on its own into the work folder (`OUTPUT.vsr-work/`), verified, and the segments are
/// joined losslessly with the source's other streams. An interrupted run (Ctrl-C, kill -9, power
/// loss) resumes: finished segments are checked again and kept, the rest are redone.
public final class SegmentedUpscale: @unchecked Sendable {
    public let options: UpscaleOptions
    public let upscaler: any LumaUpscaler
    public let recipe: EncodeRecipe
    public let progress = ProgressCounter()
    public let pause = PauseGate()
    let notify: @Sendable (String) -> Void

    /// `options.settings` must be `recipe.settings` (the recipe is made from the options); the
    /// paths are made absolute, as the manifest records them.
    public init(options: UpscaleOptions, upscaler: any LumaUpscaler, recipe: EncodeRecipe,
                notify: @escaping @Sendable (String) -> Void) {
        precondition(options.settings == recipe.settings, "the recipe is made from these options")
        var o = options
        o.input = absolutePath(options.input)
        o.output = absolutePath(options.output)
        self.options = o
        self.upscaler = upscaler
        self.recipe = recipe
        self.notify = notify
    }

    /// The manifest to work from: the existing one when it still describes this source and these
    /// options (unless `restart`), else a new plan (the old work folder is removed).
    /// An output that exists (without --overwrite) is refused first, leaving no work folder.
    public func prepare(segmentSeconds: Double, restart: Bool) throws -> SegmentManifest {
        try UpscaleJob(options: options, upscaler: upscaler, notify: notify).checkOutputPath()
        let folder = SegmentManifest.workFolder(for: options.output)
        let path = folder + "/" + SegmentManifest.fileName
        if FileManager.default.fileExists(atPath: path) {
            if !restart {
                do {
                    var old = try SegmentManifest.load(path)
                    guard let why = Self.mismatch(old, input: options.input, recipe: recipe) else {
                        if old.overwrite != options.overwrite {
                            old.overwrite = options.overwrite
                            try old.save()
                        }
                        return old
                    }
                    notify("\(why): the segments in \(folder) are discarded and the upscale starts over")
                } catch {
                    notify("\(error): the segments in \(folder) are discarded and the upscale starts over")
                }
            }
            try FileManager.default.removeItem(atPath: folder)
        }
        var manifest = try SegmentPlanner.plan(options, recipe: recipe, seconds: segmentSeconds)
        manifest.overwrite = options.overwrite
        try manifest.save()
        return manifest
    }

    /// Why a manifest does not fit this run, or nil when it does.
    static func mismatch(_ m: SegmentManifest, input: String, recipe: EncodeRecipe) -> String? {
        if m.input != input { return "the work folder was made for \(m.input)" }
        if FileStamp(path: input) != m.source { return "\(input) changed since its segments were made" }
        if let d = recipe.firstDifference(from: m.recipe) { return "an option changed (\(d))" }
        return nil
    }

    /// Runs every unfinished segment, then joins. When stopped, the finished segments stay for a
    /// resume and the summary says `interrupted`.
    public func run(manifest m: SegmentManifest, stop: StopFlag = StopFlag(),
                    onStart: (Double) -> Void = { _ in }) throws -> UpscaleSummary {
        let start = monotonicNanos()
        let job = UpscaleJob(options: options, upscaler: upscaler, progress: progress, pause: pause, notify: notify)
        try job.checkOutputPath()
        var summary = UpscaleSummary()
        // Verified once here; the join takes these records rather than reading every segment again.
        var records: [Int: SegmentRecord] = [:]
        for s in m.segments { records[s.index] = Self.verifiedRecord(m, s.index) }
        let finished = m.segments.filter { records[$0.index] != nil }
        if !finished.isEmpty {
            notify("resuming: \(finished.count) of \(m.segments.count) segments already done")
        }
        progress.expectedFrames.store(m.totalFrames, ordering: .relaxed)
        progress.resumedFrames.store(finished.reduce(0) { $0 + $1.frames }, ordering: .relaxed)
        if let input = try? InputFile(url: options.input), let vi = input.bestVideoStream() {
            summary.sourceFPS = input.frameRate(stream: vi).value
            let v = input.streamInfo(vi)
            summary.inputSize = (v.width, v.height)
            summary.outputSize = (v.width * upscaler.scale, v.height * upscaler.scale)
            summary.encoder = options.encoder
        }
        onStart(summary.sourceFPS)
        for segment in m.segments where records[segment.index] == nil {
            guard let record = try Self.runSegment(m, segment.index, job: job, stop: stop) else {
                summary.interrupted = true
                summary.path = m.workFolder
                break
            }
            records[segment.index] = record
        }
        summary.framesOut = progress.framesOut.load(ordering: .relaxed) + progress.resumedFrames.load(ordering: .relaxed)
        summary.decodeErrors = progress.decodeErrors.load(ordering: .relaxed)
        if !summary.interrupted {
            try SegmentJoiner.join(m, records: m.segments.compactMap { records[$0.index] }, overwrite: options.overwrite, notify: notify)
            try? FileManager.default.removeItem(atPath: m.workFolder)
            summary.path = m.output
        }
        summary.seconds = Double(monotonicNanos() - start) / 1e9
        return summary
    }

    /// Encodes segment `index` (idempotent: a finished segment is replaced by an identical one)
    /// and records it. Nil when stopped before the segment was complete.
    static func runSegment(_ m: SegmentManifest, _ index: Int, job: UpscaleJob, stop: StopFlag) throws -> SegmentRecord? {
        let path = m.segmentPath(index)
        try? FileManager.default.removeItem(atPath: m.recordPath(index))
        guard let ts = try job.encodeSegment(m.segments[index], to: path, stop: stop) else { return nil }
        let (checksum, bytes) = try fileChecksum(path)
        let record = SegmentRecord(index: index, frames: ts.pts.count, bytes: bytes, checksum: checksum,
                                   pts: ts.pts, dts: ts.dts, durations: ts.durations, timeBase: ts.timeBase)
        try writeAtomically(try JSONEncoder.pretty.encode(record), to: m.recordPath(index))
        return record
    }

    /// One segment for a worker of a cluster (`vsr upscale --segment K --manifest M`).
    public static func runSegment(manifest m: SegmentManifest, index: Int, upscaler: any LumaUpscaler,
                                  workers: Int?, stop: StopFlag = StopFlag(),
                                  notify: @escaping @Sendable (String) -> Void) throws -> Bool {
        guard m.segments.indices.contains(index) else {
            throw VSRError.unsupported("the manifest has segments 0 to \(m.segments.count - 1), not \(index)")
        }
        var o = UpscaleOptions(input: m.input, output: m.output)
        o.settings = m.recipe.settings
        o.workers = workers
        let job = UpscaleJob(options: o, upscaler: upscaler, notify: notify)
        return try runSegment(m, index, job: job, stop: stop) != nil
    }

    /// The record of a finished segment when the file still matches it (size, checksum, frames).
    public static func verifiedRecord(_ m: SegmentManifest, _ index: Int) -> SegmentRecord? {
        guard let data = FileManager.default.contents(atPath: m.recordPath(index)),
              let record = try? JSONDecoder().decode(SegmentRecord.self, from: data), record.index == index,
              let (checksum, bytes) = try? fileChecksum(m.segmentPath(index)),
              bytes == record.bytes, checksum == record.checksum, record.dts.count == record.frames, record.pts.count == record.frames, record.durations.count == record.frames,
              (try? packetCount(m.segmentPath(index))) == record.frames else { return nil }
        return record
    }

    /// Video packets in a segment file: its frames (intra and inter codecs alike: one packet a frame).
    static func packetCount(_ path: String) throws -> Int {
        let input = try InputFile(url: path)
        let packet = Packet()
        var n = 0
        while try input.read(into: packet) == .packet { n += 1 }
        return n
    }
}
