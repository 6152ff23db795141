import ArgumentParser
import Foundation
import VSRBench
import VSRFrames
import VSRKernels
import VSRModels

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled models with their size and measured quality.",
        discussion: "PSNR/SSIM are Y-channel figures measured by `vsr eval` on Set5 and Set14 at export time.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let files = ModelCatalog.bundledModels()
        var models: [ModelFile] = []
        var unreadable: [String] = []
        for path in files {
            do { models.append(try ModelFile(path: path)) } catch { unreadable.append("\(error)") }
        }
        // Smallest family first, then by scale: the order people choose in.
        func rank(_ m: ModelFile) -> (Int, Int) {
            let family = m.metadata.name.hasSuffix("-x\(m.network.scale)") ? String(m.metadata.name.dropLast(3)) : m.metadata.name
            return (ModelCatalog.bundledNames.firstIndex(of: family) ?? ModelCatalog.bundledNames.count, m.network.scale)
        }
        models.sort { rank($0) < rank($1) || (rank($0) == rank($1) && $0.metadata.name < $1.metadata.name) }
        if json {
            try printJSON(models)
        } else {
            printTable(models)
        }
        for problem in unreadable { FileHandle.standardError.write(Data("vsr: skipped \(problem)\n".utf8)) }
    }

    private func printTable(_ models: [ModelFile]) {
        if models.isEmpty {
            print("no bundled models found (looked in \(ModelCatalog.weightsFolders().joined(separator: ", ")))")
            return
        }
        func quality(_ m: ModelFile, _ set: String) -> String {
            guard let v = m.metadata.quality[set] else { return "-" }
            return String(format: "%.2f / %.4f", v.psnr, v.ssim)
        }
        func video(_ m: ModelFile) -> String {
            if let band = m.metadata.qpBand {
                return String(format: "runs for stream QP %g-%g", band.qp.lowerBound, band.qp.upperBound)
            }
            let g = m.metadata.videoGain
            guard !g.isEmpty else { return "-" }
            return g.keys.sorted().map { String(format: "%+.2f", g[$0]!) }.joined(separator: " / ")
        }
        let speeds = SpeedCache.load()
        func speed(_ m: ModelFile) -> String { speeds[m.metadata.name].map { String(format: "%.1f", $0.fps) } ?? "-" }
        func int8(_ m: ModelFile) -> String {
            guard m.network.int8 != nil else { return "-" }
            return m.metadata.int8HeldOutLoss.map { String(format: "%+.3f", -$0) } ?? "yes"
        }
        let header = ["model", "scale", "params", "MAC/px", "fps 640x360", "Set5 PSNR / SSIM", "Set14 PSNR / SSIM",
                      "x264 CRF 23 / 28 / 33 vs lanczos", "int8"]
        let rows = models.map { m in
            [m.metadata.name, "x\(m.network.scale)", "\(m.network.parameterCount)", "\(m.network.macsPerPixel)", speed(m),
             quality(m, "Set5"), quality(m, "Set14"), video(m), int8(m)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        for row in [header] + rows {
            // Names left-aligned, numbers right-aligned.
            let cells = row.indices.map { c in
                let fill = String(repeating: " ", count: widths[c] - row[c].count)
                return c == 0 ? row[c] + fill : fill + row[c]
            }
            print(cells.joined(separator: "  "))
        }
        if speeds.isEmpty {
            print("fps: the network alone on this machine, measured by `vsr bench kernels` (not run yet)")
        } else if let cpu = speeds.values.first?.cpu {
            print("fps: the network alone at 640x360 on all cores of this machine (\(cpu)), from `vsr bench kernels`")
        }
        if let clip = models.compactMap(\.metadata.videoClip).first {
            print("Set5/Set14: clean bicubic LR (vsr eval). CRF columns: Y-PSNR gain over lanczos in dB on \(clip) "
                  + "downscaled, x264 medium at that CRF (vsr eval-video; training/video_quality.py records them).")
        }
        if models.contains(where: { $0.network.int8 != nil }) {
            print("int8: the model carries an int8 form (run where the CPU has VNNI; --precision); the figure is its PSNR "
                  + "change against fp32 on held-out training patches (training/quantize.py)"
                  + (Int8ISA.best == nil ? ". This CPU has no VNNI: fp32 runs." : "."))
        }
        if models.contains(where: { $0.metadata.qpBand != nil }) {
            print("...qp-xN: QP-band specialists; on H.264 input their camera model runs them where the stream's mean QP "
                  + "is in their range (--qp-bands, README).")
        }
        // Specialists are optional extras of their camera model: not worth a "missing" line.
        let missing = ModelCatalog.bundledNames.filter { n in !ModelCatalog.qpBandSuffixes.contains { n.hasSuffix("-\($0)") } }
            .flatMap { n in [2, 3, 4].map { (n, $0) } }
            .filter { n, s in !models.contains { $0.metadata.name == "\(n)-x\(s)" } }
        if !missing.isEmpty {
            print("not installed: " + missing.map { "\($0.0)-x\($0.1)" }.joined(separator: ", ")
                  + " (--model bicubic or a .safetensors path work for any scale)")
        }
    }

    private func printJSON(_ models: [ModelFile]) throws {
        let list = models.map { m in
            ModelEntry(name: m.metadata.name, scale: m.network.scale, description: m.metadata.description,
                       parameters: m.network.parameterCount, macsPerPixel: m.network.macsPerPixel, path: m.path,
                       quality: m.metadata.quality.mapValues { ModelEntry.Quality(psnr: $0.psnr, ssim: $0.ssim) },
                       video: m.metadata.videoClip.map { clip in
                           ModelEntry.Video(clip: clip, gainOverLanczos: Dictionary(uniqueKeysWithValues: m.metadata.videoGain.map { (String($0.key), $0.value) }))
                       },
                       int8: m.network.int8 != nil, int8HeldOutChangeDb: m.metadata.int8HeldOutLoss.map { -$0 },
                       qpBand: m.metadata.qpBand.map { .init(of: $0.of, min: $0.qp.lowerBound, max: $0.qp.upperBound) })
        }
        print(JSONLine.encode(["models": list], pretty: true))
    }

    /// One model in `vsr models --json`.
    struct ModelEntry: Encodable {
        struct Quality: Encodable { let psnr: Double, ssim: Double }
        struct Video: Encodable {
            let clip: String
            /// Y-PSNR gain over lanczos (dB) by x264 CRF.
            let gainOverLanczos: [String: Double]
        }
        let name: String
        let scale: Int
        let description: String
        let parameters: Int
        let macsPerPixel: Int
        let path: String
        /// By dataset (Set5, Set14): Y-PSNR and SSIM on the clean bicubic convention.
        let quality: [String: Quality]
        let video: Video?
        /// Whether the file carries an int8 form, and its PSNR change against fp32 on held-out patches.
        let int8: Bool
        let int8HeldOutChangeDb: Double?
        /// A QP-band specialist: the camera model it belongs to and the stream QPs it runs for.
        struct QPBand: Encodable { let of: String, min: Double, max: Double }
        let qpBand: QPBand?
    }
}
