import CFFmpeg
import Foundation
import VSRMedia

/// The muxer of a live stream. A network receiver that goes away is retried with capped
/// exponential backoff while encoding goes on (packets meanwhile are discarded); after a
/// reconnect the encoder is asked for a keyframe so the receiver can start decoding. Errors on
/// a plain file output are fatal.
final class LiveOutput {
    let url: String
    let format: String?
    let encoder: Encoder
    let audio: UnsafeMutablePointer<AVCodecParameters>?
    let audioTimeBase: AVRational
    private var output: OutputFile?
    private var retryAt = Date.distantPast
    private var backoff = 0.5
    private(set) var needsKeyframe = false
    private let notify: @Sendable (String) -> Void
    private let stats: StreamStats
    var isNetwork: Bool { url.contains("://") && !url.hasPrefix("file:") }

    init(url: String, format: String?, encoder: Encoder, audio: UnsafePointer<AVCodecParameters>?, audioTimeBase: AVRational,
         stats: StreamStats, notify: @escaping @Sendable (String) -> Void) throws {
        self.url = url
        self.format = format ?? LiveOutput.guessFormat(url)
        self.encoder = encoder
        if let audio {
            let copy = avcodec_parameters_alloc()!
            avcodec_parameters_copy(copy, audio)
            self.audio = copy
        } else {
            self.audio = nil
        }
        self.audioTimeBase = audioTimeBase
        self.stats = stats
        self.notify = notify
        try open()
    }

    deinit {
        var a = audio
        if a != nil { avcodec_parameters_free(&a) }
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
        if let audio, out.canStore(audio.pointee.codec_id) != false {
            try out.addStream(parameters: audio, timeBase: audioTimeBase)
        }
        var options: [String: String] = [:]
        if out.formatName == "hls" {
            options = ["hls_time": "2", "hls_list_size": "6", "hls_flags": "delete_segments+independent_segments"]
        }
        if out.formatName == "mpegts" { options["flush_packets"] = "1" }
        try out.writeHeader(options: options)
        output = out
        backoff = 0.5
    }

    /// Writes a packet; a lost network receiver is retried later. Returns whether it was written.
    func write(_ packet: Packet, timeBase: AVRational, audio isAudio: Bool) throws -> Bool {
        if output == nil {
            guard Date() >= retryAt else { return false }
            do {
                try open()
                stats.reconnected()
                needsKeyframe = true
                notify("\(url): receiver back, streaming again")
            } catch {
                scheduleRetry()
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
            guard isNetwork else { throw error }
            notify("\(url): \(error.message); retrying")
            output = nil  // frees the muxer and its connection
            scheduleRetry()
            return false
        }
    }

    func keyframeRequested() { needsKeyframe = false }

    private func scheduleRetry() {
        retryAt = Date(timeIntervalSinceNow: backoff)
        backoff = min(backoff * 2, 8)
    }

    func finish() throws {
        try output?.writeTrailer()
        output = nil
    }
}
