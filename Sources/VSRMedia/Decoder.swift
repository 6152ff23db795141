import CFFmpeg

/// A video decoder for one input stream. EAGAIN and EOF are results, not errors.
public final class Decoder: @unchecked Sendable {
    let context: UnsafeMutablePointer<AVCodecContext>
    public let timeBase: AVRational

    public init(stream: UnsafeMutablePointer<AVStream>, threads: Int) throws(FFmpegError) {
        let params = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(params.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(params.pointee.codec_id))
            throw FFmpegError(vsr_averror_decoder_not_found(), "finding a decoder for \(name)")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { fatalError("avcodec_alloc_context3: out of memory") }
        context = ctx
        timeBase = stream.pointee.time_base
        try check(avcodec_parameters_to_context(ctx, params), "configuring the decoder")
        ctx.pointee.pkt_timebase = stream.pointee.time_base
        ctx.pointee.thread_count = Int32(threads)
        try check(avcodec_open2(ctx, codec, nil), "opening the \(String(cString: codec.pointee.name)) decoder")
    }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&c)
    }

    public var width: Int { Int(context.pointee.width) }
    public var height: Int { Int(context.pointee.height) }
    public var pixelFormat: AVPixelFormat { context.pointee.pix_fmt }
    public var codecContext: UnsafePointer<AVCodecContext> { UnsafePointer(context) }

    public enum SendResult { case accepted, full }
    public enum ReceiveResult { case frame, needsInput, endOfStream }

    /// Sends a packet, or nil to start draining. `.full`: receive frames first, then resend.
    public func send(_ packet: Packet?) throws(FFmpegError) -> SendResult {
        let r = avcodec_send_packet(context, packet?.pointer)
        if r == FFmpegError.again { return .full }
        if r == FFmpegError.eof { return .accepted }  // draining twice is harmless
        try check(r, "decoding")
        return .accepted
    }

    public func receive(into frame: Frame) throws(FFmpegError) -> ReceiveResult {
        let r = avcodec_receive_frame(context, frame.pointer)
        if r == FFmpegError.again { return .needsInput }
        if r == FFmpegError.eof { return .endOfStream }
        try check(r, "decoding")
        return .frame
    }
}
