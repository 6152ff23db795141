import Foundation
import Testing
import VSRCore
import VSRKernels
import VSRMedia

/// A scratch folder per test, removed afterwards.
final class Scratch {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vsr-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

/// Runs a command-line tool; returns stdout, throws on a non-zero exit.
@discardableResult
func run(_ tool: String, _ args: [String]) throws -> String { try PipelineBenchmark.runTool(tool, args) }

/// Makes a test clip with the ffmpeg CLI from lavfi sources.
func makeClip(_ path: String, video: String = "testsrc2=size=96x64:rate=25", seconds: Double = 1,
              audio: Bool = false, extra: [String] = []) throws {
    var args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    if audio { args += ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100"] }
    args += ["-t", String(seconds)] + extra
    if audio { args += ["-c:a", "aac", "-shortest"] }
    try run("ffmpeg", args + [path])
}

/// ffprobe's JSON for a file.
func probe(_ path: String, _ args: [String]) throws -> [String: Any] {
    let text = try run("ffprobe", ["-v", "error", "-of", "json"] + args + [path])
    return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
}

func videoStream(_ path: String) throws -> [String: Any] {
    let j = try probe(path, ["-select_streams", "v:0", "-count_frames", "-show_streams"])
    return (j["streams"] as! [[String: Any]])[0]
}

/// Presentation times of every video frame, in seconds.
func frameTimes(_ path: String) throws -> [Double] {
    let j = try probe(path, ["-select_streams", "v:0", "-show_entries", "frame=pts_time"])
    return (j["frames"] as! [[String: Any]]).compactMap { Double($0["pts_time"] as? String ?? "") }
}

/// MD5 of every packet of the first audio stream, in order.
func audioPacketHashes(_ path: String) throws -> [String] {
    let j = try probe(path, ["-select_streams", "a:0", "-show_data_hash", "MD5", "-show_entries", "packet=data_hash"])
    return (j["packets"] as! [[String: Any]]).map { $0["data_hash"] as! String }
}

/// Upscales with the library, as `vsr upscale` does.
@discardableResult
func upscale(_ input: String, _ output: String, scale: Int = 2, upscaler: (any LumaUpscaler)? = nil,
             configure: (inout UpscaleOptions) -> Void = { _ in }) throws -> UpscaleSummary {
    configureFFmpegLogging(verbose: false)  // damaged-input tests would fill the log otherwise
    var o = UpscaleOptions(input: input, output: output)
    o.workers = 2
    configure(&o)
    let job = UpscaleJob(options: o, upscaler: upscaler ?? BicubicUpscaler(scale: scale), notify: { _ in })
    return try job.run()
}

/// Bicubic x2 that takes `delay` seconds a frame: a network too slow for its source, or a run
/// slow enough to interrupt midway.
struct DelayedBicubic: LumaUpscaler {
    let delay: Double
    var name: String { "delayed-bicubic" }
    var scale: Int { 2 }
    func makeWorker() -> any LumaUpscaleWorker { Worker(delay: delay) }

    final class Worker: LumaUpscaleWorker {
        let delay: Double
        let inner = BicubicUpscaler(scale: 2).makeWorker()
        init(delay: Double) { self.delay = delay }
        func upscale(_ s: LumaPlane, into d: LumaPlane) {
            Thread.sleep(forTimeInterval: delay)
            inner.upscale(s, into: d)
        }
    }
}
