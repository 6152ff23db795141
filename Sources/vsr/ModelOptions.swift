import ArgumentParser
import VSRMedia
import VSRKernels
import VSRModels

/// The options every command that upscales shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Upscaling factor: 2, 3 or 4.")
    var scale = 2

    @Option(help: "Model size (fast, balanced, quality), a model name (camera-balanced, ...), a .safetensors path, or bicubic.")
    var model = "balanced"

    @Option(help: "Model family for a size: auto (camera for lossy video such as H.264, paper for lossless input and images), camera or paper.")
    var family: ModelCatalog.Family = .auto

    @Option(help: "Arithmetic: auto (int8 where the CPU has VNNI and the model carries int8 data, else fp32), int8 or fp32.")
    var precision: Precision = .auto

    @Flag(inversion: .prefixedNo,
          help: "Run a camera model's QP-band specialists on H.264 frames, each on the frames compressed as it was trained (the model alone on other codecs).")
    var qpBands = true

    func validate() throws {
        guard [2, 3, 4].contains(scale) else { throw ValidationError("--scale must be 2, 3 or 4 (got \(scale))") }
    }

    /// The model for a media file: probes its video codec (lossy or not) when a family has to be
    /// chosen. An input that cannot be opened gets the paper family silently: the job that opens
    /// it next reports why it cannot.
    func chosenModel(forFile path: String, note: (String) -> Void) -> String {
        guard ModelCatalog.sizeClasses.contains(model), family == .auto else {
            return chosenModel(lossyInput: true, input: path, note: note)
        }
        guard let input = try? InputFile(url: path), let vi = input.bestVideoStream() else { return model }
        let video = input.streamInfo(vi)
        return chosenModel(lossyInput: video.isLossy, input: "the input (\(video.codecName))", note: note)
    }

    /// The model name for an input that is lossy or not; prints the choice in one line.
    func chosenModel(lossyInput: Bool, input: String, note: (String) -> Void) -> String {
        let (name, why) = ModelCatalog.choose(model, family: family, scale: scale, lossyInput: lossyInput, input: input)
        if let why { note(why) }
        return name
    }
}

extension ModelCatalog.Family: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
