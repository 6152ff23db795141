import ArgumentParser
import Foundation
import VSRUpscale
import VSRKernels
import VSRMedia
import VSRModels

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upscale a video or image file.",
        discussion: """
        Audio, subtitles, chapters and metadata are copied unchanged. The result is written under a \
        temporary name beside OUTPUT and renamed when complete; Ctrl-C keeps a playable partial file.
        """)

    @Argument(help: "Input file: any container FFmpeg reads (mp4, mkv, mov, avi, ts, webm, raw .264) or an image.")
    var input: String

    @Argument(help: "Output file; the extension picks the container (.mp4, .mkv, .png, ...).")
    var output: String

    @OptionGroup var models: ModelOptions

    @Option(help: "Video encoder: libx264, libx265, libsvtav1 or libvpx-vp9 (as this FFmpeg build has them).")
    var encoder = "libx264"

    @Option(help: "Encoder quality (lower is better; default 18 for x264/x265).")
    var crf: Int?

    @Option(help: "Encoder speed preset (x264/x265 names such as veryfast, slow; svt-av1 0-13).")
    var preset: String?

    @Option(name: [.customLong("workers"), .customLong("threads")],
            help: "Upscale workers: frames upscaled in parallel, a thread each (default: one per core).")
    var workers: Int?

    @Option(help: "Container format, when the output name does not say (e.g. matroska, mp4).")
    var format: String?

    @Flag(help: "Replace OUTPUT if it exists.")
    var overwrite = false

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
        if let crf, !(0...63).contains(crf) { throw ValidationError("--crf must be between 0 and 63") }
        guard input != output else { throw ValidationError("INPUT and OUTPUT must be different files") }
    }

    func run() throws {
        configureFFmpegLogging(verbose: verbose)
        try reportingErrors {
            let upscaler = try ModelCatalog.upscaler(named: models.chosenModel(forFile: input, note: note), scale: models.scale)
            var o = UpscaleOptions(input: input, output: output)
            o.encoder = encoder
            o.crf = crf
            o.preset = preset
            o.workers = workers
            o.format = format
            o.overwrite = overwrite
            let job = UpscaleJob(options: o, upscaler: upscaler, notify: note)
            let interrupts = InterruptHandler { Terminal.note("stopping: finishing the file with the frames upscaled so far") }
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
                print(JSONLine.encode(UpscaleReport(summary: summary, job: job, model: upscaler.name, scale: models.scale)))
                return
            }
            if !quiet {
                let speed = summary.sourceFPS > 0 ? String(format: " (%.2fx real time)", summary.fps / summary.sourceFPS) : ""
                print("\(summary.path): \(summary.framesOut) frames upscaled x\(models.scale) with \(upscaler.name) "
                      + "in \(String(format: "%.1f", summary.seconds)) s, \(String(format: "%.1f", summary.fps)) fps\(speed)")
            }
        }
    }

    private func note(_ s: String) { if !quiet { Terminal.note(s) } }
}

extension ProgressStyle: ExpressibleByArgument {}
