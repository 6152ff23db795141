import Dispatch
import VSRKernels
import VSRMedia
import VSRPipeline

/// One worker's tools for turning a decoded frame into an upscaled one: the luma network (or
/// bicubic), swscale for the two chroma planes, and a final conversion when the encoder wants
/// another pixel format (images). Not shared between threads.
public final class FrameUpscaler {
    public let layout: WorkLayout
    let luma: any LumaUpscaleWorker
    let chroma: Scaler
    let outputPool: FramePool
    let encoderConversion: (Scaler, FramePool)?

    public init(layout: WorkLayout, upscaler: any LumaUpscaler, outputPool: FramePool,
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

    /// The upscaled frame, cropped to the encoder's size, its picture type cleared so the
    /// encoder places keyframes itself. `clock` (if any) gets the luma and chroma times.
    public func upscale(_ input: Frame, clock: StageClock? = nil) throws(FFmpegError) -> Frame {
        let out = try outputPool.get()
        out.copyProperties(from: input)
        out.dropQuantisers()
        out.clearPictureType()
        let l = layout, r = l.scale, bytes = l.bytesPerSample
        let src = input.plane(0, width: l.width, height: l.height, bytesPerSample: bytes)
        let dst = out.plane(0, width: l.width * r, height: l.height * r, bytesPerSample: bytes)
        let t0 = monotonicNanos()
        luma.upscale(LumaPlane(src, bitDepth: l.bitDepth), into: LumaPlane(dst, bitDepth: l.bitDepth),
                     streamQP: input.streamQuantiser)
        let t1 = monotonicNanos()
        for p in 1...2 {
            chroma.scale(input.plane(p, width: l.chromaWidth, height: l.chromaHeight, bytesPerSample: bytes),
                         into: out.plane(p, width: l.scaledChromaWidth, height: l.scaledChromaHeight, bytesPerSample: bytes))
        }
        clock?.add(.upscale, nanos: t1 - t0)
        clock?.add(.chroma, nanos: monotonicNanos() - t1)
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
