import Foundation
import VSRFrames
import VSRMedia

/// The part of the timeline one segment covers: frames with startPTS <= pts < endPTS (nil: to
/// the end), decoded from the keyframe at startPTS (reached by seeking to `seekTimestamp`).
public struct SegmentWindow: Sendable, Codable, Equatable {
    public let index: Int
    public let startPTS: Int64
    /// What the demuxer seeks to: the keyframe packet's dts (demuxers index by dts).
    public let seekTimestamp: Int64
    public let endPTS: Int64?
    /// Frames in the segment, counted when planning.
    public let frames: Int
    /// Whether the encoder must write codec headers out of band (the final container needs it).
    public let globalHeader: Bool
}

/// A file's size and modification time: what tells that a source is still the one planned.
public struct FileStamp: Sendable, Codable, Equatable {
    public let size: UInt64
    public let modified: Double

    public init?(path: String) {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (a[.size] as? NSNumber)?.uint64Value, let date = a[.modificationDate] as? Date else { return nil }
        self.size = size
        modified = (date.timeIntervalSince1970 * 1000).rounded() / 1000
    }
}

/// The plan of a segmented upscale, written once as `manifest.json` in the work folder beside the
/// output (`OUTPUT.vsr-work/`). Each finished segment gets its own record file next to it, so
/// workers on several machines never write the same file. Paths are absolute: a worker may run
/// from any folder.
public struct SegmentManifest: Sendable, Codable {
    /// 2: the whole recipe (1 had the model and encoder but lost the pixel format, encoder options
    /// and deinterlacing; such a plan is made again).
    public var version = Self.currentVersion
    public let input: String
    public let source: FileStamp
    public let output: String
    /// What every segment and the join are made with.
    public let recipe: EncodeRecipe
    /// The video stream's time base: segment boundaries are in it.
    public let timeBase: Rational
    public let segments: [SegmentWindow]
    /// The join may replace an existing OUTPUT (`vsr plan --overwrite`).
    public var overwrite = false

    public static let fileName = "manifest.json"
    public static let currentVersion = 2

    public var totalFrames: Int { segments.reduce(0) { $0 + $1.frames } }

    /// The work folder of an output: `OUTPUT.vsr-work`, beside it.
    public static func workFolder(for output: String) -> String { output + ".vsr-work" }
    public var workFolder: String { Self.workFolder(for: output) }
    public var path: String { workFolder + "/" + Self.fileName }

    public func segmentPath(_ index: Int) -> String { workFolder + String(format: "/segment-%05d.nut", index) }
    public func recordPath(_ index: Int) -> String { workFolder + String(format: "/segment-%05d.json", index) }

    /// The manifest at `path`, or one clear line saying why there is none: missing, not a
    /// manifest, damaged, or written by another version of vsr.
    public static func load(_ path: String) throws -> SegmentManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VSRError.unsupported("no manifest at \(path) (vsr plan INPUT OUTPUT writes OUTPUT.vsr-work/manifest.json)")
        }
        return try decode(data, path: path)
    }

    /// A manifest from its bytes (`path` names it in errors); the fuzz target `manifest` calls this.
    public static func decode(_ data: Data, path: String) throws -> SegmentManifest {
        struct Version: Decodable { let version: Int? }
        guard let v = try? JSONDecoder().decode(Version.self, from: data) else {
            throw VSRError.unsupported("\(path) is not a vsr manifest (not a complete JSON object)")
        }
        guard v.version == currentVersion else {
            throw VSRError.unsupported("\(path) was written by another version of vsr (manifest version \(v.version.map(String.init) ?? "none"), "
                                       + "this one reads \(currentVersion)); run vsr plan again")
        }
        do {
            let m = try JSONDecoder().decode(SegmentManifest.self, from: data)
            try m.validate(path)
            return m
        } catch let e as VSRError {
            throw e
        } catch {
            throw VSRError.unsupported("\(path) is damaged (\(decodingProblem(error, item: "segment"))); run vsr plan again")
        }
    }

    /// What a hand-edited or hostile manifest must not get past: the checks the work relies on.
    private func validate(_ path: String) throws {
        func bad(_ why: String) -> VSRError { .unsupported("\(path) is damaged (\(why)); run vsr plan again") }
        guard !segments.isEmpty else { throw bad("no segments") }
        for (i, s) in segments.enumerated() {
            guard s.index == i else { throw bad("segment \(i) is out of order") }
            // Bounded, so the frame total cannot overflow (2^40 frames: 1,400 years at 25 fps).
            guard (0...(1 << 40)).contains(s.frames) else { throw bad("segment \(i) has \(s.frames) frames") }
            if let end = s.endPTS, end < s.startPTS { throw bad("segment \(i) ends before it starts") }
        }
        guard timeBase.num > 0, timeBase.den > 0 else { throw bad("time base \(timeBase.num)/\(timeBase.den)") }
        guard [2, 3, 4].contains(recipe.scale) else { throw bad("scale \(recipe.scale)") }
        guard input.hasPrefix("/"), output.hasPrefix("/") else { throw bad("input and output must be absolute paths") }
    }

    /// Writes the manifest under a temporary name and renames it: never half written.
    public func save() throws {
        try FileManager.default.createDirectory(atPath: workFolder, withIntermediateDirectories: true)
        try writeAtomically(try JSONEncoder.pretty.encode(self), to: path)
    }
}

/// An absolute, normalised path ("./a/../b.mp4" from /work -> /work/b.mp4); URLs and pipes unchanged.
public func absolutePath(_ path: String) -> String {
    if path.contains("://") || path == "-" || path.hasPrefix("pipe:") { return path }
    return URL(fileURLWithPath: path).standardizedFileURL.path
}

/// What a finished segment was: checked again before a resume keeps it.
public struct SegmentRecord: Sendable, Codable, Equatable {
    public let index: Int
    public let frames: Int
    public let bytes: UInt64
    /// FNV-1a 64 of the segment file, hex.
    public let checksum: String
    /// Each video packet's timestamps and duration as the encoder made them, in `timeBase`, in file order. The
    /// segment container (NUT: any codec, any time base) cannot store negative timestamps, so it
    /// shifts them, and it stores no decode times (it guesses them, wrongly for B-frames); the
    /// join needs the encoder's own, to be bit-identical with a single pass.
    public let pts: [Int64]
    public let dts: [Int64]
    public let durations: [Int64]
    public let timeBase: Rational
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

func writeAtomically(_ data: Data, to path: String) throws {
    let temp = path + ".tmp"
    try data.write(to: URL(fileURLWithPath: temp))
    guard rename(temp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// FNV-1a 64 over a file's bytes, read in 1 MiB pieces: catches a damaged or truncated segment.
func fileChecksum(_ path: String) throws -> (checksum: String, bytes: UInt64) {
    guard let h = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
    defer { try? h.close() }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var bytes: UInt64 = 0
    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
        chunk.withUnsafeBytes { raw in
            for b in raw { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        bytes += UInt64(chunk.count)
    }
    return (String(format: "%016llx", hash), bytes)
}
