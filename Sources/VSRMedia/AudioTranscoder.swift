internal import CFFmpeg

/// Re-encodes one audio stream for a container that cannot carry it as it is (PCM into MP4,
/// Opus into MOV, ...): decode, convert sample format / layout / rate with libswresample, regroup
/// into the encoder's frame size, encode. Packets in, packets out, on the caller's thread.
public final class AudioTranscoder: @unchecked Sendable {
    let decoder: UnsafeMutablePointer<AVCodecContext>
    let encoder: UnsafeMutablePointer<AVCodecContext>
    private var resampler: OpaquePointer?
    private let fifo: OpaquePointer
    private let decoded: UnsafeMutablePointer<AVFrame>
    private let chunk: UnsafeMutablePointer<AVFrame>
    private let encodedPacket = Packet()
    /// Samples handed to the encoder so far: the next frame's pts, in 1/sample_rate.
    private var samplesOut: Int64 = 0
    /// The first input timestamp, in 1/sample_rate: the output starts where the input did.
    private var startPTS: Int64?
    public let inputTimeBase: Rational
    public let encoderName: String

    /// The encoder vsr uses for an audio codec a container asks for.
    static func encoderName(for codec: String) -> String {
        switch codec {
        case "aac": "aac"
        case "opus": "libopus"
        case "vorbis": "libvorbis"
        case "mp3": "libmp3lame"
        case "flac": "flac"
        default: codec
        }
    }

    /// `codec`: an encoder or codec name (aac, opus, flac, ...).
    public init(input: InputFile, stream index: Int, codec: String, globalHeader: Bool) throws(FFmpegError) {
        let st = input.stream(index)
        let par = st.pointee.codecpar!
        inputTimeBase = Rational(st.pointee.time_base)
        guard let dcodec = avcodec_find_decoder(par.pointee.codec_id) else {
            throw FFmpegError(.decoderNotFound, "finding a decoder for audio stream #\(index)")
        }
        let name = Self.encoderName(for: codec)
        guard let ecodec = avcodec_find_encoder_by_name(name) ?? avcodec_find_encoder_by_name(codec) else {
            throw FFmpegError(.encoderNotFound, "finding the audio encoder \(codec)")
        }
        encoderName = String(cString: ecodec.pointee.name)
        guard let d = avcodec_alloc_context3(dcodec), let e = avcodec_alloc_context3(ecodec),
              let f = av_frame_alloc(), let c = av_frame_alloc() else { fatalError("out of memory") }
        decoder = d
        encoder = e
        decoded = f
        chunk = c
        try check(avcodec_parameters_to_context(d, par), "configuring the audio decoder")
        d.pointee.pkt_timebase = st.pointee.time_base
        try check(avcodec_open2(d, dcodec, nil), "opening the audio decoder")

        // The encoder: the input's rate and layout where it takes them, else its nearest.
        e.pointee.sample_rate = Self.supportedRate(ecodec, wanted: d.pointee.sample_rate)
        var layout = d.pointee.ch_layout
        if layout.nb_channels == 0 { av_channel_layout_default(&layout, 2) }
        if layout.order == AV_CHANNEL_ORDER_UNSPEC { av_channel_layout_default(&layout, layout.nb_channels) }
        if layout.nb_channels > 2 && encoderName == "libopus" { av_channel_layout_default(&layout, 2) }
        try check(av_channel_layout_copy(&e.pointee.ch_layout, &layout), "setting the channel layout")
        e.pointee.sample_fmt = ecodec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_FLTP
        e.pointee.time_base = AVRational(num: 1, den: e.pointee.sample_rate)
        if encoderName == "aac" || encoderName == "libopus" { e.pointee.bit_rate = 64_000 * Int64(min(layout.nb_channels, 6)) }
        if globalHeader { e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try check(avcodec_open2(e, ecodec, nil), "opening the \(encoderName) encoder")
        guard let q = av_audio_fifo_alloc(e.pointee.sample_fmt, e.pointee.ch_layout.nb_channels, 4096) else {
            fatalError("av_audio_fifo_alloc: out of memory")
        }
        fifo = q
    }

    deinit {
        var d: UnsafeMutablePointer<AVCodecContext>? = decoder, e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&d)
        avcodec_free_context(&e)
        swr_free(&resampler)
        av_audio_fifo_free(fifo)
        var f: UnsafeMutablePointer<AVFrame>? = decoded, c: UnsafeMutablePointer<AVFrame>? = chunk
        av_frame_free(&f)
        av_frame_free(&c)
    }

    private static func supportedRate(_ codec: UnsafePointer<AVCodec>, wanted: Int32) -> Int32 {
        guard var p = codec.pointee.supported_samplerates else { return wanted > 0 ? wanted : 48000 }
        var best: Int32 = 0
        while p.pointee != 0 {
            if p.pointee == wanted { return wanted }
            if best == 0 || abs(p.pointee - wanted) < abs(best - wanted) { best = p.pointee }
            p += 1
        }
        return best
    }

    /// The encoded stream's parameters, for the output stream that will carry it.
    public func streamParameters() -> StreamParameters { StreamParameters(encoder: encoder) }

    /// The time base of the packets this returns.
    public var outputTimeBase: Rational { Rational(encoder.pointee.time_base) }

    /// Decodes `packet` (nil: the end) and returns the packets ready to write.
    public func transcode(_ packet: Packet?) throws(FFmpegError) -> [Packet] {
        var out: [Packet] = []
        _ = try? CodecCall(avcodec_send_packet(decoder, packet?.pointer), "decoding audio")  // damaged: skipped
        while (try? CodecCall(avcodec_receive_frame(decoder, decoded), "decoding audio")) == .done {
            try resample(decoded)
            av_frame_unref(decoded)
            try encodeFull(into: &out)
        }
        if packet == nil {
            try resample(nil)
            try encodeFull(into: &out, flush: true)
            try encode(nil, into: &out)
        }
        return out
    }

    private func resample(_ frame: UnsafeMutablePointer<AVFrame>?) throws(FFmpegError) {
        if let frame, startPTS == nil {
            let ts = frame.pointee.best_effort_timestamp
            startPTS = ts == noTimestamp ? 0 : av_rescale_q(ts, inputTimeBase.av, encoder.pointee.time_base)
        }
        if resampler == nil {
            guard let frame else { return }
            var layout = frame.pointee.ch_layout
            if layout.order == AV_CHANNEL_ORDER_UNSPEC { av_channel_layout_default(&layout, layout.nb_channels) }
            try check(swr_alloc_set_opts2(&resampler, &encoder.pointee.ch_layout, encoder.pointee.sample_fmt,
                                          encoder.pointee.sample_rate, &layout, AVSampleFormat(frame.pointee.format),
                                          frame.pointee.sample_rate, 0, nil), "configuring the audio resampler")
            try check(swr_init(resampler), "configuring the audio resampler")
        }
        let inSamples = frame?.pointee.nb_samples ?? 0
        let room = swr_get_out_samples(resampler, inSamples)
        guard room > 0 else { return }
        var buffers: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = nil
        try check(av_samples_alloc_array_and_samples(&buffers, nil, encoder.pointee.ch_layout.nb_channels, room,
                                                     encoder.pointee.sample_fmt, 0), "allocating audio samples")
        defer {
            av_freep(&buffers![0])
            av_freep(&buffers)
        }
        let converted: Int32
        if let frame {
            // extended_data: every channel's plane (data[] holds only the first 8).
            let planes = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            converted = swr_convert(resampler, buffers, room, planes, inSamples)
        } else {
            converted = swr_convert(resampler, buffers, room, nil, 0)
        }
        try check(converted, "converting audio samples")
        if converted > 0 {
            buffers!.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 8) { planes in
                _ = av_audio_fifo_write(fifo, planes, converted)
            }
        }
    }

    /// Encodes every whole encoder frame in the FIFO (and the rest, when flushing).
    private func encodeFull(into out: inout [Packet], flush: Bool = false) throws(FFmpegError) {
        let size = encoder.pointee.frame_size > 0 ? encoder.pointee.frame_size : 1024
        while av_audio_fifo_size(fifo) >= size || (flush && av_audio_fifo_size(fifo) > 0) {
            let n = min(size, av_audio_fifo_size(fifo))
            av_frame_unref(chunk)
            chunk.pointee.nb_samples = n
            chunk.pointee.format = encoder.pointee.sample_fmt.rawValue
            chunk.pointee.sample_rate = encoder.pointee.sample_rate
            try check(av_channel_layout_copy(&chunk.pointee.ch_layout, &encoder.pointee.ch_layout), "setting the channel layout")
            try check(av_frame_get_buffer(chunk, 0), "allocating an audio frame")
            let read = withUnsafeMutablePointer(to: &chunk.pointee.data) {
                $0.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 8) { av_audio_fifo_read(fifo, $0, n) }
            }
            chunk.pointee.pts = (startPTS ?? 0) + samplesOut
            samplesOut += Int64(read)
            try encode(chunk, into: &out)
        }
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?, into out: inout [Packet]) throws(FFmpegError) {
        _ = try CodecCall(avcodec_send_frame(encoder, frame), "encoding audio")
        while try CodecCall(avcodec_receive_packet(encoder, encodedPacket.pointer), "encoding audio") == .done {
            out.append(encodedPacket.moveOut())
        }
    }
}

extension StreamParameters {
    convenience init(encoder: UnsafeMutablePointer<AVCodecContext>) {
        self.init(parameters: { p in _ = avcodec_parameters_from_context(p, encoder) }, timeBase: Rational(encoder.pointee.time_base))
    }
}
