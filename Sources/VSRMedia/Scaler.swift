internal import CFFmpeg

/// A swscale context converting or resizing frames (or single planes) of fixed geometry.
public final class Scaler: @unchecked Sendable {
    let context: OpaquePointer
    public let sourceWidth: Int, sourceHeight: Int, destinationWidth: Int, destinationHeight: Int
    public let sourceFormat: PixelFormat

    public enum Filter: String, Sendable, CaseIterable { case bilinear, bicubic, lanczos, point, area
        var flags: Int32 {
            switch self {
            case .area: SWS_AREA
            case .bilinear: SWS_BILINEAR
            case .bicubic: SWS_BICUBIC
            case .lanczos: SWS_LANCZOS
            case .point: SWS_POINT
            }
        }
    }

    public init(from sf: PixelFormat, _ sw: Int, _ sh: Int, to df: PixelFormat, _ dw: Int, _ dh: Int,
                filter: Filter = .bicubic, sourceFullRange: Bool = false,
                destinationFullRange: Bool = false) throws(FFmpegError) {
        // Accurate rounding and full chroma interpolation: quality matters more than the last %.
        let flags = filter.flags | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
        guard let ctx = sws_getContext(Int32(sw), Int32(sh), sf.av, Int32(dw), Int32(dh), df.av, flags, nil, nil, nil) else {
            let names = "\(sf) \(sw)x\(sh) -> \(df) \(dw)x\(dh)"
            throw FFmpegError(.invalidArgument, "swscale cannot convert \(names)")
        }
        context = ctx
        if sourceFullRange || destinationFullRange {
            // RGB images are full range; keep them so instead of squeezing into 16-235.
            let table = sws_getCoefficients(SWS_CS_ITU601)
            _ = sws_setColorspaceDetails(ctx, table, sourceFullRange ? 1 : 0, table,
                                         destinationFullRange ? 1 : 0, 0, 1 << 16, 1 << 16)
        }
        sourceWidth = sw; sourceHeight = sh; destinationWidth = dw; destinationHeight = dh
        sourceFormat = sf
    }

    deinit { sws_freeContext(context) }

    /// Scales a whole frame (all planes) into `destination`, whose buffers are already allocated.
    public func scale(_ source: Frame, into destination: Frame) {
        withPlanePointers(source, destination) { src, srcStride, dst, dstStride in
            _ = sws_scale(context, src, srcStride, 0, Int32(sourceHeight), dst, dstStride)
        }
    }

    /// Scales one plane (the scaler was made for a single-plane gray format).
    public func scale(_ source: PlaneBuffer, into destination: PlaneBuffer) {
        var src: [UnsafePointer<UInt8>?] = [UnsafePointer(source.base.assumingMemoryBound(to: UInt8.self)), nil, nil, nil]
        var srcStride: [Int32] = [Int32(source.rowBytes), 0, 0, 0]
        var dst: [UnsafeMutablePointer<UInt8>?] = [destination.base.assumingMemoryBound(to: UInt8.self), nil, nil, nil]
        var dstStride: [Int32] = [Int32(destination.rowBytes), 0, 0, 0]
        _ = sws_scale(context, &src, &srcStride, 0, Int32(sourceHeight), &dst, &dstStride)
    }

    private func withPlanePointers(_ s: Frame, _ d: Frame,
                                   _ body: (UnsafePointer<UnsafePointer<UInt8>?>, UnsafePointer<Int32>,
                                            UnsafePointer<UnsafeMutablePointer<UInt8>?>, UnsafePointer<Int32>) -> Void) {
        withUnsafePointer(to: &s.pointer.pointee.data) { sd in
            withUnsafePointer(to: &s.pointer.pointee.linesize) { sl in
                withUnsafePointer(to: &d.pointer.pointee.data) { dd in
                    withUnsafePointer(to: &d.pointer.pointee.linesize) { dl in
                        sd.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                            sl.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                                dd.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                                    dl.withMemoryRebound(to: Int32.self, capacity: 8) { dstStride in
                                        body(src, srcStride, dst, dstStride)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Silences FFmpeg's own stderr logging unless `verbose`: vsr reports every failure itself,
/// in one line, and counts recoverable decode errors.
public func configureFFmpegLogging(verbose: Bool) {
    let loud = verbose || getenv("VSR_FFMPEG_LOG") != nil
    vsr_set_log_level(loud ? AV_LOG_INFO : AV_LOG_FATAL)
    // SVT-AV1 prints its banner itself; 1 = errors only.
    if !loud { setenv("SVT_LOG", "1", 0) }
}
