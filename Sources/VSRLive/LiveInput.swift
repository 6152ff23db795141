import Foundation
import VSRFrames
import VSRMedia

/// Opening live inputs with low-latency settings and timeouts on every network operation.
enum LiveInput {
    /// Opens `url`; raising `interrupt` abandons the open and every later read.
    static func open(_ url: String, settings: StreamSettings, interrupt: InterruptFlag) throws -> InputFile {
        var options: [String: String] = [
            "probesize": "1000000", "analyzeduration": "1500000",
        ]
        let network = isNetworkURL(url)
        if network {
            // Don't hold packets back for probing (the stream starts at its next keyframe).
            options["fflags"] = "nobuffer"
            let us = String(Int(settings.timeoutSeconds * 1_000_000))
            // Joining mid-stream, the picture size is known only at the next keyframe.
            options["analyzeduration"] = us
            options["probesize"] = "5000000"
            options["rw_timeout"] = us   // every read and write
            options["timeout"] = us      // tcp/udp/srt/rtsp/http connect and I/O
            if url.lowercased().hasPrefix("rtsp") { options["rtsp_transport"] = settings.rtspTransport ?? "tcp" }
            if url.lowercased().hasPrefix("udp") { options["overrun_nonfatal"] = "1"; options["fifo_size"] = "50000" }
        }
        guard network else { return try openInput(url, options: options, interrupt: interrupt) }
        let input: InputFile
        do { input = try InputFile(url: url, options: options, interrupt: interrupt) } catch {
            throw VSRError.unsupported("cannot open \(url): \(error.message) (gave up after \(Int(settings.timeoutSeconds)) s); check the address and that the source is running")
        }
        if let v = input.bestVideoStream(), input.streamInfo(v).width == 0 {
            throw VSRError.unsupported("\(url) sent no keyframe within \(Int(settings.timeoutSeconds)) s, so its picture size is unknown; raise --timeout or shorten the camera's keyframe interval")
        }
        return input
    }
}
