import ArgumentParser
import Foundation
import VSRFrames
import VSRKernels
import VSRMedia
import VSRModels
import VSRUpscale

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upscale a video or image file.",
        discussion: """
        Audio, subtitles, chapters and metadata are copied unchanged. The result is written under a \
        temporary name beside OUTPUT and renamed when complete; Ctrl-C keeps a playable partial file.
        Videos longer than 2 minutes are upscaled in keyframe-aligned segments of --segment-seconds in \
        OUTPUT.vsr-work/: after any interruption (Ctrl-C, a crash, power loss) the same command resumes, \
        redoing only unfinished segments. On a cluster: vsr plan, vsr upscale --segment K --manifest M, \
        vsr join (cluster/vsr_ray.py drives them on Ray).
        """)

    @Argument(help: ArgumentHelp("INPUT OUTPUT: a video or image file (any container FFmpeg reads) and the output, whose extension picks the container; - for stdin/stdout. Several inputs or a folder, then an output folder: a batch.", valueName: "paths"))
    var paths: [String] = []

    var input: String? { paths.count == 2 ? paths[0] : nil }
    var output: String? { paths.count == 2 ? paths[1] : nil }

    @OptionGroup var models: ModelOptions
    @OptionGroup var encoding: EncodingOptions

    @Option(name: [.customLong("workers"), .customLong("threads")],
            help: "Upscale workers: frames upscaled in parallel, a thread each (default: one per core).")
    var workers: Int?

    @Flag(help: "Replace OUTPUT if it exists.")
    var overwrite = false

    @Option(help: "Start at this many seconds into the input (the output starts at 0).")
    var start: Double?

    @Option(help: "Upscale this many seconds (audio and subtitles are cut to match).")
    var duration: Double?

    @Option(help: "Upscale at most this many frames.")
    var frames: Int?

    @Option(name: .customLong("segment-seconds"),
            help: "Segment length for resumable upscales (default: 60 for videos over 2 minutes; 0: one pass, no resume).")
    var segmentSeconds: Double?

    @Flag(help: "Start over: ignore the segments a previous run of this command left.")
    var restart = false

    @Option(help: "Upscale only segment K of --manifest (a cluster worker); INPUT and OUTPUT come from the manifest.")
    var segment: Int?

    @Option(help: "The manifest.json `vsr plan` wrote (with --segment).")
    var manifest: String?

    @Option(help: "Progress display: auto (a live line on a terminal), plain, json (one object per second on stderr) or none.")
    var progress: ProgressStyle = .auto

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Option(help: "Print a final summary on stdout: json (frames, fps, each stage's busy share, peak memory).")
    var report: ReportFormat?

    enum ReportFormat: String, ExpressibleByArgument { case json }

    @Flag(help: "Also show FFmpeg's own messages.")
    var verbose = false

    func validate() throws {
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be between 1 and 256") }
        try encoding.validate()
        if let start, start < 0 { throw ValidationError("--start must be 0 or more seconds") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if let frames, frames <= 0 { throw ValidationError("--frames must be positive") }
        if let segmentSeconds, segmentSeconds < 0 || (segmentSeconds > 0 && segmentSeconds < 1) {
            throw ValidationError("--segment-seconds must be 0 (no segments) or at least 1")
        }
        if segment != nil || manifest != nil {
            guard segment != nil, manifest != nil else { throw ValidationError("--segment and --manifest go together") }
            guard paths.isEmpty else { throw ValidationError("with --segment, INPUT and OUTPUT come from the manifest") }
            let given = try givenOutputOptions()
            guard given.isEmpty else {
                throw ValidationError("with --segment the model and encoding come from the manifest (vsr plan recorded them); "
                                      + "leave out \(given.joined(separator: ", "))")
            }
            return
        }
        guard paths.count >= 2 else { throw ValidationError("give INPUT and OUTPUT (or inputs and an output folder)") }
        if paths.count == 2, !Batch.isFolder(paths[0]) {
            guard paths[0] != paths[1] || paths[0] == "-" else { throw ValidationError("INPUT and OUTPUT must be different files") }
        }
    }

    /// The model and output options given on this command line (they differ from the defaults):
    /// a segment worker must not take them, since its manifest decides.
    private func givenOutputOptions() throws -> [String] {
        let m = try ModelOptions.parse([])
        var given: [String] = []
        if models.scale != m.scale { given.append("--scale") }
        if models.model != m.model { given.append("--model") }
        if models.family != m.family { given.append("--family") }
        if models.precision != m.precision { given.append("--precision") }
        if models.qpBands != m.qpBands { given.append("--no-qp-bands") }
        let defaults = try EncodingOptions.parse([]).options(input: "", output: "").settings
        let mine = encoding.options(input: "", output: "").settings
        func recipe(_ s: OutputSettings) -> EncodeRecipe {
            EncodeRecipe(model: "", modelFile: nil, scale: 2, precision: "", settings: s)
        }
        for d in recipe(mine).differences(from: recipe(defaults)) {
            let flag = String(d.prefix { $0 != " " })
            if !given.contains(flag) { given.append(flag) }
        }
        if start != nil { given.append("--start") }
        if duration != nil { given.append("--duration") }
        if frames != nil { given.append("--frames") }
        return given
    }

    func run() throws {
        configureFFmpegLogging(verbose: verbose)
        try reportingErrors {
            if let segment, let manifest { return try runSegment(segment, manifest: manifest) }
            if paths.count > 2 || Batch.isFolder(paths[0]) { return try runBatch() }
            try upscaleOne(input: paths[0], output: paths[1])
        }
    }

    /// Several inputs (or a folder's media files) into an output folder, one summary line each;
    /// the exit code says whether any failed.
    private func runBatch() throws {
        let folder = paths.last!
        let jobs = try Batch.plan(inputs: Array(paths.dropLast()), outputFolder: folder)
        var failed = 0
        for (input, output) in jobs {
            do {
                try upscaleOne(input: input, output: output)
            } catch let e as ExitCode where e == .interrupted {
                throw e
            } catch {
                failed += 1
                if !(error is ExitCode) { Terminal.error("\(input): \(error)") }
            }
        }
        if !quiet { print("batch: \(jobs.count - failed) of \(jobs.count) upscaled into \(folder)" + (failed > 0 ? ", \(failed) failed" : "")) }
        if failed > 0 { throw ExitCode.failure }
    }

    /// One input to one output (a pipe, an image, a video: in one pass or in segments).
    private func upscaleOne(input: String, output: String) throws {
        try reportingErrors {
            let input = Batch.pipeURL(input, reading: true), output = Batch.pipeURL(output, reading: false)
            // The input's problems first, before the model is loaded and tuned (seconds).
            if !input.contains("://") && !Batch.isPipe(input) && !FileManager.default.fileExists(atPath: input) {
                throw VSRError.inputNotFound(input)
            }
            let model = Batch.isPipe(input) ? models.chosenModel(lossyInput: true, input: "a pipe", note: note)
                : models.chosenModel(forFile: input, note: note)
            let upscaler = try ModelCatalog.upscaler(named: model, scale: models.scale, precision: models.precision,
                                                     byQP: models.qpBands)
            var o = encoding.options(input: input, output: output)
            o.workers = workers
            o.overwrite = overwrite
            o.quietEncoder = !verbose
            o.start = start
            o.duration = duration
            o.frames = frames
            if let seconds = segmentLength(input: input, output: output) {
                do { return try runSegmented(o, upscaler: upscaler, model: model, seconds: seconds) } catch let e as CannotSegment {
                    note("\(input) \(e): upscaling it in one pass (an interruption will not resume)")
                }
            }
            let job = UpscaleJob(options: o, upscaler: upscaler, notify: note)
            let interrupts = InterruptHandler { Terminal.note("stopping: finishing the file with the frames upscaled so far") }
            let keys = Batch.isPipe(input) ? nil : KeyboardControl(stop: interrupts.stop, pause: job.pause, onPause: Self.pauseNote)
            defer { _ = keys }
            var reporter: ProgressReporter?
            defer { reporter?.stop() }  // also when the job fails
            let summary = try job.run(stop: interrupts.stop) { sourceFPS in
                reporter = ProgressReporter(counter: job.progress, style: quiet ? .none : progress, sourceFPS: sourceFPS)
                reporter?.start()
            }
            reporter?.stop()
            if summary.decodeErrors > 0 {
                Terminal.note("\(summary.decodeErrors) damaged packets or frames were skipped")
            }
            if summary.interrupted {
                Terminal.error("interrupted after \(summary.framesOut) frames; the partial result is in \(summary.path)")
                throw ExitCode.interrupted
            }
            if report == .json {
                let line = JSONLine.encode(UpscaleReport(summary: summary, job: job, model: upscaler.name, precision: upscaler.precision,
                                                        scale: models.scale))
                if Batch.isPipe(output) { Terminal.write(line + "\n") } else { print(line) }
                return
            }
            printSummary(summary, model: Self.label(upscaler))
        }
    }

    /// Segments for a video file longer than two minutes (or as --segment-seconds says); nil: one pass.
    private func segmentLength(input: String, output: String) -> Double? {
        // Trims are short previews, pipes cannot be reread: one pass.
        if segmentSeconds == 0 || input.contains("://") || Batch.isPipe(input) || Batch.isPipe(output)
            || start != nil || duration != nil || frames != nil { return nil }
        if let probe = try? OutputFile(url: output, format: encoding.format), probe.isImageFormat { return nil }
        if let segmentSeconds { return segmentSeconds }
        guard let duration = (try? InputFile(url: input))?.duration, duration > 120 else { return nil }
        return 60
    }

    private func runSegmented(_ o: UpscaleOptions, upscaler: any LumaUpscaler, model: String, seconds: Double) throws {
        let recipe = encodeRecipe(model, scale: models.scale, upscaler: upscaler, settings: o.settings)
        let job = SegmentedUpscale(options: o, upscaler: upscaler, recipe: recipe, notify: note)
        let plan = try job.prepare(segmentSeconds: seconds, restart: restart)
        let interrupts = InterruptHandler { Terminal.note("stopping: the finished segments are kept; run the same command to resume") }
        let keys = KeyboardControl(stop: interrupts.stop, pause: job.pause, onPause: Self.pauseNote)
        defer { _ = keys }
        var reporter: ProgressReporter?
        defer { reporter?.stop() }
        let summary = try job.run(manifest: plan, stop: interrupts.stop) { sourceFPS in
            reporter = ProgressReporter(counter: job.progress, style: quiet ? .none : progress, sourceFPS: sourceFPS)
            reporter?.start()
        }
        reporter?.stop()
        if summary.interrupted {
            Terminal.error("interrupted after \(summary.framesOut) frames; run the same command again to resume "
                           + "(finished segments are kept in \(summary.path))")
            throw ExitCode.interrupted
        }
        printSummary(summary, model: Self.label(upscaler))
    }

    /// `--segment K --manifest M`: one segment, with the model and options the manifest names.
    private func runSegment(_ index: Int, manifest path: String) throws {
        let m = try SegmentManifest.load(path)
        let r = m.recipe
        // The manifest's arithmetic, so every node's segments match (a node without VNNI cannot
        // make int8 segments: it says so instead of mixing fp32 ones in).
        let precision: Precision = r.precision == "int8" ? .int8 : .fp32
        let upscaler = try ModelCatalog.upscaler(named: r.model, scale: r.scale, precision: precision, byQP: r.qpBandFiles != nil)
        if let why = encodeRecipe(r.model, scale: r.scale, upscaler: upscaler, settings: r.settings).firstDifference(from: r) {
            throw VSRError.unsupported("this machine cannot make the segments \(path) plans (\(why)): "
                                       + "install the same vsr and models on every worker")
        }
        let interrupts = InterruptHandler { Terminal.note("stopping: segment \(index) is left unfinished") }
        guard try SegmentedUpscale.runSegment(manifest: m, index: index, upscaler: upscaler, workers: workers,
                                              stop: interrupts.stop, notify: note) else {
            throw ExitCode.interrupted
        }
        if !quiet { print("segment \(index) of \(m.segments.count): \(m.segmentPath(index))") }
    }

    private func printSummary(_ summary: UpscaleSummary, model: String) {
        guard !quiet else { return }
        // The video itself may be on stdout: the summary goes to stderr then.
        if Batch.isPipe(summary.path) { Terminal.write(Self.summaryLine(summary, model: model, scale: models.scale) + "\n") }
        else { print(Self.summaryLine(summary, model: model, scale: models.scale)) }
    }

    /// "out.mp4: 250 frames, 640x360 -> 1280x720 (x2, balanced), libx264, 12.3 MB in 10.2 s (24.5 fps, 0.98x real time)";
    /// an image says so instead of frames and speeds.
    static func summaryLine(_ s: UpscaleSummary, model: String, scale: Int) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: s.path)[.size] as? NSNumber)??.doubleValue ?? 0
        let size = Batch.isPipe(s.path) ? "to stdout" : bytes >= 1e6 ? String(format: "%.1f MB", bytes / 1e6) : String(format: "%.0f kB", bytes / 1e3)
        let geometry = "\(s.inputSize.width)x\(s.inputSize.height) -> \(s.outputSize.width)x\(s.outputSize.height) (x\(scale), \(model))"
        let time = String(format: "%.1f s", s.seconds)
        if s.isImage { return "\(s.path): image \(geometry), \(size) in \(time)" }
        let speed = s.sourceFPS > 0 ? String(format: ", %.2fx real time", s.fps / s.sourceFPS) : ""
        return "\(s.path): \(s.framesOut) frames, \(geometry), \(s.encoder), \(size) in \(time) "
            + "(\(String(format: "%.1f", s.fps)) fps\(speed))"
    }

    private func note(_ s: String) { if !quiet { Terminal.note(s) } }

    /// "balanced-x2", or "balanced-x2, int8" when the VNNI engine runs it.
    static func label(_ upscaler: any LumaUpscaler) -> String {
        upscaler.precision == "int8" ? "\(upscaler.name), int8" : upscaler.name
    }

    @Sendable static func pauseNote(_ paused: Bool) {
        Terminal.note(paused ? "paused (space resumes, q stops)" : "resumed")
    }
}

/// The size and date of the model file a name resolves to (nil for bicubic): a segment made
/// with another file must not be joined with this one's.
func modelStamp(_ model: String, scale: Int) -> FileStamp? {
    if model == "bicubic" { return nil }
    let isPath = model.contains("/") || model.hasSuffix(".safetensors")
    return (isPath ? model : ModelCatalog.bundledPath(model, scale: scale)).flatMap { FileStamp(path: $0) }
}

/// The recipe of an upscale: the model file, its QP-band specialists, the arithmetic and the
/// output settings; `upscale`, `plan` and a segment worker (checking its own machine) make it here.
func encodeRecipe(_ model: String, scale: Int, upscaler: any LumaUpscaler, settings: OutputSettings) -> EncodeRecipe {
    EncodeRecipe(model: model, modelFile: modelStamp(model, scale: scale),
                 qpBandFiles: qpBandStamps(model, scale: scale, upscaler: upscaler), scale: scale,
                 precision: upscaler.precision, settings: settings)
}

/// Size and time of the QP-band specialists `upscaler` runs beside `model`; nil when it runs none.
func qpBandStamps(_ model: String, scale: Int, upscaler: any LumaUpscaler) -> [FileStamp]? {
    guard upscaler is QPBandedUpscaler else { return nil }
    return ModelCatalog.qpBandSuffixes.compactMap { ModelCatalog.bundledPath("\(model)-\($0)", scale: scale).flatMap(FileStamp.init) }
}

/// The encoder options `upscale` and `plan` share.
struct EncodingOptions: ParsableArguments {
    @Option(help: "Video encoder: libx264 (default; libx265 for HDR input), libx265, libsvtav1, libvpx-vp9, ffv1, prores_ks, ... (vsr encoders lists this build's).")
    var encoder: String?

    @Option(help: "Encoder quality, lower is better: x264/x265 0-51 (default 18), svt-av1 1-63 (30), vp9 0-63 (32).")
    var crf: Int?

    @Option(name: .customLong("encoder-option"), parsing: .singleValue,
            help: "KEY=VALUE passed to the encoder (repeatable): tune=film, profile=high10, g=250, bf=0, maxrate=8M, bufsize=16M, x265-params=..., ...")
    var encoderOption: [String] = []

    @Option(name: .customLong("pix-fmt"), help: "Pixel format to encode in (e.g. yuv420p10le for 10-bit output; default: as the input).")
    var pixFmt: String?

    @Option(help: "Encoder speed preset (x264/x265 names such as veryfast, slow; svt-av1 0-13).")
    var preset: String?

    @Option(help: "Container format, when the output name does not say (e.g. matroska, mp4).")
    var format: String?

    @Option(help: "Audio: auto (copy what the container carries, convert the rest: AAC for mp4/mov, Opus for webm), copy (refuse what it cannot carry), or a codec to convert every audio stream to (aac, opus, flac, ...).")
    var audio = "auto"

    @Flag(name: .customLong("no-audio"), help: "Leave audio out.")
    var noAudio = false

    @Flag(name: .customLong("no-subtitles"), help: "Leave subtitles out (text subtitles are otherwise converted where the container needs it).")
    var noSubtitles = false

    @Flag(name: .customLong("no-data"), help: "Leave out data streams, attachments (fonts), cover art and other video streams.")
    var noData = false

    @Option(help: "Interlaced input: auto (deinterlace with bwdif when the stream or its frames say interlaced), on, off.")
    var deinterlace: DeinterlaceMode = .auto

    func validate() throws {
        if audio.isEmpty { throw ValidationError("--audio needs auto, copy or a codec name") }
        for kv in encoderOption where !kv.contains("=") || kv.hasPrefix("=") {
            throw ValidationError("--encoder-option takes KEY=VALUE (got '\(kv)')")
        }
    }

    func options(input: String, output: String) -> UpscaleOptions {
        var o = UpscaleOptions(input: input, output: output)
        o.encoder = encoder ?? "libx264"
        o.encoderIsDefault = encoder == nil
        o.crf = crf
        o.preset = preset
        o.format = format
        o.keep.audio = noAudio ? .none : AudioMode(audio)
        o.keep.subtitles = !noSubtitles
        o.keep.dataStreams = !noData
        o.pixelFormat = pixFmt
        o.deinterlace = deinterlace
        for kv in encoderOption {
            let parts = kv.split(separator: "=", maxSplits: 1).map(String.init)
            o.encoderOptions[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return o
    }
}

extension ProgressStyle: ExpressibleByArgument {}

extension DeinterlaceMode: ExpressibleByArgument {}
