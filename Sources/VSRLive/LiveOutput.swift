import VSRFrames
import VSRMedia
import VSRPipeline

/// The muxer of a live stream. A network receiver that goes away is retried with capped
/// exponential backoff while encoding goes on (packets meanwhile are discarded); after a
/// reconnect the encoder is asked for a keyframe so the receiver can start decoding. Errors on
/// a plain file output are fatal.
final class LiveOutput {
    let url: String
    let format: String?
    let encoder: Encoder
    let audio: StreamParameters?
    let audioTimeBase: Rational
    private var output: OutputFile?
    private var backoff = Backoff()
    private(set) var needsKeyframe = false
    private let notify: @Sendable (String) -> Void
    private let stats: StreamStats

    init(url: String, format: String?, encoder: Encoder, audio: StreamParameters?, audioTimeBase: Rational,
         stats: StreamStats, notify: @escaping @Sendable (String) -> Void) throws {
        self.url = url
        self.format = format ?? LiveOutput.guessFormat(url)
        self.encoder = encoder
        self.audio = audio
        self.audioTimeBase = audioTimeBase
        self.stats = stats
        self.notify = notify
        try open()
    }

    /// Containers that suit each kind of destination.
    static func guessFormat(_ url: String) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("rtmp://") || lower.hasPrefix("rtmps://") { return "flv" }
        if ["udp://", "tcp://", "srt://", "rtp://"].contains(where: lower.hasPrefix) { return "mpegts" }
        if lower.hasSuffix(".m3u8") { return "hls" }
        return nil
    }

    private func open() throws {
        let out = try OutputFile(url: url, format: format)
        _ = try out.addStream(encoder: encoder)
        if let audio, out.canStore(audio) != false {
            try out.addStream(parameters: audio, timeBase: audioTimeBase)
        }
        var options: [String: String] = [:]
        if out.formatName == "hls" {
            options = ["hls_time": "2", "hls_list_size": "6", "hls_flags": "delete_segments+independent_segments"]
        }
        if out.formatName == "mpegts" { options["flush_packets"] = "1" }
        try out.writeHeader(options: options)
        output = out
        backoff.succeeded()
    }

    /// Writes a packet; a lost network receiver is retried later. Returns whether it was written.
    func write(_ packet: Packet, timeBase: Rational, audio isAudio: Bool) throws -> Bool {
        if output == nil {
            guard backoff.isDue else { return false }
            do {
                try open()
                stats.reconnected()
                needsKeyframe = true
                notify("\(url): receiver back, streaming again")
            } catch {
                backoff.failed()
                return false
            }
        }
        if isAudio {
            guard output!.streamCount > 1 else { return false }
            packet.streamIndex = 1
        } else {
            packet.streamIndex = 0
        }
        do {
            try output!.write(packet, timeBase: timeBase)
            return true
        } catch {
            guard isNetworkURL(url) else { throw error }
            notify("\(url): \(error.message); retrying")
            output = nil  // frees the muxer and its connection
            backoff.failed()
            return false
        }
    }

    func keyframeRequested() { needsKeyframe = false }

    func finish() throws {
        try output?.writeTrailer()
        output = nil
    }
}
