import ArgumentParser

@main
struct VSR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vsr",
        abstract: "Video super-resolution: upscale video files, live streams and images on the CPU.",
        version: "0.1.0",
        subcommands: [Upscale.self]
    )
}
