import CFFmpeg
import Dispatch
import VSRKernels
import VSRMedia

/// One worker's tools for turning a decoded frame into an upscaled one: the luma network (or
/// bicubic), swscale for the two chroma planes, and a final conversion when the encoder wants
/// another pixel format (images). Not shared between threads.
final class FrameUpscaler {
    let layout: FrameLayout
    let luma: any LumaUpscaleWorker
    let chroma: Scaler
    let outputPool: FramePool
    let encoderConversion: (Scaler, FramePool)?

    init(layout: FrameLayout, upscaler: any LumaUpscaler, outputPool: FramePool,
         encoderPool: FramePool?) throws(FFmpegError) {
        self.layout = layout
        luma = upscaler.makeWorker()
        chroma = try Scaler(from: layout.chromaPlaneFormat, layout.chromaWidth, layout.chromaHeight,
                            to: layout.chromaPlaneFormat, layout.scaledChromaWidth,
                            layout.scaledChromaHeight, filter: .bicubic)
        self.outputPool = outputPool
        if let encoderPool {
            let s = try Scaler(from: layout.workFormat, outputPool.width, outputPool.height,
                               to: encoderPool.format, encoderPool.width, encoderPool.height,
                               filter: .point, sourceFullRange: layout.fullRange,
                               destinationFullRange: layout.fullRange)
            encoderConversion = (s, encoderPool)
        } else {
            encoderConversion = nil
        }
    }

    func upscale(_ input: Frame, clock: StageClock? = nil) throws(FFmpegError) -> Frame {
        let out = try outputPool.get()
        out.copyProperties(from: input)
        let l = layout, r = l.scale, bytes = l.bytesPerSample
        let src = input.plane(0, width: l.width, height: l.height, bytesPerSample: bytes)
        let dst = out.plane(0, width: l.width * r, height: l.height * r, bytesPerSample: bytes)
        let t0 = DispatchTime.now().uptimeNanoseconds
        luma.upscale(LumaPlane(src, bitDepth: l.bitDepth), into: LumaPlane(dst, bitDepth: l.bitDepth))
        let t1 = DispatchTime.now().uptimeNanoseconds
        for p in 1...2 {
            chroma.scale(input.plane(p, width: l.chromaWidth, height: l.chromaHeight, bytesPerSample: bytes),
                         into: out.plane(p, width: l.scaledChromaWidth, height: l.scaledChromaHeight, bytesPerSample: bytes))
        }
        clock?.add(.upscale, nanos: t1 - t0)
        clock?.add(.chroma, nanos: DispatchTime.now().uptimeNanoseconds - t1)
        guard let (converter, pool) = encoderConversion else {
            out.crop(width: l.encodedWidth, height: l.encodedHeight)
            return out
        }
        let converted = try pool.get()
        converted.copyProperties(from: out)
        converter.scale(out, into: converted)
        converted.crop(width: l.encodedWidth, height: l.encodedHeight)
        return converted
    }
}

extension LumaPlane {
    init(_ p: PlaneBuffer, bitDepth: Int) {
        self.init(base: p.base, width: p.width, height: p.height, rowBytes: p.rowBytes, bitDepth: bitDepth)
    }
}

/// The planar YUV format frames are upscaled in, and its geometry.
struct FrameLayout: Sendable {
    let workFormat: AVPixelFormat
    let width: Int, height: Int
    let scale: Int
    let bitDepth: Int
    let chromaWidth: Int, chromaHeight: Int
    /// The upscaled frame's chroma planes: ceil(scale * width / 2^log2), one sample short of
    /// scale * chromaWidth when the width is odd (641 -> 321 chroma, 1282 -> 641, not 642).
    let scaledChromaWidth: Int, scaledChromaHeight: Int
    /// Full-range samples (images from RGB, JPEG): conversions keep the range.
    let fullRange: Bool
    /// The size the encoder takes: scale x the input, or one pixel less where a 4:2:0 encoder
    /// refuses an odd size (Encoder.openCroppingToEven).
    var encodedWidth: Int, encodedHeight: Int

    init(workFormat: AVPixelFormat, width: Int, height: Int, scale: Int, fullRange: Bool) {
        self.workFormat = workFormat
        self.width = width
        self.height = height
        self.scale = scale
        self.fullRange = fullRange
        let d = av_pix_fmt_desc_get(workFormat)!.pointee
        bitDepth = Int(d.comp.0.depth)
        (chromaWidth, chromaHeight) = planeSize(workFormat, width: width, height: height, plane: 1)
        (scaledChromaWidth, scaledChromaHeight) = planeSize(workFormat, width: width * scale, height: height * scale, plane: 1)
        encodedWidth = width * scale
        encodedHeight = height * scale
    }

    var bytesPerSample: Int { bitDepth > 8 ? 2 : 1 }
    /// The one-plane format swscale uses for a chroma plane of this layout.
    var chromaPlaneFormat: AVPixelFormat {
        switch bitDepth {
        case 8: AV_PIX_FMT_GRAY8
        case 9...10: AV_PIX_FMT_GRAY10LE
        case 11...12: AV_PIX_FMT_GRAY12LE
        default: AV_PIX_FMT_GRAY16LE
        }
    }
}
