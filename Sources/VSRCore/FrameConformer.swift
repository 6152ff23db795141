import CFFmpeg
import VSRMedia

/// Decoded frame -> the working format and size, one rule for the file and the live path: a
/// yuvj frame is its yuv twin relabelled (same memory), anything else goes through swscale,
/// which keeps full-range samples full range. (The live path used to convert without the range
/// flags and to take a yuvj420p MJPEG camera for limited range.)
final class FrameConformer {
    let layout: FrameLayout
    private var converter: (Scaler, FramePool)?

    init(layout: FrameLayout) { self.layout = layout }

    func conform(_ f: Frame) throws -> Frame {
        let l = layout
        if MediaSetup.sameLayout(f.pixelFormat) == l.workFormat && f.width == l.width && f.height == l.height {
            f.pointer.pointee.format = l.workFormat.rawValue
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

extension MediaSetup {
    /// Full-range samples: RGB or gray sources, yuvj formats (MJPEG cameras), or a stream that
    /// says so. Conversions then keep the range, and the output is tagged full range.
    static func isFullRange(_ decoder: Decoder) -> Bool {
        let format = decoder.pixelFormat
        guard let desc = av_pix_fmt_desc_get(format)?.pointee else { return false }
        let rgbOrGray = desc.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || desc.nb_components <= 2
        return rgbOrGray || decoder.codecContext.pointee.color_range == AVCOL_RANGE_JPEG
            || sameLayout(format) != format
    }
}
