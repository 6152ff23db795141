import Foundation

/// The speeds `vsr bench kernels` measured on this machine, kept so `vsr models` can show them:
/// model name -> frames per second of the network alone at 640x360 on all cores.
public enum SpeedCache {
    public static var path: String {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
            ?? (NSHomeDirectory() + "/.cache")
        return base + "/vsr/speed.json"
    }

    public struct Entry: Codable, Sendable {
        public let fps: Double
        public let size: String
        public let threads: Int
        public let cpu: String
        public init(fps: Double, size: String, threads: Int, cpu: String) {
            self.fps = fps
            self.size = size
            self.threads = threads
            self.cpu = cpu
        }
    }

    public static func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Entry].self, from: data)) ?? [:]
    }

    /// Merges `entries` into the cache (best effort: a read-only home is not an error).
    public static func save(_ entries: [String: Entry]) {
        var all = load()
        all.merge(entries) { _, new in new }
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(all) { try? data.write(to: url, options: .atomic) }
    }
}
