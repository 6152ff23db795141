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
            // The packets read while probing are kept (no "nobuffer"): probing ends at the first
            // keyframe, which a long-GOP camera sends once in 8 s or more; dropping it meant
            // waiting for the next one.
            let us = String(Int(settings.timeoutSeconds * 1_000_000))
            // Joining mid-stream, the picture size is known only at the next keyframe: probing
            // goes on while packets arrive, up to the keyframe wait; no data at all for the
            // timeout is an error at once (rw_timeout).
            let wait = max(settings.keyframeWaitSeconds, settings.timeoutSeconds)
            options["analyzeduration"] = String(Int(wait * 1_000_000))
            options["probesize"] = String(Int(wait * 4_000_000))  // 32 Mbit/s for the whole wait
            options["rw_timeout"] = us   // every read and write
            options["timeout"] = us      // tcp/udp/srt/rtsp/http connect and I/O
            if url.lowercased().hasPrefix("rtsp") { options["rtsp_transport"] = settings.rtspTransport ?? "tcp" }
            if url.lowercased().hasPrefix("udp") { options["overrun_nonfatal"] = "1"; options["fifo_size"] = "50000" }
        }
        guard network else { return try openInput(url, options: options, interrupt: interrupt) }
        let input: InputFile
        do { input = try InputFile(url: url, options: options, interrupt: interrupt) } catch {
            // "gave up after" only where it waited: a refused connection is refused at once.
            let why = url.lowercased().hasPrefix("udp") && error.code == .ioError
                ? "nothing received within \(Int(settings.timeoutSeconds)) s"
                : error.code == .timedOut ? "\(error.message) (no answer within \(Int(settings.timeoutSeconds)) s)" : error.message
            throw VSRError.unsupported("cannot open \(redactedURL(url)): \(why); check the address and that the source is running")
        }
        if let v = input.bestVideoStream(), input.streamInfo(v).width == 0 {
            throw VSRError.unsupported("\(redactedURL(url)) sent packets but no keyframe within \(Int(max(settings.keyframeWaitSeconds, settings.timeoutSeconds))) s, so its picture size is unknown; raise --keyframe-wait or shorten the camera's keyframe interval")
        }
        return input
    }
}
