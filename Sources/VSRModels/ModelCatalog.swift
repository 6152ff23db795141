import Foundation
import VSRKernels

/// Finds models: `bicubic`, a bundled name (fast, balanced, quality) for a scale, or a path.
///
/// Bundled weights are looked up in $VSR_WEIGHTS, then `weights/` beside the executable and up
/// to three folders above it (a SwiftPM build in .build/<config>/), then
/// /usr/local/share/vsr/weights, then ./weights: vsr works from any working directory.
public enum ModelCatalog {
    /// The paper family (clean bicubic LR, `vsr eval`) and the camera family (compressed video).
    public static let bundledNames = ["fast", "balanced", "quality", "camera-fast", "camera-balanced", "camera-quality"]
        + ["camera-fast", "camera-balanced", "camera-quality"].flatMap { m in qpBandSuffixes.map { "\(m)-\($0)" } }

    /// The QP-band specialists a camera model may have (camera-balanced-highqp-x2, ...): each
    /// file's `qp_band` says which streams it runs for.
    public static let qpBandSuffixes = ["lowqp", "midqp", "highqp"]

    /// The installed QP-band specialists of bundled model `name` at `scale` (files whose
    /// `qp_band.of` names it), lowest band first; empty for paths and models without any.
    public static func qpBands(of name: String, scale: Int) throws -> [ModelFile] {
        guard bundledNames.contains(name) else { return [] }
        return try qpBandSuffixes.compactMap { bundledPath("\(name)-\($0)", scale: scale) }
            .map { try ModelFile(path: $0) }
            .filter { $0.metadata.qpBand?.of == name && $0.network.scale == scale }
            .sorted { $0.metadata.qpBand!.qp.lowerBound < $1.metadata.qpBand!.qp.lowerBound }
    }

    public static func weightsFolders() -> [String] {
        var folders: [String] = []
        if let env = ProcessInfo.processInfo.environment["VSR_WEIGHTS"] { folders.append(env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            folders.append(dir.appendingPathComponent("weights").path)
            dir.deleteLastPathComponent()
        }
        folders += ["/usr/local/share/vsr/weights", FileManager.default.currentDirectoryPath + "/weights"]
        return folders
    }

    /// The file of bundled model `name` at `scale`, if installed.
    public static func bundledPath(_ name: String, scale: Int) -> String? {
        for folder in weightsFolders() {
            let p = "\(folder)/\(name)-x\(scale).safetensors"
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        return nil
    }

    /// Every bundled model file found (first folder that has each name wins).
    public static func bundledModels() -> [String] {
        var found: [String: String] = [:]
        for folder in weightsFolders().reversed() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for f in files where f.hasSuffix(".safetensors") { found[f] = "\(folder)/\(f)" }
        }
        return found.keys.sorted().map { found[$0]! }
    }

    /// The two trained families: `paper` learned clean MATLAB-bicubic LR (the published
    /// convention, `vsr eval`); `camera` learned compressed video (H.264/H.265 at CRF 18-38).
    public enum Family: String, CaseIterable, Sendable { case auto, camera, paper }

    public static let sizeClasses = ["fast", "balanced", "quality"]

    /// The model to run for `--model NAME --family F`. A size class (fast, balanced, quality)
    /// becomes a family's model: with `.auto`, the camera family for lossy input and the paper
    /// family for lossless input or images; a camera model that is not installed falls back to
    /// the paper one. Any other name or path is taken as it is. `why` is the one line that says
    /// what was chosen, when something was chosen.
    public static func choose(_ model: String, family: Family, scale: Int, lossyInput: Bool, input: String,
                              installed: (String, Int) -> Bool = { bundledPath($0, scale: $1) != nil }) -> (name: String, why: String?) {
        guard sizeClasses.contains(model), family != .paper else { return (model, nil) }
        let camera = "camera-\(model)"
        let reason = family == .camera ? "--family camera" : lossyInput
            ? "\(input) is lossy: the camera family is trained on compressed video"
            : "\(input) is lossless: the paper family is sharper on clean input"
        if family == .auto && !lossyInput { return (model, "model \(model)-x\(scale) (\(reason))") }
        guard installed(camera, scale) else {
            return (model, "model \(model)-x\(scale): \(camera)-x\(scale) is not installed (\(reason))")
        }
        return (camera, "model \(camera)-x\(scale) (\(reason); --family paper for the other)")
    }

    public enum Resolution {
        case bicubic
        case file(ModelFile)
    }

    public static func resolve(_ name: String, scale: Int) throws -> Resolution {
        if name == "bicubic" { return .bicubic }
        let isPath = name.contains("/") || name.hasSuffix(".safetensors")
        guard isPath || bundledNames.contains(name) else {
            throw ModelCatalogError.unknown(name)
        }
        guard let path = isPath ? name : bundledPath(name, scale: scale) else {
            throw ModelCatalogError.notInstalled(name, scale: scale, searched: weightsFolders())
        }
        let model = try ModelFile(path: path)
        guard model.network.scale == scale else { throw ModelCatalogError.wrongScale(path, model.network.scale, scale) }
        return .file(model)
    }

    /// The luma upscaler for `--model NAME --scale N [--precision P]`. A bundled model with
    /// QP-band specialists installed runs them by the stream's QP level (`byQP`, QPBandedUpscaler); they share
    /// the general model's tuned blockings, so they cost no extra start-up.
    public static func upscaler(named name: String, scale: Int, bandsPerFrame: Int = 1, precision: Precision = .auto,
                                byQP: Bool = true, blocking: CompiledNetwork.Blocking = .measured) throws -> any LumaUpscaler {
        switch try resolve(name, scale: scale) {
        case .bicubic:
            return BicubicUpscaler(scale: scale)
        case .file(let model):
            let general = try networkUpscaler(model, blocking: blocking, bandsPerFrame: bandsPerFrame, precision: precision)
            let specialists = byQP ? try qpBands(of: name, scale: scale) : []
            guard !specialists.isEmpty else { return general }
            let tuned = CompiledNetwork.Blocking.explicit(general.compiled.blockings, int8: general.compiled.int8Blockings)
            return QPBandedUpscaler(general: general, bands: try specialists.map { m in
                let shapes = { (n: Network) in n.layers.map { [$0.kernel, $0.inChannels, $0.outChannels] } }
                let sameShapes = shapes(m.network) == shapes(model.network)
                let u = try networkUpscaler(m, blocking: sameShapes ? tuned : blocking, bandsPerFrame: bandsPerFrame,
                                            precision: precision)
                return .init(qp: m.metadata.qpBand!.qp, upscaler: u)
            })
        }
    }

    private static func networkUpscaler(_ model: ModelFile, blocking: CompiledNetwork.Blocking, bandsPerFrame: Int,
                                        precision: Precision) throws -> NetworkUpscaler {
        do {
            let compiled = try CompiledNetwork(model.network, blocking: blocking, precision: precision)
            return NetworkUpscaler(compiled, name: model.metadata.name, bandsPerFrame: bandsPerFrame)
        } catch {
            throw ModelCatalogError.precision("\(model.metadata.name): \(error.description)")
        }
    }
}

public enum ModelCatalogError: Error, CustomStringConvertible {
    case unknown(String)
    case notInstalled(String, scale: Int, searched: [String])
    case wrongScale(String, Int, Int)
    case precision(String)

    public var description: String {
        switch self {
        case .unknown(let n):
            "unknown model '\(n)': use fast, balanced, quality, bicubic or a .safetensors path (vsr models lists them)"
        case .notInstalled(let n, let s, let folders):
            "the model '\(n)' for x\(s) is not installed (looked in \(folders.joined(separator: ", "))); use --model bicubic or a .safetensors path"
        case .wrongScale(let p, let has, let want):
            "\(p) is a x\(has) model, but --scale \(want) was asked for"
        case .precision(let why):
            why
        }
    }
}
