import CFFmpeg
import Foundation

/// A demuxer: an opened media file or URL whose packets are read in order.
public final class InputFile: @unchecked Sendable {
    public let url: String
    let context: UnsafeMutablePointer<AVFormatContext>
    /// Set to nonzero to make blocking FFmpeg I/O on this input return AVERROR_EXIT.
    private let interruptFlag: UnsafeMutablePointer<Int32>

    /// The in-memory source of `init(data:name:)`, which the context reads until it is closed.
    private let memory: MemoryIO?

    /// Opens `url`. `options` are libavformat's (e.g. "rtsp_transport": "tcp", "timeout": "5000000").
    public convenience init(url: String, format: String? = nil, options: [String: String] = [:]) throws(FFmpegError) {
        try self.init(url: url, format: format, options: options, memory: nil)
    }

    /// Opens media held in memory (the fuzz target's inputs): the same demuxers, no file.
    public convenience init(data: Data, name: String = "memory") throws(FFmpegError) {
        try self.init(url: name, format: nil, options: [:], memory: MemoryIO(data))
    }

    private init(url: String, format: String?, options: [String: String], memory: MemoryIO?) throws(FFmpegError) {
        self.url = url
        self.memory = memory
        interruptFlag = .allocate(capacity: 1)
        interruptFlag.initialize(to: 0)
        var ctx: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard let allocated = ctx else { fatalError("avformat_alloc_context: out of memory") }
        vsr_set_interrupt(allocated, interruptFlag)
        if let memory { allocated.pointee.pb = memory.context }
        var dict = Dictionary(options)
        defer { av_dict_free(&dict.pointer) }
        let inputFormat = format.flatMap { av_find_input_format($0) }
        let opened = avformat_open_input(&ctx, url, inputFormat, &dict.pointer)
        guard opened >= 0, let ctx else {
            interruptFlag.deallocate()
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
        interruptFlag.deallocate()
    }

    /// Makes blocked or future reads return promptly (Ctrl-C, shutdown). Thread-safe.
    public func interrupt() {
        vsr_flag_raise(interruptFlag)
    }

    public var formatName: String { String(cString: context.pointee.iformat.pointee.name) }
    public var streamCount: Int { Int(context.pointee.nb_streams) }
    public func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> { context.pointee.streams[index]! }

    /// Duration in seconds, when the container knows it.
    public var duration: Double? {
        let d = context.pointee.duration
        return d == noTimestamp || d <= 0 ? nil : Double(d) / Double(AV_TIME_BASE)
    }

    /// The frame rate a player would assume for stream `index` (0/1 when unknown).
    public func guessFrameRate(stream index: Int) -> AVRational {
        av_guess_frame_rate(context, stream(index), nil)
    }

    public func guessSampleAspectRatio(stream index: Int) -> AVRational {
        av_guess_sample_aspect_ratio(context, stream(index), nil)
    }

    /// The index of the best video stream (the one a player would pick), or nil.
    public func bestVideoStream() -> Int? {
        let r = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard r >= 0 else { return nil }
        // Cover art (a single attached picture) is not a video to upscale.
        if stream(Int(r)).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 { return nil }
        return Int(r)
    }

    /// The codec of video stream `index` and whether it is lossy, by FFmpeg's codec properties
    /// (H.264, HEVC, MPEG-2, MJPEG, VP9, AV1 are lossy; FFV1, PNG, raw video are not).
    public func videoCodec(stream index: Int) -> (name: String, lossy: Bool) {
        let id = stream(index).pointee.codecpar.pointee.codec_id
        let name = String(cString: avcodec_get_name(id))
        guard let d = avcodec_descriptor_get(id) else { return (name, true) }
        return (name, d.pointee.props & AV_CODEC_PROP_LOSSY != 0)
    }

    public enum ReadResult { case packet, endOfFile }

    /// Reads the next packet into `packet` (replacing its contents).
    public func read(into packet: Packet) throws(FFmpegError) -> ReadResult {
        packet.unref()
        let r = av_read_frame(context, packet.pointer)
        if r == FFmpegError.eof { return .endOfFile }
        try check(r, "reading \(url)")
        return .packet
    }
}

/// An AVDictionary built from Swift strings, freed by the caller with av_dict_free.
struct Dictionary {
    var pointer: OpaquePointer?
    init(_ values: [String: String]) {
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { av_dict_set(&pointer, k, v, 0) }
    }
}
