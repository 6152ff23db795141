internal import CFFmpeg
import Foundation

/// A demuxer: an opened media file or URL whose packets are read in order.
public final class InputFile: @unchecked Sendable {
    public let url: String
    let context: UnsafeMutablePointer<AVFormatContext>
    /// Raised to make blocking FFmpeg I/O on this input return AVERROR_EXIT. Shared with the
    /// caller, who may hand the same flag to every input it opens (a live stream's reconnects).
    public let interruptFlag: InterruptFlag

    /// The in-memory source of `init(data:name:)`, which the context reads until it is closed.
    private let memory: MemoryIO?

    /// Opens `url`. `options` are libavformat's (e.g. "rtsp_transport": "tcp", "timeout": "5000000").
    /// Raising `interrupt` makes the open and every later read return promptly.
    public convenience init(url: String, format: String? = nil, options: [String: String] = [:],
                            interrupt: InterruptFlag = InterruptFlag()) throws(FFmpegError) {
        try self.init(url: url, format: format, options: options, memory: nil, interrupt: interrupt)
    }

    /// Opens media held in memory (the fuzz target's inputs): the same demuxers, no file.
    public convenience init(data: Data, name: String = "memory") throws(FFmpegError) {
        try self.init(url: name, format: nil, options: [:], memory: MemoryIO(data), interrupt: InterruptFlag())
    }

    private init(url: String, format: String?, options: [String: String], memory: MemoryIO?,
                 interrupt: InterruptFlag) throws(FFmpegError) {
        self.url = url
        self.memory = memory
        interruptFlag = interrupt
        var ctx: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard let allocated = ctx else { fatalError("avformat_alloc_context: out of memory") }
        vsr_set_interrupt(allocated, interrupt.pointer)
        if let memory { allocated.pointee.pb = memory.context }
        var dict = OptionsDictionary(options)
        defer { av_dict_free(&dict.pointer) }
        let inputFormat = format.flatMap { av_find_input_format($0) }
        let opened = avformat_open_input(&ctx, url, inputFormat, &dict.pointer)
        guard opened >= 0, let ctx else {
            throw FFmpegError(opened, "opening \(url)")
        }
        context = ctx
        // Every stored property is set: from here on a throw runs deinit, which closes the
        // context. Closing it here as well was a double free (fuzz-found crashes).
        let info = avformat_find_stream_info(ctx, nil)
        if info < 0 { throw FFmpegError(info, "reading stream information from \(url)") }
    }

    deinit {
        var c: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&c)
    }

    /// Makes blocked or future reads return promptly (Ctrl-C, shutdown). Thread-safe.
    public func interrupt() { interruptFlag.raise() }

    public var formatName: String { String(cString: context.pointee.iformat.pointee.name) }
    public var streamCount: Int { Int(context.pointee.nb_streams) }
    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> { context.pointee.streams[index]! }

    public func streamInfo(_ index: Int) -> StreamInfo { StreamInfo(stream(index)) }
    /// Stream `index`'s time base (cheap: for every packet, where StreamInfo would be waste).
    public func timeBase(stream index: Int) -> Rational { Rational(stream(index).pointee.time_base) }
    public var streams: [StreamInfo] { (0..<streamCount).map(streamInfo) }
    /// The first audio stream, if any.
    public var firstAudioStream: Int? { streams.first { $0.kind == .audio }?.index }

    /// Duration in seconds, when the container knows it.
    public var duration: Double? {
        let d = context.pointee.duration
        return d == noTimestamp || d <= 0 ? nil : Double(d) / Double(AV_TIME_BASE)
    }

    /// The frame rate a player would assume for stream `index`, 25 fps when nothing says.
    public func frameRate(stream index: Int) -> Rational {
        let r = Rational(av_guess_frame_rate(context, stream(index), nil))
        return r.isPositive ? r : Rational(25, 1)
    }

    public func sampleAspectRatio(stream index: Int) -> Rational {
        Rational(av_guess_sample_aspect_ratio(context, stream(index), nil))
    }

    /// About how many frames stream `index` has (0: unknown), from the stream's count, its
    /// duration or the container's.
    public func estimatedFrameCount(stream index: Int) -> Int {
        let st = stream(index).pointee
        let fps = frameRate(stream: index).value
        if st.nb_frames > 0 { return Int(st.nb_frames) }
        if st.duration > 0 && st.duration != noTimestamp {
            return Int((Double(st.duration) * av_q2d(st.time_base) * fps).rounded())
        }
        if let d = duration { return Int((d * fps).rounded()) }
        return 0
    }

    /// Stream `index`'s first timestamp (its start time; 0 when unknown).
    public func startTime(stream index: Int) -> Int64 {
        let t = stream(index).pointee.start_time
        return t == noTimestamp ? 0 : t
    }

    /// A copy of stream `index`'s codec parameters, for an output that carries its packets.
    public func parameters(of index: Int) -> StreamParameters { StreamParameters(stream(index)) }

    /// The index of the best video stream (the one a player would pick), or nil.
    public func bestVideoStream() -> Int? {
        let r = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard r >= 0 else { return nil }
        // Cover art (a single attached picture) is not a video to upscale.
        if streamInfo(Int(r)).isAttachedPicture { return nil }
        return Int(r)
    }

    /// Moves reading to the last keyframe of stream `index` at or before `timestamp` (in the
    /// stream's time base; demuxers index by dts).
    public func seek(stream index: Int, to timestamp: Int64) throws(FFmpegError) {
        try check(av_seek_frame(context, Int32(index), timestamp, AVSEEK_FLAG_BACKWARD), "seeking in \(url)")
    }

    public enum ReadResult { case packet, endOfFile }

    /// Reads the next packet into `packet` (replacing its contents).
    public func read(into packet: Packet) throws(FFmpegError) -> ReadResult {
        packet.unref()
        let r = av_read_frame(context, packet.pointer)
        if r == FFmpegError.Code.endOfFile.rawValue { return .endOfFile }
        try check(r, "reading \(url)")
        return .packet
    }
}

/// Codec parameters copied out of an input stream: what an output needs to carry that stream's
/// packets after the input is gone (a live stream's audio across reconnects).
public final class StreamParameters: @unchecked Sendable {
    let parameters: UnsafeMutablePointer<AVCodecParameters>
    public let timeBase: Rational
    public let kind: MediaKind

    init(parameters fill: (UnsafeMutablePointer<AVCodecParameters>) -> Void, timeBase: Rational) {
        guard let p = avcodec_parameters_alloc() else { fatalError("avcodec_parameters_alloc: out of memory") }
        fill(p)
        parameters = p
        self.timeBase = timeBase
        kind = MediaKind(p.pointee.codec_type)
    }

    convenience init(_ st: UnsafeMutablePointer<AVStream>) {
        self.init(parameters: { avcodec_parameters_copy($0, st.pointee.codecpar) }, timeBase: Rational(st.pointee.time_base))
    }

    deinit {
        var p: UnsafeMutablePointer<AVCodecParameters>? = parameters
        avcodec_parameters_free(&p)
    }
}
