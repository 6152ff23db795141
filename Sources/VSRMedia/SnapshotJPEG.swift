internal import CFFmpeg

extension Frame {
    /// Another reference to the same picture (av_frame_ref: the buffers are shared and counted,
    /// nothing is copied). For a reader that only looks, such as a snapshot.
    public func reference() throws(FFmpegError) -> Frame {
        let f = Frame()
        try check(av_frame_ref(f.pointer, pointer), "referencing a frame")
        return f
    }

    /// Whether the frame says it is full range (JPEG levels).
    var isFullRange: Bool { pointer.pointee.color_range == AVCOL_RANGE_JPEG || pixelFormat.impliesFullRange }
}

/// A picture as a JPEG (FFmpeg's mjpeg encoder), for a look at a camera: one frame, or several
/// side by side, each scaled (bicubic) to the height of the tallest so an input sits beside its
/// upscaled output at the same size.
public enum SnapshotJPEG {
    /// `quality`: mjpeg's qscale, 2 (best) to 31.
    public static func encode(_ frames: [Frame], quality: Int = 3) throws(FFmpegError) -> [UInt8] {
        precondition(!frames.isEmpty)
        let height = (frames.map(\.height).max()! + 1) & ~1
        let widths = frames.map { f in (Int((Double(f.width) * Double(height) / Double(max(1, f.height))).rounded()) + 1) & ~1 }
        let width = widths.reduce(0, +)
        let canvas = try Frame.allocate(format: .yuvj420p, width: width, height: height)
        var x = 0
        for (f, w) in zip(frames, widths) {
            let part = try Frame.allocate(format: .yuvj420p, width: w, height: height)
            let scaler = try Scaler(from: f.pixelFormat, f.width, f.height, to: .yuvj420p, w, height,
                                    sourceFullRange: f.isFullRange, destinationFullRange: true)
            scaler.scale(f, into: part)
            for p in 0..<3 {
                let sub = p == 0 ? 1 : 2
                let from = part.plane(p, width: w / sub, height: height / sub, bytesPerSample: 1)
                let to = canvas.plane(p, width: width / sub, height: height / sub, bytesPerSample: 1)
                for row in 0..<(height / sub) {
                    (to.base + row * to.rowBytes + x / sub).copyMemory(from: from.base + row * from.rowBytes, byteCount: w / sub)
                }
            }
            x += w
        }
        var s = VideoEncoderSettings(codecName: "mjpeg", width: width, height: height, pixelFormat: .yuvj420p,
                                     timeBase: Rational(1, 25), frameRate: Rational(25, 1), sampleAspectRatio: Rational(1, 1))
        s.color.range = AVCOL_RANGE_JPEG
        // A fixed quantiser (ffmpeg's -q:v): the qscale flag, and the quality on the frame.
        s.options = ["flags": "+qscale", "global_quality": String(quality * Int(FF_QP2LAMBDA))]
        let encoder = try Encoder(s)
        canvas.pointer.pointee.quality = Int32(quality) * FF_QP2LAMBDA
        canvas.pts = 0
        _ = try encoder.send(canvas)
        _ = try encoder.send(nil)
        let packet = Packet()
        var bytes: [UInt8] = []
        while try encoder.receive(into: packet) == .packet { bytes += packet.bytes }
        return bytes
    }
}
