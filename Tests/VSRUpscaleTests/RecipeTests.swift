import Foundation
import Testing
import VSRBench
@testable import VSRUpscale
import VSRTestSupport

/// The recipe (everything that shapes the output) goes from `vsr plan` through every segment worker
/// into the join; a change to any of it replans; a worker refuses options of its own.
@Suite(.serialized)
struct RecipeTests {
    static func vsr(_ args: [String]) throws -> ChildProcess.Outcome { try CLITests.vsr(args) }

    /// A recipe with every optional field set, so its JSON form has every field.
    static func fullRecipe() -> EncodeRecipe {
        var s = OutputSettings()
        s.crf = 30
        s.preset = "fast"
        s.pixelFormat = "yuv420p10le"
        s.encoderOptions = ["tune": "film"]
        s.format = "matroska"
        s.start = 1
        s.duration = 2
        s.frames = 10
        let stamp = FileStamp(path: CommandLine.arguments[0])
        return EncodeRecipe(model: "balanced", modelFile: stamp, qpBandFiles: [stamp!], scale: 2, precision: "fp32", settings: s)
    }

    /// Every field of the recipe has the option a user would change named for it (a field added
    /// without one fails here), and changing any one field alone invalidates a plan, naming it.
    @Test func everyFieldForcesAReplanWithItsOptionNamed() throws {
        let base = Self.fullRecipe()
        let fields = EncodeRecipe.fields(base)
        for field in fields.keys { #expect(EncodeRecipe.flag(field) != nil, "\(field) has no option name") }
        let changes: [(String, (inout EncodeRecipe) -> Void)] = [
            ("--model", { $0.model = "quality" }), ("the model file", { $0.modelFile = nil }),
            ("--qp-bands", { $0.qpBandFiles = nil }), ("--scale", { $0.scale = 3 }), ("--precision", { $0.precision = "int8" }),
            ("--encoder libx264 -> libx265", { $0.settings.encoder = "libx265" }),
            ("--encoder vsr's choice -> given", { $0.settings.encoderIsDefault = false }),
            ("--crf 30 -> 31", { $0.settings.crf = 31 }), ("--preset fast -> default", { $0.settings.preset = nil }),
            ("--pix-fmt yuv420p10le -> yuv444p", { $0.settings.pixelFormat = "yuv444p" }),
            ("--encoder-option", { $0.settings.encoderOptions["tune"] = "grain" }),
            ("--encoder-option", { $0.settings.encoderOptions["g"] = "50" }),
            ("--format matroska -> mp4", { $0.settings.format = "mp4" }),
            ("--deinterlace auto -> off", { $0.settings.deinterlace = .off }),
            ("--audio/--no-audio", { $0.settings.keep.audio = .none }),
            ("--audio/--no-audio", { $0.settings.keep.audio = .codec("opus") }),
            ("--no-subtitles", { $0.settings.keep.subtitles = false }), ("--no-data", { $0.settings.keep.dataStreams = false }),
            ("--start 1", { $0.settings.start = 1.5 }), ("--duration", { $0.settings.duration = nil }),
            ("--frames 10 -> 11", { $0.settings.frames = 11 }),
        ]
        for (flag, change) in changes {
            var r = base
            change(&r)
            let d = r.firstDifference(from: base)
            #expect(d?.hasPrefix(flag) == true || d?.contains(flag) == true, "\(flag): \(d ?? "no difference")")
            #expect(r.differences(from: base).count == 1, "\(flag): \(r.differences(from: base))")
        }
        #expect(base.firstDifference(from: base) == nil)
        // Every field the JSON form has was changed once above.
        #expect(Set(changes.map { $0.0.split(separator: " ")[0] }).count >= Set(EncodeRecipe.flags.map(\.flag)).count - 1)
    }

    /// `vsr plan` with non-default options, each segment in its own process from another working
    /// folder, then `vsr join`: the output has every option (ffprobe and the x264 options string
    /// say so) and the frames of a single pass with the same options.
    @Test(.timeLimit(.minutes(3))) func clusterRunKeepsEveryOption() throws {
        let s = Scratch()
        // Interlaced-flagged H.264 (field order tt) with audio: --deinterlace off must keep the fields woven.
        try makeClip(s.path("in.mp4"), seconds: 4, audio: true,
                     extra: ["-c:v", "libx264", "-g", "25", "-flags", "+ildct+ilme", "-top", "1"])
        #expect(try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=field_order",
                                    "-of", "csv=p=0", s.path("in.mp4")]).contains("tt"))
        let options = ["--model", "bicubic", "--crf", "30", "--preset", "fast", "--pix-fmt", "yuv420p10le",
                       "--encoder-option", "tune=film", "--deinterlace", "off", "--no-audio", "--format", "matroska"]
        let vsr = SegmentTests.tool("vsr")
        // Planned with relative paths from the scratch folder; workers run from /.
        let plan = try CLITests.vsrShell("cd '\(s.url.path)' && '\(vsr)' plan in.mp4 out.video --segment-seconds 1 --json "
                                         + options.joined(separator: " "))
        #expect(plan.status == 0, "\(plan)")
        let manifest = s.path("out.video.vsr-work/manifest.json")
        let m = try SegmentManifest.load(manifest)
        #expect(m.segments.count == 4 && m.input == s.path("in.mp4"), "\(m.segments.count) segments, \(m.input)")
        for k in 0..<m.segments.count {
            let r = try CLITests.vsrShell("cd / && '\(vsr)' upscale --segment \(k) --manifest '\(manifest)' --quiet --progress none")
            #expect(r.status == 0, "segment \(k): \(r)")
        }
        let join = try CLITests.vsrShell("cd / && '\(vsr)' join --manifest '\(manifest)'")
        #expect(join.status == 0, "\(join)")
        // The same upscale on one machine (segmented alike: lossy segments are only bit-identical to
        // segments), and one that deinterlaces (the default for this input): the option must matter.
        let single = try Self.vsr(["upscale", s.path("in.mp4"), s.path("single.video"), "--segment-seconds", "1",
                                   "--progress", "none"] + options)
        #expect(single.status == 0, "\(single)")
        let deinterlaced = try Self.vsr(["upscale", s.path("in.mp4"), s.path("auto.video"), "--segment-seconds", "1",
                                         "--progress", "none"] + options.filter { $0 != "--deinterlace" && $0 != "off" })
        #expect(deinterlaced.status == 0, "\(deinterlaced)")
        for path in [s.path("out.video"), s.path("single.video")] {
            let streams = try run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,pix_fmt,field_order:format=format_name",
                                              "-of", "compact", path])
            #expect(streams.contains("codec_name=h264|codec_type=video|pix_fmt=yuv420p10le"), "\(path): \(streams)")
            #expect(!streams.contains("codec_type=audio"), "--no-audio: \(streams)")
            #expect(streams.contains("format_name=matroska"), "\(streams)")
            // x264 writes its settings into the stream: CRF, tune=film's deblock, preset fast's subme and refs.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let sei = String(decoding: bytes.prefix(200_000), as: UTF8.self)
            for setting in ["crf=30.0", "deblock=1:-1:-1", "subme=6", "ref=2"] {
                let has = sei.contains(setting)
                #expect(has, "\(path) lacks \(setting)")
            }
        }
        let cluster = try SegmentTests.fingerprint(s.path("out.video"))
        #expect(cluster == (try SegmentTests.fingerprint(s.path("single.video"))))
        #expect(cluster.frameHashes.count == 100)
        #expect(cluster.frameHashes != (try SegmentTests.fingerprint(s.path("auto.video"))).frameHashes, "--deinterlace off reached the workers")
    }

    /// A changed option replans with one line naming it; an output that exists is refused before a
    /// work folder is made; a worker refuses options of its own; the join names every missing segment
    /// and the command that redoes it, and replaces OUTPUT only with --overwrite.
    @Test(.timeLimit(.minutes(2))) func planWorkerAndJoinRefuseWhatWouldLoseWork() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 4, extra: ["-c:v", "libx264", "-g", "25"])
        let input = s.path("in.mp4"), output = s.path("out.mkv"), manifest = s.path("out.mkv.vsr-work/manifest.json")
        let plan = ["plan", input, output, "--model", "bicubic", "--segment-seconds", "1", "--encoder", "ffv1"]
        #expect(try Self.vsr(plan).status == 0)
        let again = try Self.vsr(plan + ["--encoder-option", "slices=4"])
        #expect(again.status == 0 && again.stderr.contains("an option changed (--encoder-option {} -> {slices:4})"), "\(again)")
        #expect(try SegmentManifest.load(manifest).recipe.settings.encoderOptions == ["slices": "4"])

        let worker = try Self.vsr(["upscale", "--segment", "0", "--manifest", manifest, "--crf", "20", "--model", "quality"])
        #expect(worker.status == 64 && worker.stderr.contains("leave out --model, --crf"), "\(worker)")

        #expect(try Self.vsr(["upscale", "--segment", "1", "--manifest", manifest, "--quiet"]).status == 0)
        let join = try Self.vsr(["join", "--manifest", manifest])
        #expect(join.status == 1 && join.stderr.contains("segments 0, 2-3 are missing or damaged (3 of 4")
                && join.stderr.contains("vsr upscale --segment K --manifest \(manifest)"), "\(join)")
        for k in [0, 2, 3] { #expect(try Self.vsr(["upscale", "--segment", "\(k)", "--manifest", manifest, "--quiet"]).status == 0) }
        #expect(try Self.vsr(["join", "--manifest", manifest, "--keep"]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        // The output exists now: a second join, or a new plan, is refused and changes nothing.
        let rejoin = try Self.vsr(["join", "--manifest", manifest])
        #expect(rejoin.status == 1 && rejoin.stderr.contains("already exists; pass --overwrite"), "\(rejoin)")
        try FileManager.default.removeItem(atPath: SegmentManifest.workFolder(for: output))
        let replan = try Self.vsr(plan)
        #expect(replan.status == 1 && replan.stderr.contains("already exists; pass --overwrite"), "\(replan)")
        #expect(!FileManager.default.fileExists(atPath: SegmentManifest.workFolder(for: output)), "a refused plan leaves no work folder")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == bytes)
        // Planned with --overwrite, the join may replace it.
        #expect(try Self.vsr(plan + ["--overwrite"]).status == 0)
        for k in 0..<4 { #expect(try Self.vsr(["upscale", "--segment", "\(k)", "--manifest", manifest, "--quiet"]).status == 0) }
        let replaced = try Self.vsr(["join", "--manifest", manifest])
        #expect(replaced.status == 0, "\(replaced)")
    }

    /// A missing, hostile or old manifest gets one line, never a crash or a raw Swift error.
    @Test func badManifestsGetOneLine() throws {
        let s = Scratch()
        let cases: [(String, String?, String)] = [
            ("missing.json", nil, "no manifest at"),
            ("garbage.json", "\u{0}\u{1}not json", "is not a vsr manifest"),
            ("old.json", #"{"version": 1, "input": "a.mp4"}"#, "written by another version of vsr (manifest version 1"),
            ("truncated.json", #"{"version": 2, "input": "/a.mp4", "segments": ["#, "is not a vsr manifest"),
            ("fields.json", #"{"version": 2, "input": "/a.mp4"}"#, "is damaged (missing \"source\""),
        ]
        for (name, text, expected) in cases {
            if let text { try Data(text.utf8).write(to: URL(fileURLWithPath: s.path(name))) }
            for args in [["join", "--manifest", s.path(name)], ["upscale", "--segment", "0", "--manifest", s.path(name)]] {
                let r = try Self.vsr(args)
                #expect(r.status == 1 && r.stderr.hasPrefix("vsr: error: ") && r.stderr.contains(expected)
                        && r.stderr.split(separator: "\n").count == 1 && !r.stderr.contains("DecodingError"), "\(name) \(args[0]): \(r)")
            }
        }
    }
}
