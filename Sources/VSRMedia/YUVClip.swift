internal import CFFmpeg

/// An 8-bit 4:2:0 picture in plain arrays, for tools that compare pictures rather than stream
/// them (`vsr eval-video`). Chroma planes are ceil(width/2) x ceil(height/2).
public struct YUVPicture: Sendable {
    public let width: Int, height: Int
    public var y: [UInt8], u: [UInt8], v: [UInt8]
    /// The stream's compression level at this picture (`QuantiserTracker`), as `YUVClipReader`
    /// reads it; nil for made pictures and streams without H.264 QPs.
    public var streamQuantiser: Double?

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    public init(width: Int, height: Int, y: [UInt8], u: [UInt8], v: [UInt8]) {
        precondition(y.count == width * height && u.count == (width + 1) / 2 * ((height + 1) / 2) && v.count == u.count)
        self.width = width
        self.height = height
        self.y = y
        self.u = u
        self.v = v
    }

    /// Copies a decoded yuv420p frame.
    init(_ f: Frame) {
        width = f.width
        height = f.height
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        func copy(_ p: Int, _ w: Int, _ h: Int) -> [UInt8] {
            let plane = f.plane(p, width: w, height: h, bytesPerSample: 1)
            var out = [UInt8](repeating: 0, count: w * h)
            for row in 0..<h {
                let src = (plane.base + row * plane.rowBytes).assumingMemoryBound(to: UInt8.self)
                for x in 0..<w { out[row * w + x] = src[x] }
            }
            return out
        }
        y = copy(0, width, height)
        u = copy(1, cw, ch)
        v = copy(2, cw, ch)
    }

    /// A decoded frame of any pixel format and size as 8-bit 4:2:0 (swscale converts).
    public static func converted(_ f: Frame) throws(FFmpegError) -> YUVPicture {
        var converter: (Scaler, Frame)?
        return try converted(f, reusing: &converter)
    }

    /// As `converted(_:)`, keeping the converter for the next frame of the same format and size.
    static func converted(_ f: Frame, reusing converter: inout (Scaler, Frame)?) throws(FFmpegError) -> YUVPicture {
        guard f.width > 0, f.height > 0 else { throw FFmpegError(.invalidArgument, "a frame without a size") }
        if f.pixelFormat == PixelFormat.yuv420p { return YUVPicture(f) }
        if converter == nil || converter!.0.sourceWidth != f.width || converter!.0.sourceHeight != f.height
            || converter!.0.sourceFormat != f.pixelFormat {
            converter = (try Scaler(from: f.pixelFormat, f.width, f.height, to: PixelFormat.yuv420p, f.width, f.height),
                         try Frame.allocate(format: PixelFormat.yuv420p, width: f.width, height: f.height))
        }
        converter!.0.scale(f, into: converter!.1)
        return YUVPicture(converter!.1)
    }

    /// Copies into a yuv420p frame of the same size.
    func store(into f: Frame) {
        func put(_ p: Int, _ data: [UInt8], _ w: Int, _ h: Int) {
            let plane = f.plane(p, width: w, height: h, bytesPerSample: 1)
            for row in 0..<h {
                let dst = (plane.base + row * plane.rowBytes).assumingMemoryBound(to: UInt8.self)
                for x in 0..<w { dst[x] = data[row * w + x] }
            }
        }
        put(0, y, width, height)
        put(1, u, chromaWidth, chromaHeight)
        put(2, v, chromaWidth, chromaHeight)
    }

    /// The top-left width x height (even sizes keep the chroma aligned).
    public func cropped(width w: Int, height h: Int) -> YUVPicture {
        if w == width && h == height { return self }
        precondition(w <= width && h <= height)
        func cut(_ p: [UInt8], _ pw: Int, _ cw: Int, _ ch: Int) -> [UInt8] { (0..<ch).flatMap { p[$0 * pw..<$0 * pw + cw] } }
        return YUVPicture(width: w, height: h, y: cut(y, width, w, h), u: cut(u, chromaWidth, (w + 1) / 2, (h + 1) / 2),
                          v: cut(v, chromaWidth, (w + 1) / 2, (h + 1) / 2))
    }

    /// Resized by swscale with `filter` (all three planes).
    public func resized(width w: Int, height h: Int, filter: Scaler.Filter) throws(FFmpegError) -> YUVPicture {
        let src = try Frame.allocate(format: PixelFormat.yuv420p, width: width, height: height)
        store(into: src)
        let dst = try Frame.allocate(format: PixelFormat.yuv420p, width: w, height: h)
        try Scaler(from: PixelFormat.yuv420p, width, height, to: PixelFormat.yuv420p, w, h, filter: filter).scale(src, into: dst)
        return YUVPicture(dst)
    }
}

/// The best video stream of a file, decoded in display order as 8-bit 4:2:0 pictures (other
/// formats converted by swscale).
public final class YUVClipReader {
    private let input: InputFile
    private let decoder: Decoder
    private let stream: Int
    private let packet = Packet()
    private let frame = Frame()
    private var draining = false
    private var converter: (Scaler, Frame)?
    private var quantisers = QuantiserTracker()
    /// Frames per second as a fraction (25/1 when the file does not say).
    public let frameRate: (num: Int, den: Int)

    public init(path: String) throws(FFmpegError) {
        input = try InputFile(url: path)
        guard let vi = input.bestVideoStream() else {
            throw FFmpegError(.invalidArgument, "\(path) has no video stream")
        }
        stream = vi
        decoder = try Decoder(input: input, stream: vi, threads: 1)
        let rate = input.frameRate(stream: vi)
        frameRate = (Int(rate.num), Int(rate.den))
    }

    public var width: Int { decoder.width }
    public var height: Int { decoder.height }

    /// The next picture, or nil at the end of the stream.
    public func next() throws(FFmpegError) -> YUVPicture? {
        while true {
            switch try decoder.receive(into: frame) {
            case .frame:
                defer { frame.unref() }
                return try convert(frame)
            case .endOfStream:
                return nil
            case .needsInput:
                if draining { return nil }
                if try input.read(into: packet) == .endOfFile {
                    draining = true
                    _ = try decoder.send(nil)
                } else if packet.streamIndex == stream {
                    _ = try decoder.send(packet)
                }
            }
        }
    }

    private func convert(_ f: Frame) throws(FFmpegError) -> YUVPicture {
        var picture = try YUVPicture.converted(f, reusing: &converter)
        picture.streamQuantiser = quantisers.add(f.meanQuantiser)
        return picture
    }
}

/// Encodes pictures into a video file: one encoder thread, constant frame rate.
public final class YUVClipWriter {
    /// Makes this process's encodes repeatable: libx264 (FFmpeg 5.1, one thread) reads heap bytes
    /// it never wrote, so the same pixels with the same parameters gave a different clip from run
    /// to run (slow_traffic_small.mp4 at CRF 23, from its second frame on; up to 0.04 dB in
    /// `vsr eval-video`), while the ffmpeg CLI, a fresh process whose heap is still zero, did not.
    /// glibc then fills every new allocation with one fixed byte (M_PERTURB), for the rest of the
    /// process, at the cost of a memset per allocation: for measurements, not for `vsr upscale`.
    public static func makeEncodesRepeatable() { vsr_perturb_heap(0xA5) }

    private let output: OutputFile
    private let encoder: Encoder
    private let stream: Int
    private let frame: Frame
    private let packet = Packet()
    private var count: Int64 = 0

    /// `options` are the encoder's AVOptions (e.g. "crf": "23", "preset": "medium").
    public init(path: String, codec: String, width: Int, height: Int, frameRate fps: (num: Int, den: Int),
                options: [String: String]) throws(FFmpegError) {
        output = try OutputFile(url: path)
        let frameRate = Rational(Int32(fps.num), Int32(fps.den))
        var s = VideoEncoderSettings(codecName: codec, width: width, height: height, pixelFormat: PixelFormat.yuv420p,
                                     timeBase: frameRate.inverse, frameRate: frameRate,
                                     sampleAspectRatio: Rational(1, 1))
        s.threads = 1
        s.globalHeader = output.needsGlobalHeader
        s.options = options
        encoder = try Encoder(s)
        stream = try output.addStream(encoder: encoder)
        try output.writeHeader()
        frame = try Frame.allocate(format: PixelFormat.yuv420p, width: width, height: height)
    }

    public func write(_ picture: YUVPicture) throws(FFmpegError) {
        try check(av_frame_make_writable(frame.pointer), "preparing a frame")  // the encoder may hold the last one
        picture.store(into: frame)
        frame.pts = count
        count += 1
        while try encoder.send(frame) == .full { try drain() }
        try drain()
    }

    /// Flushes the encoder and finishes the file.
    public func finish() throws(FFmpegError) {
        _ = try encoder.send(nil)
        try drain()
        try output.writeTrailer()
    }

    private func drain() throws(FFmpegError) {
        while try encoder.receive(into: packet) == .packet {
            packet.streamIndex = stream
            try output.write(packet, timeBase: encoder.timeBase)
        }
    }
}
