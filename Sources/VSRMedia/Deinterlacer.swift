internal import CFFmpeg

/// Interlaced frames -> progressive ones, through libavfilter's bwdif (motion-adaptive, the
/// successor of yadif): one frame out per frame in, a frame later; timestamps kept. Upscaling
/// woven fields would bake the combs in, twice as large.
public final class Deinterlacer: @unchecked Sendable {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    private let out = Frame()

    /// Whether stream `index` says it is interlaced (its field order).
    public static func isInterlaced(_ input: InputFile, stream index: Int) -> Bool {
        let order = input.stream(index).pointee.codecpar.pointee.field_order
        return order == AV_FIELD_TT || order == AV_FIELD_BB || order == AV_FIELD_TB || order == AV_FIELD_BT
    }

    /// Whether a decoded frame is flagged interlaced.
    public static func isInterlaced(_ frame: Frame) -> Bool { frame.pointer.pointee.interlaced_frame != 0 }

    /// `allFrames`: deinterlace every frame; else only those flagged interlaced.
    public init(width: Int, height: Int, format: PixelFormat, timeBase: Rational, sampleAspectRatio: Rational,
                allFrames: Bool) throws(FFmpegError) {
        guard let g = avfilter_graph_alloc() else { fatalError("avfilter_graph_alloc: out of memory") }
        graph = g
        let sar = sampleAspectRatio.isPositive ? sampleAspectRatio : Rational(1, 1)
        let args = "video_size=\(width)x\(height):pix_fmt=\(format.rawValue):time_base=\(timeBase.num)/\(timeBase.den)"
            + ":pixel_aspect=\(sar.num)/\(sar.den)"
        var src: UnsafeMutablePointer<AVFilterContext>?, snk: UnsafeMutablePointer<AVFilterContext>?
        var bwdif: UnsafeMutablePointer<AVFilterContext>?
        do {
            try check(avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", args, nil, g), "creating the deinterlacer")
            try check(avfilter_graph_create_filter(&snk, avfilter_get_by_name("buffersink"), "out", nil, nil, g), "creating the deinterlacer")
            try check(avfilter_graph_create_filter(&bwdif, avfilter_get_by_name("bwdif"), "deinterlace",
                                                   "mode=send_frame:parity=auto:deint=\(allFrames ? "all" : "interlaced")", nil, g),
                      "creating the bwdif deinterlacer")
            try check(avfilter_link(src, 0, bwdif, 0), "linking the deinterlacer")
            try check(avfilter_link(bwdif, 0, snk, 0), "linking the deinterlacer")
            try check(avfilter_graph_config(g, nil), "configuring the deinterlacer")
        } catch {
            avfilter_graph_free(&graph)
            throw error
        }
        source = src!
        sink = snk!
    }

    deinit { avfilter_graph_free(&graph) }

    /// Feeds `frame` (nil: the end) and returns the frames ready.
    public func deinterlace(_ frame: Frame?) throws(FFmpegError) -> [Frame] {
        try check(av_buffersrc_add_frame_flags(source, frame?.pointer, 0), "deinterlacing")
        var frames: [Frame] = []
        while true {
            let r = av_buffersink_get_frame(sink, out.pointer)
            if r == FFmpegError.Code.tryAgain.rawValue || r == FFmpegError.Code.endOfFile.rawValue { break }
            try check(r, "deinterlacing")
            out.pointer.pointee.interlaced_frame = 0
            frames.append(out.moveOut())
        }
        return frames
    }
}
