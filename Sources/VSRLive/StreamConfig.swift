import Foundation
import VSRFrames

/// The `--config` file of `vsr stream`:
/// `{"streams": [{"input": URL, "output": URL, "name": TEXT, "format": NAME}, ...]}`.
public struct StreamConfig: Decodable, Sendable {
    public struct Entry: Decodable, Sendable {
        public let input: String
        public let output: String
        public let name: String?
        public let format: String?
    }
    public let streams: [Entry]

    /// More cameras than this share one machine's cores badly; a longer list is a mistake.
    public static let maxStreams = 64
    static let maxTextLength = 4096

    /// The endpoints of a config file's contents; `source` names the file in messages.
    public static func endpoints(from data: Data, source: String, defaultFormat: String?) throws(StreamConfigError) -> [StreamEndpoint] {
        let config: StreamConfig
        do { config = try JSONDecoder().decode(StreamConfig.self, from: data) } catch {
            throw StreamConfigError("\(source) must be JSON like {\"streams\": [{\"input\": URL, \"output\": URL}]} (\(decodingProblem(error, item: "stream")))")
        }
        guard !config.streams.isEmpty else { throw StreamConfigError("\(source) lists no streams") }
        guard config.streams.count <= maxStreams else {
            throw StreamConfigError("\(source) lists \(config.streams.count) streams; at most \(maxStreams) are supported")
        }
        var endpoints: [StreamEndpoint] = []
        for (i, s) in config.streams.enumerated() {
            let texts = [s.input, s.output, s.name ?? "", s.format ?? ""]
            guard !s.input.isEmpty, !s.output.isEmpty, texts.allSatisfy({ $0.utf8.count <= maxTextLength && !$0.contains("\0") }) else {
                throw StreamConfigError("\(source): stream \(i + 1) needs a non-empty \"input\" and \"output\" (text, at most \(maxTextLength) bytes)")
            }
            let e = StreamEndpoint(input: s.input, output: s.output, format: s.format ?? defaultFormat, name: s.name ?? "camera\(i + 1)")
            // The name is a camera's identity: in metrics, the API, and across a reload.
            guard !endpoints.contains(where: { $0.label == e.label }) else {
                throw StreamConfigError("\(source): stream \(i + 1)'s name \"\(e.label)\" is already used; every camera needs its own")
            }
            endpoints.append(e)
        }
        return endpoints
    }

}

public struct StreamConfigError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
