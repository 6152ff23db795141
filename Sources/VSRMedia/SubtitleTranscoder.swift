internal import CFFmpeg

/// Converts a text subtitle stream to the text codec a container carries (SRT/ASS into MP4 become
/// mov_text, mov_text into MKV becomes SRT): decode each event, encode it again, same timing.
public final class SubtitleTranscoder: @unchecked Sendable {
    let decoder: UnsafeMutablePointer<AVCodecContext>
    let encoder: UnsafeMutablePointer<AVCodecContext>
    public let timeBase: Rational
    public let encoderName: String
    /// The codec it writes (ass, mov_text, subrip, webvtt).
    public let codecName: String
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    public init(input: InputFile, stream index: Int, codec: String) throws(FFmpegError) {
        let st = input.stream(index)
        timeBase = Rational(st.pointee.time_base)
        guard let dcodec = avcodec_find_decoder(st.pointee.codecpar.pointee.codec_id) else {
            throw FFmpegError(.decoderNotFound, "finding a decoder for subtitle stream #\(index)")
        }
        guard let ecodec = avcodec_find_encoder_by_name(codec) else {
            throw FFmpegError(.encoderNotFound, "finding the subtitle encoder \(codec)")
        }
        encoderName = codec
        codecName = String(cString: avcodec_get_name(ecodec.pointee.id))
        guard let d = avcodec_alloc_context3(dcodec), let e = avcodec_alloc_context3(ecodec) else { fatalError("out of memory") }
        decoder = d
        encoder = e
        try check(avcodec_parameters_to_context(d, st.pointee.codecpar), "configuring the subtitle decoder")
        d.pointee.pkt_timebase = st.pointee.time_base
        try check(avcodec_open2(d, dcodec, nil), "opening the subtitle decoder")
        e.pointee.time_base = st.pointee.time_base
        // Text encoders take the decoder's ASS header (styles).
        if d.pointee.subtitle_header_size > 0, let header = av_mallocz(Int(d.pointee.subtitle_header_size) + 1) {
            header.copyMemory(from: d.pointee.subtitle_header, byteCount: Int(d.pointee.subtitle_header_size))
            e.pointee.subtitle_header = header.assumingMemoryBound(to: UInt8.self)
            e.pointee.subtitle_header_size = d.pointee.subtitle_header_size
        }
        try check(avcodec_open2(e, ecodec, nil), "opening the \(codec) encoder")
    }

    deinit {
        var d: UnsafeMutablePointer<AVCodecContext>? = decoder, e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&d)
        avcodec_free_context(&e)
    }

    public func streamParameters() -> StreamParameters { StreamParameters(encoder: encoder) }

    /// The event of `packet` in the new codec (same pts and duration), or nil when it held none.
    public func transcode(_ packet: Packet) throws(FFmpegError) -> Packet? {
        var sub = AVSubtitle()
        var got: Int32 = 0
        guard avcodec_decode_subtitle2(decoder, &sub, &got, packet.pointer) >= 0, got != 0 else { return nil }
        defer { avsubtitle_free(&sub) }
        let size = avcodec_encode_subtitle(encoder, &buffer, Int32(buffer.count), &sub)
        guard size > 0 else { return nil }
        let out = Packet()
        try check(av_new_packet(out.pointer, size), "allocating a subtitle packet")
        out.pointer.pointee.data.update(from: buffer, count: Int(size))
        out.pointer.pointee.pts = packet.pts
        out.pointer.pointee.dts = packet.pts
        var duration = packet.duration
        if duration <= 0 && sub.end_display_time > 0 {
            duration = av_rescale_q(Int64(sub.end_display_time), AVRational(num: 1, den: 1000), timeBase.av)
        }
        out.pointer.pointee.duration = duration
        return out
    }
}
