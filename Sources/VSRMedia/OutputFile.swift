internal import CFFmpeg

/// A muxer writing to a file or URL. Streams are added, then the header, packets and trailer.
public final class OutputFile: @unchecked Sendable {
    public let url: String
    let context: UnsafeMutablePointer<AVFormatContext>
    private var headerWritten = false
    private var trailerWritten = false

    /// `format` overrides the guess from the file name (e.g. "mpegts", "flv", "hls").
    public init(url: String, format: String? = nil) throws(FFmpegError) {
        self.url = url
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        let r = avformat_alloc_output_context2(&ctx, nil, format, url)
        guard r >= 0, let ctx else {
            throw FFmpegError(r < 0 ? FFmpegError.Code(rawValue: r) : .invalidArgument,
                              "choosing an output format for \(url) (name a known extension or give --format)")
        }
        context = ctx
    }

    deinit {
        if headerWritten && !trailerWritten { av_write_trailer(context) }
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 && context.pointee.pb != nil {
            avio_closep(&context.pointee.pb)
        }
        avformat_free_context(context)
    }

    public var formatName: String { String(cString: context.pointee.oformat.pointee.name) }
    /// True for image muxers (one picture per file).
    public var isImageFormat: Bool { ["image2", "image2pipe", "apng"].contains(formatName) || formatName.hasSuffix("_pipe") }
    public var needsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }
    /// The name of the video encoder FFmpeg's CLI would pick: for image files, by extension
    /// (.png -> png). Nil when this build has none.
    public var defaultVideoEncoderName: String? {
        let id = av_guess_codec(context.pointee.oformat, nil, url, nil, AVMEDIA_TYPE_VIDEO)
        return avcodec_find_encoder(id).map { String(cString: $0.pointee.name) }
    }

    /// Whether this container can carry `input`'s stream `index` (nil: FFmpeg cannot tell).
    public func canStore(stream index: Int, of input: InputFile) -> Bool? {
        canStore(input.stream(index).pointee.codecpar.pointee.codec_id)
    }

    /// Whether this container can carry what the encoder `name` makes (nil: cannot tell).
    public func canStore(encoder name: String) -> Bool? {
        guard let codec = avcodec_find_encoder_by_name(name) else { return nil }
        return canStore(codec.pointee.id)
    }

    /// The audio codec this container is usually written with (mp4: aac, webm: opus), as an
    /// encoder this FFmpeg has; nil when it has none.
    public var defaultAudioCodec: String? {
        let id = context.pointee.oformat.pointee.audio_codec
        if id != AV_CODEC_ID_NONE, canStore(id) != false, let e = avcodec_find_encoder(id) { return String(cString: e.pointee.name) }
        if canStore(AV_CODEC_ID_AAC) != false, avcodec_find_encoder(AV_CODEC_ID_AAC) != nil { return "aac" }
        return nil
    }

    /// The text subtitle encoder for this container: its muxer's default (matroska: ass, webm:
    /// webvtt), else the first text codec it carries (mp4/mov: mov_text).
    public var defaultSubtitleEncoder: String? {
        let candidates = [context.pointee.oformat.pointee.subtitle_codec, AV_CODEC_ID_MOV_TEXT, AV_CODEC_ID_SUBRIP,
                          AV_CODEC_ID_ASS, AV_CODEC_ID_WEBVTT]
        for id in candidates where id != AV_CODEC_ID_NONE && canStore(id) == true {
            if let e = avcodec_find_encoder(id) { return String(cString: e.pointee.name) }
        }
        return nil
    }

    /// Adds a stream for packets a transcoder makes from `input`'s stream `index`: its
    /// parameters, the input stream's language, title and dispositions.
    public func addTranscodedStream(_ parameters: StreamParameters, from input: InputFile, stream index: Int) throws(FFmpegError) -> Int {
        let out = try addStream(parameters: parameters, timeBase: parameters.timeBase)
        let src = input.stream(index), st = stream(out)
        st.pointee.disposition = src.pointee.disposition
        av_dict_copy(&st.pointee.metadata, src.pointee.metadata, 0)
        return out
    }

    /// Whether this container can carry packets described by `parameters` (nil: cannot tell).
    public func canStore(_ parameters: StreamParameters) -> Bool? { canStore(parameters.parameters.pointee.codec_id) }

    func canStore(_ codec: AVCodecID) -> Bool? {
        let r = avformat_query_codec(context.pointee.oformat, codec, FF_COMPLIANCE_NORMAL)
        if r >= 0 { return r == 1 }
        // FFmpeg cannot tell: a container without a default codec of that kind (GIF and audio,
        // image muxers and subtitles) does not carry it.
        let f = context.pointee.oformat.pointee
        switch avcodec_get_type(codec) {
        case AVMEDIA_TYPE_AUDIO: return f.audio_codec == AV_CODEC_ID_NONE ? false : nil
        case AVMEDIA_TYPE_SUBTITLE: return f.subtitle_codec == AV_CODEC_ID_NONE && f.flags & AVFMT_NOFILE == 0 && isImageFormat ? false : nil
        default: return nil
        }
    }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> { context.pointee.streams[index]! }

    /// Adds the encoder's stream; returns its index.
    public func addStream(encoder: Encoder) throws(FFmpegError) -> Int {
        guard let st = avformat_new_stream(context, nil) else { fatalError("avformat_new_stream: out of memory") }
        try check(avcodec_parameters_from_context(st.pointee.codecpar, encoder.context), "configuring the output stream")
        st.pointee.time_base = encoder.context.pointee.time_base
        st.pointee.avg_frame_rate = encoder.context.pointee.framerate
        st.pointee.sample_aspect_ratio = encoder.context.pointee.sample_aspect_ratio
        return Int(st.pointee.index)
    }

    public var streamCount: Int { Int(context.pointee.nb_streams) }

    /// Declares stream `index`'s frame rate (a copied video stream does not carry it).
    public func setFrameRate(_ rate: Rational, stream index: Int) {
        stream(index).pointee.avg_frame_rate = rate.av
        stream(index).pointee.r_frame_rate = rate.av
    }

    /// Adds a stream for packets described by `parameters` (copied, not re-encoded), whose
    /// timestamps will be in `timeBase`.
    @discardableResult
    public func addStream(parameters: StreamParameters, timeBase: Rational) throws(FFmpegError) -> Int {
        guard let st = avformat_new_stream(context, nil) else { fatalError("avformat_new_stream: out of memory") }
        try check(avcodec_parameters_copy(st.pointee.codecpar, parameters.parameters), "copying stream parameters")
        st.pointee.codecpar.pointee.codec_tag = 0
        st.pointee.time_base = timeBase.av
        return Int(st.pointee.index)
    }

    /// Adds a stream that copies `input`'s stream `index` packets unchanged; returns its index.
    /// `timeBase`: the one its packets' timestamps will be written in, when not the input's.
    public func addCopiedStream(from input: InputFile, stream index: Int, timeBase: Rational? = nil) throws(FFmpegError) -> Int {
        let out = try addCopiedStream(from: input.stream(index))
        if let timeBase { stream(out).pointee.time_base = timeBase.av }
        return out
    }

    func addCopiedStream(from input: UnsafeMutablePointer<AVStream>) throws(FFmpegError) -> Int {
        guard let st = avformat_new_stream(context, nil) else { fatalError("avformat_new_stream: out of memory") }
        try check(avcodec_parameters_copy(st.pointee.codecpar, input.pointee.codecpar), "copying stream parameters")
        st.pointee.codecpar.pointee.codec_tag = 0  // let the muxer choose its own tag
        st.pointee.time_base = input.pointee.time_base
        st.pointee.disposition = input.pointee.disposition
        st.pointee.sample_aspect_ratio = input.pointee.sample_aspect_ratio
        try copyStreamExtras(from: input, to: st)
        return Int(st.pointee.index)
    }

    /// Copies the metadata and the side data that stays true after upscaling (orientation,
    /// stereo and HDR descriptions) of `input`'s stream `index` to this file's stream `output`.
    public func copyVideoStreamExtras(from input: InputFile, stream index: Int, to output: Int) throws(FFmpegError) {
        try copyStreamExtras(from: input.stream(index), to: stream(output), sideData: Self.keptVideoSideData)
    }

    /// Stream side data that stays true after upscaling: orientation and HDR descriptions.
    static let keptVideoSideData: Set<UInt32> = [
        AV_PKT_DATA_DISPLAYMATRIX.rawValue, AV_PKT_DATA_STEREO3D.rawValue, AV_PKT_DATA_SPHERICAL.rawValue,
        AV_PKT_DATA_MASTERING_DISPLAY_METADATA.rawValue, AV_PKT_DATA_CONTENT_LIGHT_LEVEL.rawValue,
    ]

    /// Copies a stream's metadata and side data (display matrix = rotation, HDR info, ...).
    /// `sideData`: the AVPacketSideDataType raw values to copy (nil: all).
    func copyStreamExtras(from input: UnsafeMutablePointer<AVStream>, to st: UnsafeMutablePointer<AVStream>,
                          sideData: Set<UInt32>? = nil) throws(FFmpegError) {
        av_dict_copy(&st.pointee.metadata, input.pointee.metadata, 0)
        for i in 0..<Int(input.pointee.nb_side_data) {
            let sd = input.pointee.side_data[i]
            if let sideData, !sideData.contains(sd.type.rawValue) { continue }
            guard let dst = av_stream_new_side_data(st, sd.type, sd.size) else {
                throw FFmpegError(.outOfMemory, "copying stream side data")
            }
            dst.update(from: sd.data, count: sd.size)
        }
    }

    /// Copies container metadata and chapters from an input.
    public func copyGlobals(from input: InputFile) {
        av_dict_copy(&context.pointee.metadata, input.context.pointee.metadata, 0)
        let n = Int(input.context.pointee.nb_chapters)
        guard n > 0, context.pointee.oformat.pointee.name != nil else { return }
        // No public API adds chapters: allocate them as FFmpeg's own CLI does (ffmpeg_opt.c).
        guard let array = av_calloc(n, MemoryLayout<UnsafeMutablePointer<AVChapter>?>.size) else { return }
        let chapters = array.bindMemory(to: UnsafeMutablePointer<AVChapter>?.self, capacity: n)
        var count = 0
        for i in 0..<n {
            let src = input.context.pointee.chapters[i]!
            guard let raw = av_mallocz(MemoryLayout<AVChapter>.size) else { continue }
            let ch = raw.bindMemory(to: AVChapter.self, capacity: 1)
            ch.pointee.id = src.pointee.id
            ch.pointee.time_base = src.pointee.time_base
            ch.pointee.start = src.pointee.start
            ch.pointee.end = src.pointee.end
            av_dict_copy(&ch.pointee.metadata, src.pointee.metadata, 0)
            chapters[count] = ch
            count += 1
        }
        context.pointee.chapters = chapters
        context.pointee.nb_chapters = UInt32(count)
    }

    /// Opens the file (unless the format needs none) and writes the header.
    public func writeHeader(options: [String: String] = [:]) throws(FFmpegError) {
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            try check(avio_open(&context.pointee.pb, url, AVIO_FLAG_WRITE), "opening \(url) for writing")
        }
        var dict = OptionsDictionary(options)
        defer { av_dict_free(&dict.pointer) }
        try check(avformat_write_header(context, &dict.pointer), "writing the header of \(url)")
        headerWritten = true
    }

    /// Writes a packet whose timestamps are in `timeBase`; the muxer interleaves streams.
    public func write(_ packet: Packet, timeBase: Rational) throws(FFmpegError) {
        let st = stream(packet.streamIndex)
        packet.rescaleTimestamps(from: timeBase, to: Rational(st.pointee.time_base))
        try check(av_interleaved_write_frame(context, packet.pointer), "writing to \(url)")
    }

    public func writeTrailer() throws(FFmpegError) {
        guard headerWritten, !trailerWritten else { return }
        trailerWritten = true
        try check(av_write_trailer(context), "finishing \(url)")
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 && context.pointee.pb != nil {
            try check(avio_closep(&context.pointee.pb), "closing \(url)")
        }
    }
}
