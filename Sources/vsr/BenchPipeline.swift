import ArgumentParser
import Foundation
import Synchronization
import VSRBench
import VSRFrames
import VSRKernels
import VSRModels

struct BenchPipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Time whole upscales: fps end to end, each stage's busy share, the bottleneck, peak memory.",
        discussion: """
        Without INPUT, 5-second clips are generated at 352x288, 640x360, 704x576, 960x540 and 1280x720 \
        (from ../shared/videos when present). With the defaults this is 5 sizes x every bundled model x \
        (--runs + 1) runs: about 15 minutes on 2 cores; --sizes, --models and --runs shorten it. Progress \
        and an ETA go to stderr; Ctrl-C stops the running child and removes the temporary clips.
        """)

    @Argument(help: "A clip to measure (default: generated clips at the standard sizes).")
    var input: String?

    @Option(help: "Sizes of the generated clips, comma-separated WxH.")
    var sizes = PipelineBenchmark.standardSizes.map { "\($0.0)x\($0.1)" }.joined(separator: ",")

    @Option(help: "Models, comma-separated (default: bicubic and every bundled model for the scale).")
    var models: String?

    @Option(help: "Scales, comma-separated.")
    var scales = "2"

    @Option(help: "Timed runs per case (median reported, after one warm-up run).")
    var runs = 3

    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV.") var csv = false

    @Option(help: "Also draw fps per model and size as an SVG bar chart into this file.")
    var plot: String?

    func run() throws {
        try reportingErrors {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vsr-bench-\(getpid())").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            // Ctrl-C: the child running now (clip generation or an upscale) is stopped, the
            // scratch folder goes (defer), exit 130.
            let child = Mutex<Process?>(nil)
            let interrupts = InterruptHandler { child.withLock { $0?.terminate() } }
            func interrupted() -> Bool { interrupts.stop.isRaised }
            var clips: [(String, String)] = []
            if let input {
                clips = [(URL(fileURLWithPath: input).lastPathComponent, input)]
            } else {
                let shared = ["../shared/videos/slow_traffic_small.mp4"].first { FileManager.default.fileExists(atPath: $0) }
                for s in sizes.split(separator: ",") {
                    let p = s.split(separator: "x").compactMap { Int($0) }
                    guard p.count == 2 else { throw ValidationError("bad size '\(s)'") }
                    do {
                        clips.append(("\(p[0])x\(p[1])", try PipelineBenchmark.generateClip(width: p[0], height: p[1], source: shared,
                                                                                            into: scratch) { c in child.withLock { $0 = c } }))
                    } catch {
                        if interrupted() { throw ExitCode.interrupted }
                        throw error
                    }
                    if interrupted() { throw ExitCode.interrupted }
                }
            }
            let scaleList = scales.split(separator: ",").compactMap { Int($0) }
            if !json && !csv {
                print("machine: \(CPUInfo.model), \(CPUInfo.cores) cores, kernels \(CPUInfo.kernelISA)")
                print("size       model          x     fps  RT25 RT30  bottleneck  demux decode upscale chroma encode  mux   peak MB")
            }
            var rows: [PipelineBenchmark.Row] = []
            let modelLists = scaleList.map { scale in
                models.map { $0.split(separator: ",").map(String.init) }
                    ?? ["bicubic"] + ModelCatalog.bundledNames.filter { ModelCatalog.bundledPath($0, scale: scale) != nil }
            }
            let cases = modelLists.reduce(0) { $0 + $1.count } * clips.count
            let start = Date()
            var done = 0
            for (scale, modelList) in zip(scaleList, modelLists) {
                for (size, clip) in clips {
                    for model in modelList {
                        if interrupted() { throw ExitCode.interrupted }
                        let elapsed = Date().timeIntervalSince(start)
                        let eta = done > 0 ? String(format: ", ETA %.0f min", elapsed / Double(done) * Double(cases - done) / 60) : ""
                        Terminal.note("case \(done + 1)/\(cases): \(size) \(model) x\(scale), \(runs + 1) runs\(eta)")
                        let r: PipelineBenchmark.Row
                        do {
                            r = try PipelineBenchmark.measure(executable: exe, input: clip, size: size, model: model,
                                                              scale: scale, runs: runs, scratch: scratch) { p in child.withLock { $0 = p } }
                        } catch {
                            if interrupted() { throw ExitCode.interrupted }
                            throw error
                        }
                        done += 1
                        rows.append(r)
                        if !json && !csv {
                            let st = ["demux", "decode", "upscale", "chroma", "encode", "mux"].map { String(format: "%5.0f%%", 100 * (r.stages[$0] ?? 0)) }
                            print(padded(size, 10) + padded(model, 14) + String(format: "x%d %7.1f  ", scale, r.fps)
                                  + padded(r.realtime25 ? "yes" : "no", 5) + padded(r.realtime30 ? "yes" : "no", 5)
                                  + " " + padded(r.bottleneck, 11) + st.joined(separator: " ") + String(format: "  %7.0f", r.peakRssMb))
                        }
                    }
                }
            }
            if json {
                print(JSONLine.encode(PipelineBenchReport(machine: MachineReport(), results: rows), pretty: true))
            } else if csv {
                print("size,model,scale,fps,realtime_25,realtime_30,bottleneck,demux,decode,upscale,chroma,encode,mux,peak_rss_mb")
                for r in rows {
                    let st = ["demux", "decode", "upscale", "chroma", "encode", "mux"].map { String(format: "%.3f", r.stages[$0] ?? 0) }
                    print("\(r.size),\(r.model),\(r.scale),\(String(format: "%.2f", r.fps)),\(r.realtime25),\(r.realtime30),\(r.bottleneck),\(st.joined(separator: ",")),\(String(format: "%.1f", r.peakRssMb))")
                }
            }
            if let plot {
                let sizesSeen = clips.map(\.0)
                let series = Array(Set(rows.map { "\($0.model) x\($0.scale)" })).sorted()
                let values = series.map { s in sizesSeen.map { size in rows.first { "\($0.model) x\($0.scale)" == s && $0.size == size }?.fps } }
                let chart = BarChart(title: "vsr upscale end to end (\(CPUInfo.cores) cores)", categories: sizesSeen, series: series,
                                     values: values, yLabel: "frames per second", referenceLines: [(25, "25 fps"), (30, "30 fps")])
                try chart.svg().write(toFile: plot, atomically: true, encoding: .utf8)
            }
        }
    }
}

/// `vsr bench pipeline --json`.
struct PipelineBenchReport: Encodable {
    let machine: MachineReport
    let results: [PipelineBenchmark.Row]
}
