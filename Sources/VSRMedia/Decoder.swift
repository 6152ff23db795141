internal import CFFmpeg

/// A video decoder for one input stream. EAGAIN and EOF are results, not errors.
public final class Decoder: @unchecked Sendable {
    let context: UnsafeMutablePointer<AVCodecContext>
    public let timeBase: Rational

    public convenience init(input: InputFile, stream index: Int, threads: Int) throws(FFmpegError) {
        try self.init(stream: input.stream(index), threads: threads)
    }

    init(stream: UnsafeMutablePointer<AVStream>, threads: Int) throws(FFmpegError) {
        let params = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(params.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(params.pointee.codec_id))
            throw FFmpegError(.decoderNotFound, "finding a decoder for \(name)")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { fatalError("avcodec_alloc_context3: out of memory") }
        context = ctx
        timeBase = Rational(stream.pointee.time_base)
        try check(avcodec_parameters_to_context(ctx, params), "configuring the decoder")
        ctx.pointee.pkt_timebase = stream.pointee.time_base
        ctx.pointee.thread_count = Int32(threads)
        // Per-frame quantisers (H.264): the camera model's QP-band specialists are picked by them.
        ctx.pointee.export_side_data |= Int32(AV_CODEC_EXPORT_DATA_VIDEO_ENC_PARAMS)
        try check(avcodec_open2(ctx, codec, nil), "opening the \(String(cString: codec.pointee.name)) decoder")
    }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&c)
    }

    public var width: Int { Int(context.pointee.width) }
    public var height: Int { Int(context.pointee.height) }
    public var pixelFormat: PixelFormat { PixelFormat(context.pointee.pix_fmt) }

    /// The stream's colour tags as the decoder sees them.
    public var colorDescription: ColorDescription {
        var c = ColorDescription()
        c.primaries = context.pointee.color_primaries
        c.transfer = context.pointee.color_trc
        c.space = context.pointee.colorspace
        c.range = context.pointee.color_range
        c.chromaLocation = context.pointee.chroma_sample_location
        return c
    }

    /// Full-range samples: RGB or gray sources, yuvj formats (MJPEG cameras), or a stream tagged
    /// so. Conversions then keep the range, and the output is tagged full range.
    public var isFullRange: Bool { pixelFormat.impliesFullRange || colorDescription.fullRange == true }

    public enum SendResult { case accepted, full }
    public enum ReceiveResult { case frame, needsInput, endOfStream }

    /// Sends a packet, or nil to start draining. `.full`: receive frames first, then resend.
    public func send(_ packet: Packet?) throws(FFmpegError) -> SendResult {
        // draining twice (EOF) is harmless
        try CodecCall(avcodec_send_packet(context, packet?.pointer), "decoding") == .again ? .full : .accepted
    }

    public func receive(into frame: Frame) throws(FFmpegError) -> ReceiveResult {
        switch try CodecCall(avcodec_receive_frame(context, frame.pointer), "decoding") {
        case .done: .frame
        case .again: .needsInput
        case .ended: .endOfStream
        }
    }
}
