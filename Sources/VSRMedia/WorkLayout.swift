/// The planar YUV format frames are upscaled in, and its geometry: one set of rules for the
/// file job and the live job.
public struct WorkLayout: Sendable {
    public let workFormat: PixelFormat
    public let width: Int, height: Int
    public let scale: Int
    public let bitDepth: Int
    public let chromaWidth: Int, chromaHeight: Int
    /// The upscaled frame's chroma planes: ceil(scale * width / 2^log2), one sample short of
    /// scale * chromaWidth when the width is odd (641 -> 321 chroma, 1282 -> 641, not 642).
    public let scaledChromaWidth: Int, scaledChromaHeight: Int
    /// Full-range samples (RGB images, yuvj MJPEG cameras, streams tagged so): conversions keep
    /// the range and the output is tagged full range.
    public let fullRange: Bool
    /// The size the encoder takes: scale x the input, or one pixel less where a 4:2:0 encoder
    /// refuses an odd size (Encoder.openCroppingToEven).
    public var encodedWidth: Int, encodedHeight: Int

    public init(workFormat: PixelFormat, width: Int, height: Int, scale: Int, fullRange: Bool) {
        self.workFormat = workFormat
        self.width = width
        self.height = height
        self.scale = scale
        self.fullRange = fullRange
        bitDepth = workFormat.bitDepth
        (chromaWidth, chromaHeight) = workFormat.planeSize(width: width, height: height, plane: 1)
        (scaledChromaWidth, scaledChromaHeight) = workFormat.planeSize(width: width * scale, height: height * scale, plane: 1)
        encodedWidth = width * scale
        encodedHeight = height * scale
    }

    /// The working format for what `decoder` produces: 4:2:0 for video (8 or 10 bit, as the
    /// input), 4:4:4 for images, so a PNG keeps its colour detail; full range as the decoder says.
    public init(for decoder: Decoder, scale: Int, image: Bool) {
        let deep = decoder.pixelFormat.bitDepth > 8
        let work: PixelFormat = image ? (deep ? .yuv444p16 : .yuv444p) : (deep ? .yuv420p10 : .yuv420p)
        self.init(workFormat: work, width: decoder.width, height: decoder.height, scale: scale,
                  fullRange: decoder.isFullRange)
    }

    /// Whether frames of `format` need converting (not merely relabelling) to the working format.
    public func needsConversion(from format: PixelFormat) -> Bool { format.sameMemoryLayout != workFormat }

    public var bytesPerSample: Int { bitDepth > 8 ? 2 : 1 }
    /// The one-plane format swscale uses for a chroma plane of this layout.
    public var chromaPlaneFormat: PixelFormat { .singlePlane(bitDepth: bitDepth) }
    public var outputWidth: Int { width * scale }
    public var outputHeight: Int { height * scale }
}

/// Decoded frame -> the working format and size, one rule for the file and the live path: a
/// yuvj frame is its yuv twin relabelled (same memory), anything else goes through swscale,
/// which keeps full-range samples full range. (The live path used to convert without the range
/// flags and to take a yuvj420p MJPEG camera for limited range.)
public final class FrameConformer {
    public let layout: WorkLayout
    private var converter: (Scaler, FramePool)?
    private var quantisers = QuantiserTracker()

    public init(layout: WorkLayout) { self.layout = layout }

    /// Also stamps the stream's compression level on the frame (frames arrive in decode order here).
    public func conform(_ f: Frame) throws(FFmpegError) -> Frame {
        let ready = try converted(f)
        ready.streamQuantiser = quantisers.add(f.meanQuantiser)
        return ready
    }

    private func converted(_ f: Frame) throws(FFmpegError) -> Frame {
        let l = layout
        if !l.needsConversion(from: f.pixelFormat) && f.width == l.width && f.height == l.height {
            f.relabel(as: l.workFormat)
            return f
        }
        if converter == nil || converter!.0.sourceWidth != f.width || converter!.0.sourceHeight != f.height
            || converter!.0.sourceFormat != f.pixelFormat {
            let s = try Scaler(from: f.pixelFormat, f.width, f.height, to: l.workFormat, l.width, l.height,
                               filter: .bicubic, sourceFullRange: l.fullRange, destinationFullRange: l.fullRange)
            converter = (s, try FramePool(format: l.workFormat, width: l.width, height: l.height))
        }
        let (scaler, pool) = converter!
        let out = try pool.get()
        out.copyProperties(from: f)
        scaler.scale(f, into: out)
        return out
    }
}
