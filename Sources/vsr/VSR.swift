import ArgumentParser
import Foundation
import VSRKernels
import VSRKernelsAVX512

@main
struct VSR: ParsableCommand {
    static func main() {
        checkCPU()
        // Checked here, in AVX2 code: the AVX-512 module's own code may not run on other CPUs.
        if CPUInfo.flags.contains("avx512f") { AVX512Kernels.install() }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // One style for every error (usage errors included): "vsr: error: ..." on stderr,
            // and the exit codes of the table in the README.
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)  // --help, --version: printed as ArgumentParser does
            }
            if !(error is ExitCode) {
                let message = fullMessage(for: error).replacingOccurrences(of: "Error: ", with: "")
                Terminal.error(message)
            }
            Foundation.exit(code.rawValue)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "vsr",
        abstract: "Video super-resolution: upscale video files, live streams and images on the CPU.",
        version: "0.1.0",
        subcommands: [Upscale.self, Plan.self, Join.self, StreamCommand.self, Encoders.self, Eval.self, EvalVideo.self, Models.self, Bench.self]
    )

    /// Refuses to start AVX2 kernels on a CPU without AVX2 (they would crash with SIGILL).
    static func checkCPU() {
        if let reason = CPUInfo.unsupportedReason {
            Terminal.error(reason)
            Foundation.exit(1)
        }
    }
}
