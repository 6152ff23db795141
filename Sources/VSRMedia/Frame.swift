internal import CFFmpeg

/// Owns one AVFrame. Sending a frame through a queue moves it: only one stage uses it at a time.
public final class Frame: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVFrame>

    public init() {
        guard let p = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&p)
    }

    public var width: Int { Int(pointer.pointee.width) }
    public var height: Int { Int(pointer.pointee.height) }
    public var pixelFormat: PixelFormat { PixelFormat(AVPixelFormat(pointer.pointee.format)) }
    public var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    /// The decoder's best guess at the presentation time (pts, else dts-derived).
    public var bestEffortTimestamp: Int64 { pointer.pointee.best_effort_timestamp }

    public func unref() { av_frame_unref(pointer) }

    /// Asks the encoder to make this frame a keyframe (a receiver joined and must start decoding).
    public func markKeyframe() { pointer.pointee.pict_type = AV_PICTURE_TYPE_I }

    /// Forgets the decoder's picture type, so the encoder places keyframes itself.
    public func clearPictureType() { pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE }

    /// Relabels the pixels as `format`, which must have the same memory layout (yuvj -> yuv).
    func relabel(as format: PixelFormat) {
        precondition(pixelFormat.sameMemoryLayout == format.sameMemoryLayout)
        pointer.pointee.format = format.rawValue
    }

    /// Shows only the top-left width x height of the picture (the buffers stay as they are).
    public func crop(width: Int, height: Int) {
        precondition(width <= self.width && height <= self.height)
        pointer.pointee.width = Int32(width)
        pointer.pointee.height = Int32(height)
    }

    /// Moves this frame's buffers into a new Frame and leaves this one blank.
    public func moveOut() -> Frame {
        let f = Frame()
        av_frame_move_ref(f.pointer, pointer)
        return f
    }

    /// Copies timestamps, colour properties, aspect ratio and side data (not the pixels).
    public func copyProperties(from source: Frame) {
        av_frame_copy_props(pointer, source.pointer)
    }

    /// The stream's compression level at this frame (`QuantiserTracker`), set by `FrameConformer`;
    /// nil when the stream carries no H.264 QPs.
    public var streamQuantiser: Double?

    /// Drops the decoder's quantiser map: an upscaled frame's macroblocks are not the source's.
    public func dropQuantisers() {
        av_frame_remove_side_data(pointer, AV_FRAME_DATA_VIDEO_ENC_PARAMS)
    }

    /// The frame's mean quantiser (H.264 QP 0-51, averaged over its macroblocks by area), as
    /// the decoder exports it (`Decoder` asks for it); nil for other codecs, whose scales differ
    /// (FFmpeg 5.1 exports none for HEVC).
    public var meanQuantiser: Double? {
        guard let sd = av_frame_get_side_data(pointer, AV_FRAME_DATA_VIDEO_ENC_PARAMS),
              let data = sd.pointee.data, sd.pointee.size >= MemoryLayout<AVVideoEncParams>.size else { return nil }
        let params = UnsafeMutableRawPointer(data).assumingMemoryBound(to: AVVideoEncParams.self)
        guard params.pointee.type == AV_VIDEO_ENC_PARAMS_H264 else { return nil }
        let base = Double(params.pointee.qp), blocks = params.pointee.nb_blocks
        guard blocks > 0 else { return base }
        var weighted = 0.0, area = 0.0
        for i in 0..<blocks {
            let b = av_video_enc_params_block(params, i)!.pointee
            let a = Double(b.w) * Double(b.h)
            weighted += Double(b.delta_qp) * a
            area += a
        }
        return area > 0 ? base + weighted / area : base
    }

    /// Plane `index` as a typed view (`width` in samples of `bytesPerSample` bytes; packed RGB
    /// counts 3 or 4 samples a pixel). The view must fit the plane's memory: a view one row too
    /// tall let the chroma scaler write past the buffer of odd-sized frames.
    public func plane(_ index: Int, width: Int, height: Int, bytesPerSample: Int) -> PlaneBuffer {
        let rows = pixelFormat.planeSize(width: self.width, height: self.height, plane: index).height
        let lineBytes = withUnsafePointer(to: &pointer.pointee.linesize) {
            $0.withMemoryRebound(to: Int32.self, capacity: 8) { Int($0[index]) }
        }
        precondition(height <= rows && width * bytesPerSample <= lineBytes,
                     "plane \(index) view \(width)x\(height) exceeds the frame's \(rows) rows of \(lineBytes) bytes")
        let data = withUnsafePointer(to: &pointer.pointee.data) {
            $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { $0[index] }
        }
        let stride = withUnsafePointer(to: &pointer.pointee.linesize) {
            $0.withMemoryRebound(to: Int32.self, capacity: 8) { Int($0[index]) }
        }
        return PlaneBuffer(base: UnsafeMutableRawPointer(data!), width: width, height: height,
                           rowBytes: stride, bytesPerSample: bytesPerSample)
    }

    /// Allocates fresh buffers for `format` at the given size (32-byte aligned rows).
    public static func allocate(format: PixelFormat, width: Int, height: Int) throws(FFmpegError) -> Frame {
        let f = Frame()
        f.pointer.pointee.format = format.rawValue
        f.pointer.pointee.width = Int32(width)
        f.pointer.pointee.height = Int32(height)
        try check(av_frame_get_buffer(f.pointer, 32), "allocating a \(width)x\(height) frame")
        return f
    }
}

/// A plane of samples inside someone else's buffer: 1 byte (8-bit) or 2 bytes (9-16 bit) per sample.
public struct PlaneBuffer: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let width: Int
    public let height: Int
    public let rowBytes: Int
    public let bytesPerSample: Int

    public init(base: UnsafeMutableRawPointer, width: Int, height: Int, rowBytes: Int, bytesPerSample: Int) {
        self.base = base
        self.width = width
        self.height = height
        self.rowBytes = rowBytes
        self.bytesPerSample = bytesPerSample
    }
}
