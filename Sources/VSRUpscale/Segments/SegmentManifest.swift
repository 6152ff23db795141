import Foundation
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

/// What makes the output what it is: two runs with the same options and the same source give the
/// same segments, so finished ones can be kept.
public struct OutputOptions: Sendable, Codable, Equatable {
    public var model: String
    /// Size and modification time of the model file (a retrained file invalidates the segments).
    public var modelFile: FileStamp?
    /// The QP-band specialists run beside it (nil: the model alone, as in manifests before them).
    public var qpBandFiles: [FileStamp]?
    public var scale: Int
    /// The arithmetic the segments were made with ("int8", "fp32"; nil in manifests before int8: fp32).
    public var precision: String?
    public var encoder: String
    /// The encoder was vsr's choice (libx265 for HDR input, else libx264).
    public var encoderIsDefault: Bool
    public var crf: Int?
    public var preset: String?
    public var format: String?
    /// Audio, subtitles, data: kept, converted or left out.
    public var keep: KeepOptions

    public init(model: String, modelFile: FileStamp?, scale: Int, precision: String, options o: UpscaleOptions) {
        self.model = model
        self.modelFile = modelFile
        self.scale = scale
        self.precision = precision
        encoder = o.encoder
        encoderIsDefault = o.encoderIsDefault
        crf = o.crf
        preset = o.preset
        format = o.format
        keep = o.keep
    }

    /// The first option that differs, as "--crf 18 -> 20", or nil when none does.
    public func firstDifference(from old: OutputOptions) -> String? {
        func text<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "default" }
        if model != old.model { return "--model \(old.model) -> \(model)" }
        if modelFile != old.modelFile { return "the model file \(model) changed" }
        if qpBandFiles != old.qpBandFiles {
            return qpBandFiles == nil || old.qpBandFiles == nil ? "--qp-bands/--no-qp-bands" : "the QP-band models of \(model) changed"
        }
        if scale != old.scale { return "--scale \(old.scale) -> \(scale)" }
        if (precision ?? "fp32") != (old.precision ?? "fp32") {
            return "--precision \(old.precision ?? "fp32") -> \(precision ?? "fp32") (int8 needs VNNI and int8 data in the model)"
        }
        if encoder != old.encoder { return "--encoder \(old.encoder) -> \(encoder)" }
        if crf != old.crf { return "--crf \(text(old.crf)) -> \(text(crf))" }
        if preset != old.preset { return "--preset \(text(old.preset)) -> \(text(preset))" }
        if format != old.format { return "--format \(text(old.format)) -> \(text(format))" }
        if keep != old.keep { return "--audio/--no-audio/--no-subtitles/--no-data" }
        return nil
    }
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
/// workers on several machines never write the same file.
public struct SegmentManifest: Sendable, Codable {
    public var version = 1
    public let input: String
    public let source: FileStamp
    public let output: String
    public let options: OutputOptions
    /// The video stream's time base: segment boundaries are in it.
    public let timeBase: Rational
    public let segments: [SegmentWindow]

    public static let fileName = "manifest.json"

    public var totalFrames: Int { segments.reduce(0) { $0 + $1.frames } }

    /// The work folder of an output: `OUTPUT.vsr-work`, beside it.
    public static func workFolder(for output: String) -> String { output + ".vsr-work" }
    public var workFolder: String { Self.workFolder(for: output) }
    public var path: String { workFolder + "/" + Self.fileName }

    public func segmentPath(_ index: Int) -> String { workFolder + String(format: "/segment-%05d.nut", index) }
    public func recordPath(_ index: Int) -> String { workFolder + String(format: "/segment-%05d.json", index) }

    public static func load(_ path: String) throws -> SegmentManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(SegmentManifest.self, from: data)
    }

    /// Writes the manifest under a temporary name and renames it: never half written.
    public func save() throws {
        try FileManager.default.createDirectory(atPath: workFolder, withIntermediateDirectories: true)
        try writeAtomically(try JSONEncoder.pretty.encode(self), to: path)
    }
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
