import Foundation
import VSRLive
import VSRKernels
import VSRMedia
import VSRModels
import VSRUpscale

/// Fuzz targets for what vsr parses: `model` (model files), `media` (open, demux, decode the first
/// frames, convert them to the working format, from memory), `config` (`vsr stream --config`) and
/// `manifest` (a segment plan's manifest.json).
/// VSR_FUZZ_TARGET picks one. Built with `-sanitize=fuzzer,address -DFUZZING` (make fuzz),
/// libFuzzer drives `LLVMFuzzerTestOneInput`; built plainly, `vsr-fuzz TARGET FILE...` replays
/// inputs (the regression tests use it).
enum Target: String, CaseIterable {
    case model, media, config, manifest

    static let fromEnvironment: Target = {
        guard let name = ProcessInfo.processInfo.environment["VSR_FUZZ_TARGET"], let t = Target(rawValue: name) else {
            fatalError("set VSR_FUZZ_TARGET to one of \(Target.allCases.map(\.rawValue))")
        }
        configureFFmpegLogging(verbose: false)
        return t
    }()

    /// Every error is fine; a crash, a hang or a leak is the finding.
    func run(_ data: Data) {
        switch self {
        case .model: Self.model(data)
        case .media: Self.media(data)
        case .config: _ = try? StreamConfig.endpoints(from: data, source: "fuzz.json", defaultFormat: nil)
        case .manifest: Self.manifest(data)
        }
    }

    static func model(_ data: Data) {
        guard let m = try? ModelFile(path: "fuzz.safetensors", data: data),
              let net = try? CompiledNetwork(m.network, blocking: .standard, precision: .auto) else { return }
        // A model that loads must also run: a 5x3 plane through the fast executor (the int8 one
        // where the file has int8 data and the CPU VNNI).
        var src = [UInt8](repeating: 128, count: 15)
        var dst = [UInt8](repeating: 0, count: 15 * net.network.scale * net.network.scale)
        src.withUnsafeMutableBytes { s in
            dst.withUnsafeMutableBytes { d in
                let r = net.network.scale
                NetworkUpscaler(net, name: "fuzz").makeWorker().upscale(
                    LumaPlane(base: s.baseAddress!, width: 5, height: 3, rowBytes: 5, bitDepth: 8),
                    into: LumaPlane(base: d.baseAddress!, width: 5 * r, height: 3 * r, rowBytes: 5 * r, bitDepth: 8))
            }
        }
    }

    /// A manifest that loads must give its paths and differences without trapping.
    static func manifest(_ data: Data) {
        guard let m = try? SegmentManifest.decode(data, path: "fuzz.json") else { return }
        _ = (m.totalFrames, m.segmentPath(m.segments.count - 1), m.recordPath(0), m.recipe.firstDifference(from: m.recipe))
    }

    /// Demux and decode up to 4 frames (and at most 64 packets), converting each to 4:2:0.
    static func media(_ data: Data) {
        guard let input = try? InputFile(data: data, name: "fuzz"), let vi = input.bestVideoStream(),
              let decoder = try? Decoder(input: input, stream: vi, threads: 1) else { return }
        let packet = Packet(), frame = Frame()
        let conformer = FrameConformer(layout: WorkLayout(for: decoder, scale: 2, image: false))
        var frames = 0
        for _ in 0..<64 where frames < 4 {
            guard let r = try? input.read(into: packet), r == .packet else { break }
            guard packet.streamIndex == vi, (try? decoder.send(packet)) != nil else { continue }
            while frames < 4, (try? decoder.receive(into: frame)) == .frame {
                frames += 1
                _ = try? YUVPicture.converted(frame)
                _ = try? conformer.conform(frame.moveOut())
            }
        }
    }
}

#if FUZZING
/// libFuzzer's driver, called from our own entry point: SwiftPM names an executable's entry
/// `vsr_fuzz_main` and links `main` to it, so libFuzzer's `main` cannot be the one.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("vsr_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in fuzzOne(bytes, size) }
}

/// The callback libFuzzer's own archive also expects to find (its `main` is linked, unused).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Target.fromEnvironment.run(size == 0 ? Data() : Data(bytes: bytes!, count: size))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = Target(rawValue: name), args.count >= 2 else {
            FileHandle.standardError.write(Data("usage: vsr-fuzz model|media|config|manifest FILE...\n".utf8))
            exit(2)
        }
        configureFFmpegLogging(verbose: false)
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            target.run(data)
            print("ok \(path)")
        }
    }
}
#endif
