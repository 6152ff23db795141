import ArgumentParser

/// The options every command that upscales shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Upscaling factor: 2, 3 or 4.")
    var scale = 2

    @Option(help: "Model name (fast, balanced, quality), a .safetensors path, or bicubic.")
    var model = "balanced"

    func validate() throws {
        guard [2, 3, 4].contains(scale) else { throw ValidationError("--scale must be 2, 3 or 4 (got \(scale))") }
    }
}
