import Foundation

/// Everything that makes an upscaled output what it is: the upscaler (model, the files behind it,
/// scale, arithmetic) and the output settings. Built once from the options; a segment plan records
/// it, and every segment worker, a resumed run and the join encode with it and nothing else. Two
/// runs with the same recipe and source give the same segments, so finished ones can be kept.
public struct EncodeRecipe: Sendable, Codable, Equatable {
    public var model: String
    /// Size and modification time of the model file (a retrained file invalidates the segments).
    public var modelFile: FileStamp?
    /// The QP-band specialists run beside it (nil: the model alone).
    public var qpBandFiles: [FileStamp]?
    public var scale: Int
    /// The arithmetic the segments are made with ("int8", "fp32").
    public var precision: String
    public var settings: OutputSettings

    public init(model: String, modelFile: FileStamp?, qpBandFiles: [FileStamp]? = nil, scale: Int, precision: String,
                settings: OutputSettings) {
        self.model = model
        self.modelFile = modelFile
        self.qpBandFiles = qpBandFiles
        self.scale = scale
        self.precision = precision
        self.settings = settings
    }

    /// The first field that differs, as "--crf 18 -> 20", or nil when none does. Compared field by
    /// field through the recipe's JSON form, so a field added later is compared too.
    public func firstDifference(from old: EncodeRecipe) -> String? { differences(from: old).first }

    /// Every field that differs, in the order of `flags`.
    public func differences(from old: EncodeRecipe) -> [String] {
        let new = Self.fields(self), was = Self.fields(old)
        return Set(new.keys).union(was.keys).sorted(by: Self.byFieldOrder).filter { new[$0] != was[$0] }
            .map { Self.describe($0, from: was[$0], to: new[$0]) }
    }

    /// Field paths ("settings.crf") to their JSON text; absent optionals are absent.
    static func fields(_ r: EncodeRecipe) -> [String: String] {
        let data = (try? JSONEncoder.pretty.encode(r)) ?? Data()
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        func flatten(_ value: Any, _ path: String) {
            // A nested settings object is split; every other value (stamps, option maps) is one field.
            if let d = value as? [String: Any], path == "settings" || path == "settings.keep" {
                for (k, v) in d { flatten(v, path + "." + k) }
            } else {
                let text = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                out[path] = text.flatMap { String(data: $0, encoding: .utf8) } ?? "\(value)"
            }
        }
        for (k, v) in object { flatten(v, k) }
        return out
    }

    /// The options a user changes, in the order their differences are worth naming.
    static let flags: [(field: String, flag: String)] = [
        ("model", "--model"), ("modelFile", "the model file"), ("qpBandFiles", "--qp-bands/--no-qp-bands"),
        ("scale", "--scale"), ("precision", "--precision"),
        ("settings.encoder", "--encoder"), ("settings.encoderIsDefault", "--encoder"), ("settings.crf", "--crf"),
        ("settings.preset", "--preset"), ("settings.pixelFormat", "--pix-fmt"), ("settings.encoderOptions", "--encoder-option"),
        ("settings.format", "--format"), ("settings.deinterlace", "--deinterlace"),
        ("settings.keep.audio", "--audio/--no-audio"), ("settings.keep.subtitles", "--no-subtitles"),
        ("settings.keep.dataStreams", "--no-data"),
        ("settings.start", "--start"), ("settings.duration", "--duration"), ("settings.frames", "--frames"),
    ]

    static func flag(_ field: String) -> String? { flags.first { $0.field == field }?.flag }

    private static func byFieldOrder(_ a: String, _ b: String) -> Bool {
        let i = flags.firstIndex { $0.field == a } ?? Int.max, j = flags.firstIndex { $0.field == b } ?? Int.max
        return i != j ? i < j : a < b
    }

    private static func describe(_ field: String, from old: String?, to new: String?) -> String {
        func text(_ v: String?) -> String { v.map { $0.replacingOccurrences(of: "\"", with: "") } ?? "default" }
        switch field {
        case "modelFile": return "the model file changed"
        case "qpBandFiles" where old != nil && new != nil: return "the QP-band models changed"
        case "settings.encoderIsDefault": return "--encoder \(old == "true" ? "vsr's choice -> given" : "given -> vsr's choice")"
        case "precision": return "--precision \(text(old)) -> \(text(new)) (int8 needs VNNI and int8 data in the model)"
        default: return "\(flag(field) ?? field) \(text(old)) -> \(text(new))"
        }
    }
}
