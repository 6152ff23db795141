import Foundation
import VSRUpscale

/// `vsr bench pipeline`: end-to-end `vsr upscale` runs, each in its own process (so peak memory
/// is per run), on a given clip or on clips generated at the standard sizes; the median of
/// several runs per case, each stage's busy share and the bottleneck.
public enum PipelineBenchmark {
    public struct Row: Sendable, Codable {
        public let size: String
        public let model: String
        public let scale: Int
        public let fps: Double
        public let sourceFps: Double
        public let realtime25: Bool
        public let realtime30: Bool
        public let bottleneck: String
        /// Busy share per stage (0...1).
        public let stages: [String: Double]
        public let peakRssMb: Double

        enum CodingKeys: String, CodingKey {
            case size, model, scale, fps, sourceFps, bottleneck, stages, peakRssMb
            case realtime25 = "realtime_25", realtime30 = "realtime_30"
        }
    }

    public static let standardSizes = [(352, 288), (640, 360), (704, 576), (960, 540), (1280, 720)]

    /// Makes a 5 s test clip at `width`x`height` (25 fps, H.264): the real clip scaled, when the
    /// shared videos are present, else FFmpeg's test pattern.
    public static func generateClip(width: Int, height: Int, source: String?, into folder: String,
                                    started: (Process) -> Void = { _ in }) throws -> String {
        let out = "\(folder)/bench_\(width)x\(height).mp4"
        if FileManager.default.fileExists(atPath: out) { return out }
        var args = ["-hide_banner", "-loglevel", "error", "-y"]
        if let source {
            args += ["-i", source, "-vf", "scale=\(width):\(height):flags=lanczos,fps=25", "-t", "5"]
        } else {
            args += ["-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=25", "-t", "5"]
        }
        args += ["-an", "-c:v", "libx264", "-preset", "fast", "-crf", "20", out]
        try ChildProcess.run("ffmpeg", args, started: started)
        return out
    }

    /// Runs `vsr upscale --report json` `runs` times (after one warm-up) and keeps the median.
    /// `started` receives each child process (to terminate it on an interrupt).
    public static func measure(executable: String, input: String, size: String, model: String, scale: Int,
                               runs: Int, scratch: String, started: (Process) -> Void = { _ in }) throws -> Row {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var reports: [UpscaleReport] = []
        for i in 0..<(runs + 1) {
            let out = try ChildProcess.run(executable, ["upscale", input, "\(scratch)/out.mkv", "--model", model,
                                                        "--scale", String(scale), "--overwrite", "--progress", "none",
                                                        "--report", "json"], started: started)
            if i > 0 { reports.append(try decoder.decode(UpscaleReport.self, from: Data(out.utf8))) }
        }
        reports.sort { $0.fps < $1.fps }
        let median = reports[reports.count / 2]
        let shares = median.stages.mapValues(\.share)
        let bottleneck = shares.max { $0.value < $1.value }?.key ?? "?"
        return Row(size: size, model: model, scale: scale, fps: median.fps, sourceFps: median.sourceFps,
                   realtime25: median.fps >= 25, realtime30: median.fps >= 30, bottleneck: bottleneck, stages: shares,
                   peakRssMb: reports.map(\.peakRssMb).max() ?? 0)
    }
}
