internal import CFFmpeg

/// The settings of a video encoder; everything not named keeps the encoder's default.
public struct VideoEncoderSettings: Sendable {
    public var codecName: String
    public var width: Int
    public var height: Int
    public var pixelFormat: PixelFormat
    public var timeBase: Rational
    public var frameRate: Rational
    public var sampleAspectRatio: Rational
    public var color = ColorDescription()
    public var threads: Int = 1
    public var globalHeader = false
    /// Private options of the encoder (crf, preset, tune, x264-params...).
    public var options: [String: String] = [:]
    public var gopSize: Int? = nil
    /// Declare the frames progressive (after deinterlacing).
    public var progressive = false
    public var maxBFrames: Int? = nil

    public init(codecName: String, width: Int, height: Int, pixelFormat: PixelFormat,
                timeBase: Rational, frameRate: Rational, sampleAspectRatio: Rational) {
        self.codecName = codecName
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.timeBase = timeBase
        self.frameRate = frameRate
        self.sampleAspectRatio = sampleAspectRatio
    }
}

/// A video encoder. EAGAIN and EOF are results, not errors.
public final class Encoder: @unchecked Sendable {
    let context: UnsafeMutablePointer<AVCodecContext>

    /// True when libavcodec has an encoder of this name.
    public static func exists(_ name: String) -> Bool { avcodec_find_encoder_by_name(name) != nil }

    /// The pixel formats the encoder accepts (empty when it does not say).
    static func supportedPixelFormats(_ name: String) -> [AVPixelFormat] {
        guard let codec = avcodec_find_encoder_by_name(name), var p = codec.pointee.pix_fmts else { return [] }
        var formats: [AVPixelFormat] = []
        while p.pointee != AV_PIX_FMT_NONE {
            formats.append(p.pointee)
            p += 1
        }
        return formats
    }

    /// One video encoder of this FFmpeg build.
    public struct Info: Sendable {
        public let name: String
        public let codec: String
        public let description: String
        public let pixelFormats: [String]
        /// Lossless by design (ffv1, utvideo, ...).
        public let lossless: Bool
    }

    /// The video encoders this FFmpeg build has, in FFmpeg's order.
    public static func videoEncoders() -> [Info] {
        var list: [Info] = []
        var state: UnsafeMutableRawPointer? = nil
        while let c = av_codec_iterate(&state) {
            guard av_codec_is_encoder(c) != 0, c.pointee.type == AVMEDIA_TYPE_VIDEO else { continue }
            let name = String(cString: c.pointee.name)
            let props = avcodec_descriptor_get(c.pointee.id)?.pointee.props ?? 0
            list.append(Info(name: name, codec: String(cString: avcodec_get_name(c.pointee.id)),
                             description: c.pointee.long_name.map { String(cString: $0) } ?? name,
                             pixelFormats: supportedPixelFormats(name).map { PixelFormat($0).name },
                             lossless: props & AV_CODEC_PROP_LOSSLESS != 0 && props & AV_CODEC_PROP_LOSSY == 0))
        }
        return list
    }

    /// `format` when encoder `name` takes it, else the accepted format that loses least.
    public static func bestPixelFormat(for format: PixelFormat, encoder name: String) -> PixelFormat {
        let formats = supportedPixelFormats(name)
        if formats.isEmpty || formats.contains(format.av) { return format }
        var list = formats + [AV_PIX_FMT_NONE]
        return PixelFormat(avcodec_find_best_pix_fmt_of_list(&list, format.av, 0, nil))
    }

    public init(_ s: VideoEncoderSettings) throws(FFmpegError) {
        guard let codec = avcodec_find_encoder_by_name(s.codecName) else {
            throw FFmpegError(.encoderNotFound, "finding the encoder \(s.codecName)")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { fatalError("avcodec_alloc_context3: out of memory") }
        context = ctx
        ctx.pointee.width = Int32(s.width)
        ctx.pointee.height = Int32(s.height)
        ctx.pointee.pix_fmt = s.pixelFormat.av
        ctx.pointee.time_base = s.timeBase.av
        ctx.pointee.framerate = s.frameRate.av
        ctx.pointee.sample_aspect_ratio = s.sampleAspectRatio.av
        ctx.pointee.color_primaries = s.color.primaries
        ctx.pointee.color_trc = s.color.transfer
        ctx.pointee.colorspace = s.color.space
        ctx.pointee.color_range = s.color.range
        ctx.pointee.chroma_sample_location = s.color.chromaLocation
        ctx.pointee.thread_count = Int32(s.threads)
        if let g = s.gopSize { ctx.pointee.gop_size = Int32(g) }
        if s.progressive { ctx.pointee.field_order = AV_FIELD_PROGRESSIVE }
        if let b = s.maxBFrames { ctx.pointee.max_b_frames = Int32(b) }
        if s.globalHeader { ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        var dict = OptionsDictionary(s.options)
        defer { av_dict_free(&dict.pointer) }
        try check(avcodec_open2(ctx, codec, &dict.pointer), "opening the \(s.codecName) encoder")
        if let unused = av_dict_get(dict.pointer, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw FFmpegError(.invalidArgument,
                              "the \(s.codecName) encoder has no option '\(String(cString: unused.pointee.key))'")
        }
    }

    /// Opens the encoder at the settings' size or, when it refuses an odd size (4:2:0 encoders
    /// such as x264 do: x3 of an odd-sized input), at the even size one pixel smaller. `cropped`
    /// says whether the last column or row has to be left out.
    public static func openCroppingToEven(_ s: VideoEncoderSettings) throws(FFmpegError) -> (encoder: Encoder, cropped: Bool) {
        do {
            return (try Encoder(s), false)
        } catch {
            var even = s
            even.width &= ~1
            even.height &= ~1
            guard even.width != s.width || even.height != s.height, even.width > 0, even.height > 0 else { throw error }
            return (try Encoder(even), true)
        }
    }

    public var width: Int { Int(context.pointee.width) }
    public var height: Int { Int(context.pointee.height) }
    public var name: String { String(cString: context.pointee.codec.pointee.name) }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&c)
    }

    public var timeBase: Rational { Rational(context.pointee.time_base) }

    public enum SendResult { case accepted, full }
    public enum ReceiveResult { case packet, needsInput, endOfStream }

    /// Sends a frame, or nil to flush. `.full`: receive packets first, then resend.
    public func send(_ frame: Frame?) throws(FFmpegError) -> SendResult {
        try CodecCall(avcodec_send_frame(context, frame?.pointer), "encoding") == .again ? .full : .accepted
    }

    public func receive(into packet: Packet) throws(FFmpegError) -> ReceiveResult {
        switch try CodecCall(avcodec_receive_packet(context, packet.pointer), "encoding") {
        case .done: .packet
        case .again: .needsInput
        case .ended: .endOfStream
        }
    }
}
