import Foundation

/// `vsr bench pipeline`: end-to-end `vsr upscale` runs, each in its own process (so peak memory
/// is per run), on a given clip or on clips generated at the standard sizes; the median of
/// several runs per case, each stage's busy share and the bottleneck.
public enum PipelineBenchmark {
    public struct Row: Sendable, Codable {
        public let size: String
        public let model: String
        public let scale: Int
        public let fps: Double
        public let source_fps: Double
        public let realtime_25: Bool
        public let realtime_30: Bool
        public let bottleneck: String
        /// Busy share per stage (0...1), in pipeline order.
        public let stages: [String: Double]
        public let peak_rss_mb: Double
    }

    public static let standardSizes = [(352, 288), (640, 360), (704, 576), (960, 540), (1280, 720)]

    /// Makes a 5 s test clip at `width`x`height` (25 fps, H.264): the real clip scaled, when the
    /// shared videos are present, else FFmpeg's test pattern.
    public static func generateClip(width: Int, height: Int, source: String?, into folder: String) throws -> String {
        let out = "\(folder)/bench_\(width)x\(height).mp4"
        if FileManager.default.fileExists(atPath: out) { return out }
        var args = ["-hide_banner", "-loglevel", "error", "-y"]
        if let source {
            args += ["-i", source, "-vf", "scale=\(width):\(height):flags=lanczos,fps=25", "-t", "5"]
        } else {
            args += ["-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=25", "-t", "5"]
        }
        args += ["-an", "-c:v", "libx264", "-preset", "fast", "-crf", "20", out]
        try runTool("ffmpeg", args)
        return out
    }

    /// Runs `vsr upscale --report json` `runs` times (after one warm-up) and keeps the median.
    public static func measure(executable: String, input: String, size: String, model: String, scale: Int,
                               runs: Int, scratch: String) throws -> Row {
        var reports: [[String: Any]] = []
        for i in 0..<(runs + 1) {
            let out = try runTool(executable, ["upscale", input, "\(scratch)/out.mkv", "--model", model, "--scale", String(scale),
                                               "--overwrite", "--progress", "none", "--report", "json"])
            if i > 0, let o = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] { reports.append(o) }
        }
        reports.sort { ($0["fps"] as! Double) < ($1["fps"] as! Double) }
        let median = reports[reports.count / 2]
        let fps = median["fps"] as! Double
        let stageInfo = median["stages"] as! [String: [String: Double]]
        let shares = stageInfo.mapValues { $0["share"] ?? 0 }
        let bottleneck = shares.max { $0.value < $1.value }?.key ?? "?"
        return Row(size: size, model: model, scale: scale, fps: fps, source_fps: median["source_fps"] as! Double,
                   realtime_25: fps >= 25, realtime_30: fps >= 30, bottleneck: bottleneck, stages: shares,
                   peak_rss_mb: reports.map { $0["peak_rss_mb"] as! Double }.max() ?? 0)
    }

    /// Runs a program (a path, or a name looked up on PATH); returns its stdout. A non-zero exit
    /// throws with the command and its stderr.
    @discardableResult
    public static func runTool(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool.contains("/") ? tool : "/usr/bin/env")
        p.arguments = tool.contains("/") ? args : [tool] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw VSRError.unsupported("\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
