import ArgumentParser
import Foundation
import VSRFrames
import VSRMedia
import VSRModels
import VSRUpscale

/// `vsr plan`: the segments of an upscale, for workers on other machines (a Ray cluster,
/// Kubernetes Indexed Jobs, Slurm arrays): each runs `vsr upscale --segment K --manifest M`, then
/// `vsr join --manifest M` puts the result together.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan a segmented upscale: write OUTPUT.vsr-work/manifest.json and print the segments.",
        discussion: """
        The work folder must be on storage every worker sees (NFS, a shared volume). Then, for K in \
        0..<segments: vsr upscale --segment K --manifest M (any machine, any order, retried freely), \
        and vsr join --manifest M. An existing plan for the same input and options is kept (finished \
        segments stay finished); --restart replans.
        """)

    @Argument(help: "Input video file.")
    var input: String

    @Argument(help: "Output file the segments will be joined into.")
    var output: String

    @OptionGroup var models: ModelOptions
    @OptionGroup var encoding: EncodingOptions

    @Option(name: .customLong("segment-seconds"), help: "Segment length in seconds (cut at the next keyframe).")
    var segmentSeconds = 60.0

    @Flag(help: "Replan even when a plan for this input and these options exists.")
    var restart = false

    @Flag(help: "Let the join replace OUTPUT if it exists (else the plan is refused, as vsr upscale would be).")
    var overwrite = false

    @Flag(help: "Print JSON: {manifest, segments, frames, done}.")
    var json = false

    func validate() throws {
        guard segmentSeconds >= 1 else { throw ValidationError("--segment-seconds must be at least 1") }
    }

    func run() throws {
        configureFFmpegLogging(verbose: false)
        try reportingErrors {
            let model = models.chosenModel(forFile: input) { Terminal.note($0) }
            let upscaler = try ModelCatalog.upscaler(named: model, scale: models.scale, precision: models.precision,
                                                     byQP: models.qpBands)
            var o = encoding.options(input: input, output: output)
            o.overwrite = overwrite
            let recipe = encodeRecipe(model, scale: models.scale, upscaler: upscaler, settings: o.settings)
            let job = SegmentedUpscale(options: o, upscaler: upscaler, recipe: recipe) { Terminal.note($0) }
            let m = try job.prepare(segmentSeconds: segmentSeconds, restart: restart)
            let done = m.segments.filter { SegmentedUpscale.verifiedRecord(m, $0.index) != nil }.map(\.index)
            if json {
                print(JSONLine.encode(PlanReport(manifest: m.path, segments: m.segments.count, frames: m.totalFrames, done: done)))
            } else {
                print("\(m.path): \(m.segments.count) segments, \(m.totalFrames) frames, \(done.count) done")
            }
        }
    }

    struct PlanReport: Encodable {
        let manifest: String
        let segments: Int
        let frames: Int
        /// Segments already finished and verified.
        let done: [Int]
    }
}

/// `vsr join`: the finished segments of a plan and the source's other streams into OUTPUT.
struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the segments of a plan into its output (after every vsr upscale --segment K has finished).")

    @Option(help: "The manifest.json `vsr plan` wrote.")
    var manifest: String

    @Flag(help: "Keep the work folder (segments and manifest) after joining.")
    var keep = false

    @Flag(help: "Replace OUTPUT if it exists (also when vsr plan had --overwrite).")
    var overwrite = false

    func run() throws {
        configureFFmpegLogging(verbose: false)
        try reportingErrors {
            let m = try SegmentManifest.load(manifest)
            let start = Date()
            try SegmentJoiner.join(m, overwrite: overwrite || m.overwrite) { Terminal.note($0) }
            if !keep { try? FileManager.default.removeItem(atPath: m.workFolder) }
            print("\(m.output): \(m.segments.count) segments joined in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
    }
}
