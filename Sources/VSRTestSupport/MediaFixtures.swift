import Foundation
import VSRBench
import VSRKernels

/// A scratch folder per test, removed afterwards.
public final class Scratch {
    public let url: URL
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vsr-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

/// Runs a command-line tool; returns stdout, throws on a non-zero exit.
@discardableResult
public func run(_ tool: String, _ args: [String]) throws -> String { try ChildProcess.run(tool, args) }

/// Makes a test clip with the ffmpeg CLI from lavfi sources.
public func makeClip(_ path: String, video: String = "testsrc2=size=96x64:rate=25", seconds: Double = 1,
                     audio: Bool = false, extra: [String] = []) throws {
    var args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    if audio { args += ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100"] }
    args += ["-t", String(seconds)] + extra
    if audio { args += ["-c:a", "aac", "-shortest"] }
    try run("ffmpeg", args + [path])
}

/// What ffprobe reports, decoded: only the fields the tests read.
public struct Probe: Decodable {
    public struct Stream: Decodable {
        public let codecName: String?
        public let width: Int?, height: Int?
        public let pixFmt: String?
        public let colorRange: String?
        public let nbReadFrames: String?
        public let sideDataList: [SideData]?
    }
    public struct SideData: Decodable {
        public let sideDataType: String?
        public let rotation: Int?
    }
    public struct FrameEntry: Decodable {
        public let ptsTime: String?
        public let tags: [String: String]?
    }
    public struct PacketEntry: Decodable {
        public let ptsTime: String?
        public let dataHash: String?
    }
    public let streams: [Stream]?
    public let frames: [FrameEntry]?
    public let packets: [PacketEntry]?
}

/// ffprobe's JSON for a file.
public func probe(_ path: String, _ args: [String]) throws -> Probe {
    let text = try run("ffprobe", ["-v", "error", "-of", "json"] + args + [path])
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Probe.self, from: Data(text.utf8))
}

public func videoStream(_ path: String) throws -> Probe.Stream {
    try probe(path, ["-select_streams", "v:0", "-count_frames", "-show_streams"]).streams![0]
}

/// Presentation times of every video frame, in seconds.
public func frameTimes(_ path: String) throws -> [Double] {
    try probe(path, ["-select_streams", "v:0", "-show_entries", "frame=pts_time"]).frames!.compactMap { Double($0.ptsTime ?? "") }
}

/// Presentation times of every video packet, in seconds.
public func packetTimes(_ path: String) throws -> [Double] {
    try probe(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time"]).packets!.compactMap { Double($0.ptsTime ?? "") }
}

/// MD5 of every packet of the first audio stream, in order.
public func audioPacketHashes(_ path: String) throws -> [String] {
    try probe(path, ["-select_streams", "a:0", "-show_data_hash", "MD5", "-show_entries", "packet=data_hash"])
        .packets!.map { $0.dataHash ?? "" }
}

/// Bicubic x2 that takes `delay` seconds a frame: a network too slow for its source, or a run
/// slow enough to interrupt midway.
public struct DelayedBicubic: LumaUpscaler {
    public let delay: Double
    public init(delay: Double) { self.delay = delay }
    public var name: String { "delayed-bicubic" }
    public var scale: Int { 2 }
    public func makeWorker() -> any LumaUpscaleWorker { Worker(delay: delay) }

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

/// Collects a job's notes (its `notify` lines) from whichever thread sends them.
public final class NoteCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    public init() {}
    public func add(_ s: String) { lock.withLock { lines.append(s) } }
    public var all: [String] { lock.withLock { lines } }
}
