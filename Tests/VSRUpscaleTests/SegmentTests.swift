import Foundation
import Testing
import VSRFrames
import VSRKernels
import VSRMedia
import VSRPipeline
@testable import VSRUpscale
import VSRTestSupport
import VSRBench

/// Segmented upscales against the single pass, with a lossless encoder (ffv1) so "the same" means
/// bit-identical: every decoded frame, the pts list, the frame count, the audio.
@Suite(.serialized)
struct SegmentTests {
    /// What must not change between a single pass and a segmented run.
    struct Fingerprint: Equatable, CustomStringConvertible {
        let frameHashes: [String]
        let videoPTS: [String]
        let audioHashes: [String]
        let audioPTS: [String]
        var description: String {
            "\(frameHashes.count) frames (first pts \(videoPTS.first ?? "-"), last \(videoPTS.last ?? "-")), "
                + "\(audioHashes.count) audio packets (first pts \(audioPTS.first ?? "-"))"
        }
    }

    static func fingerprint(_ path: String) throws -> Fingerprint {
        // framemd5: one line per decoded frame, its pts and a hash of its pixels.
        let lines = try run("ffmpeg", ["-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-"])
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        let frames = lines.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let audio = try probe(path, ["-select_streams", "a", "-show_data_hash", "MD5", "-show_entries", "packet=pts,data_hash"])
        return Fingerprint(frameHashes: frames.map { $0.last ?? "" }, videoPTS: frames.map { $0.count > 2 ? $0[2] : "" },
                           audioHashes: audio.packets?.map { $0.dataHash ?? "" } ?? [],
                           audioPTS: audio.packets?.map { $0.ptsTime ?? "" } ?? [])
    }

    static func options(_ input: String, _ output: String) -> UpscaleOptions {
        var o = UpscaleOptions(input: input, output: output)
        o.encoder = "ffv1"
        o.workers = 2
        return o
    }

    static func recipe(_ o: UpscaleOptions) -> EncodeRecipe {
        EncodeRecipe(model: "bicubic", modelFile: nil, scale: 2, precision: "fp32", settings: o.settings)
    }

    /// Upscales in segments of `seconds`; returns the job's notes.
    @discardableResult
    static func segmented(_ input: String, _ output: String, seconds: Double, stop: StopFlag = StopFlag(),
                          upscaler: any LumaUpscaler = BicubicUpscaler(scale: 2),
                          configure: (inout UpscaleOptions) -> Void = { _ in }) throws -> (UpscaleSummary, [String]) {
        var o = options(input, output)
        configure(&o)
        let notes = NoteCollector()
        let job = SegmentedUpscale(options: o, upscaler: upscaler, recipe: recipe(o), notify: notes.add)
        let manifest = try job.prepare(segmentSeconds: seconds, restart: false)
        return (try job.run(manifest: manifest, stop: stop), notes.all)
    }

    /// Sources chunked encoders trip over: open GOP with a B-pyramid, variable frame rate, a
    /// non-zero start time, an MP4 edit list; each with audio whose packets must come through.
    @Test(arguments: [
        ("open-gop.mkv", ["-c:v", "libx264", "-bf", "3", "-x264-params", "keyint=20:min-keyint=20:open-gop=1:b-pyramid=normal:scenecut=0"]),
        ("vfr.mkv", ["-vf", "setpts='N/25/TB+if(gt(N,40),0.3,0)+if(gt(N,80),0.2,0)'", "-fps_mode", "passthrough", "-c:v", "libx264", "-g", "15"]),
        ("offset.ts", ["-c:v", "libx264", "-g", "15", "-output_ts_offset", "7.5"]),
        ("editlist.mp4", ["-c:v", "libx264", "-bf", "2", "-g", "15"]),
    ])
    func segmentedIsBitIdenticalToSinglePass(name: String, encode: [String]) throws {
        let s = Scratch()
        var input = s.path(name)
        try makeClip(input, seconds: 4, audio: true, extra: encode)
        if name == "editlist.mp4" {
            // Cut at a non-keyframe with stream copy: an edit list that starts mid-GOP.
            let cut = s.path("cut.mp4")
            try run("ffmpeg", ["-v", "error", "-ss", "0.5", "-i", input, "-c", "copy", cut])
            input = cut
        }
        try upscale(input, s.path("single.mkv")) { $0.encoder = "ffv1" }
        let (summary, _) = try Self.segmented(input, s.path("segmented.mkv"), seconds: 1)
        let single = try Self.fingerprint(s.path("single.mkv")), segmented = try Self.fingerprint(s.path("segmented.mkv"))
        #expect(single.frameHashes.count > 50, "\(single)")
        #expect(segmented.frameHashes == single.frameHashes, "frames: \(segmented) vs \(single)")
        #expect(segmented.videoPTS == single.videoPTS, "timestamps: \(segmented) vs \(single)")
        #expect(segmented.audioHashes == single.audioHashes && segmented.audioPTS == single.audioPTS,
                "audio: \(segmented) vs \(single)")
        #expect(summary.framesOut == single.frameHashes.count)
        #expect(!FileManager.default.fileExists(atPath: SegmentManifest.workFolder(for: s.path("segmented.mkv"))),
                "the work folder is removed after the join")
    }

    /// Every plan starts segments at keyframes and covers every frame exactly once.
    @Test func planCutsAtKeyframesAndCoversEveryFrame() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 4, extra: ["-c:v", "libx264", "-g", "12"])
        let o = Self.options(s.path("in.mp4"), s.path("out.mkv"))
        let m = try SegmentPlanner.plan(o, recipe: Self.recipe(o), seconds: 1)
        // Keyframes every 12 frames (0.48 s): the first keyframe at least 1 s after each start.
        #expect(m.segments.map(\.frames) == [36, 36, 28], "\(m.segments.map(\.frames))")
        #expect(m.totalFrames == 100)
        let frame = Int64((m.timeBase.inverse.value / 25).rounded())
        #expect(m.segments.map { $0.startPTS / frame } == [0, 36, 72])
        for (a, b) in zip(m.segments, m.segments.dropFirst()) { #expect(a.endPTS == b.startPTS) }
        #expect(m.segments.last?.endPTS == nil)
    }

    /// A stop after some segments keeps them; the rerun redoes only the rest and the result is
    /// the single pass's. A damaged segment is found and redone.
    @Test func interruptedRunResumesAndRedoesOnlyWhatIsMissing() throws {
        let s = Scratch()
        let input = s.path("in.mkv"), output = s.path("out.mkv")
        try makeClip(input, seconds: 6, audio: true, extra: ["-c:v", "libx264", "-g", "25"])
        try upscale(input, s.path("single.mkv")) { $0.encoder = "ffv1" }
        // Stop once two segments are finished (records are written as each completes).
        let stop = StopFlag()
        let work = SegmentManifest.workFolder(for: output)
        let watcher = Thread {
            while !stop.isRaised {
                let records = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasSuffix(".json") && $0.hasPrefix("segment-") }
                if records.count >= 2 { stop.raise() }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
        watcher.start()
        let (first, _) = try Self.segmented(input, output, seconds: 1, stop: stop, upscaler: DelayedBicubic(delay: 0.01))
        #expect(first.interrupted)
        #expect(!FileManager.default.fileExists(atPath: output), "an interrupted run must not take the final name")
        let m = try SegmentManifest.load(work + "/manifest.json")
        let done = m.segments.filter { SegmentedUpscale.verifiedRecord(m, $0.index) != nil }.map(\.index)
        #expect(done.count >= 2 && done.count < m.segments.count, "\(done) of \(m.segments.count)")
        let stamps = try done.map { try FileManager.default.attributesOfItem(atPath: m.segmentPath($0))[.modificationDate] as! Date }

        // Damage the first finished segment: it must be found and redone.
        let damaged = m.segmentPath(done[0])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: damaged))
        #expect(SegmentedUpscale.verifiedRecord(m, done[0]) == nil)

        let (second, notes) = try Self.segmented(input, output, seconds: 1)
        #expect(!second.interrupted)
        #expect(notes.contains { $0.contains("resuming: \(done.count - 1) of \(m.segments.count) segments already done") }, "\(notes)")
        #expect(try Self.fingerprint(output) == Self.fingerprint(s.path("single.mkv")))
        _ = stamps  // (the kept segments' files are gone with the work folder; the note counts them)
    }

    /// A manifest made with other options is not reused: one line says which option changed.
    @Test func changedOptionInvalidatesThePlan() throws {
        let s = Scratch()
        let input = s.path("in.mp4"), output = s.path("out.mkv")
        try makeClip(input, seconds: 2, extra: ["-c:v", "libx264", "-g", "10"])
        var o = Self.options(input, output)
        o.crf = 18
        let notes = NoteCollector()
        let first = SegmentedUpscale(options: o, upscaler: BicubicUpscaler(scale: 2), recipe: Self.recipe(o), notify: notes.add)
        _ = try first.prepare(segmentSeconds: 1, restart: false)
        o.crf = 20
        let second = SegmentedUpscale(options: o, upscaler: BicubicUpscaler(scale: 2), recipe: Self.recipe(o), notify: notes.add)
        let m = try second.prepare(segmentSeconds: 1, restart: false)
        #expect(notes.all.contains { $0.contains("an option changed (--crf 18 -> 20)") }, "\(notes.all)")
        #expect(m.recipe.settings.crf == 20)
    }

    /// `kill -9` in the middle of `vsr upscale`, then the same command again: the finished
    /// segments are kept (the rerun says how many), the rest redone, the result is the single pass's.
    @Test(.timeLimit(.minutes(3))) func killedProcessResumes() throws {
        let s = Scratch()
        let input = s.path("in.mkv"), output = s.path("out.mkv")
        try makeClip(input, video: "testsrc2=size=640x360:rate=25", seconds: 8, audio: true, extra: ["-c:v", "libx264", "-g", "25"])
        try upscale(input, s.path("single.mkv")) { $0.encoder = "ffv1" }
        let vsr = Self.tool("vsr")
        let args = ["upscale", input, output, "--model", "bicubic", "--encoder", "ffv1", "--segment-seconds", "1",
                    "--workers", "1", "--progress", "none"]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: vsr)
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let work = SegmentManifest.workFolder(for: output)
        func records() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasPrefix("segment-") && $0.hasSuffix(".json") }.count
        }
        while p.isRunning && records() < 3 { Thread.sleep(forTimeInterval: 0.005) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let finished = records()
        #expect(finished >= 3 && finished < 8, "killed after \(finished) of 8 segments")
        #expect(!FileManager.default.fileExists(atPath: output))
        let rerun = try ChildProcess.runCollectingStderr(vsr, args)
        #expect(rerun.stderr.contains("resuming: \(finished) of 8 segments already done"), "\(rerun.stderr)")
        #expect(try Self.fingerprint(output) == Self.fingerprint(s.path("single.mkv")))
        #expect(!FileManager.default.fileExists(atPath: work))
    }

    /// A product of this build (the test bundle sits beside them).
    static func tool(_ name: String) -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : bundle
    }
}
