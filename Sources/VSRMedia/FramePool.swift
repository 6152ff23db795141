internal import CFFmpeg

/// Frames of one format and size whose buffers are recycled through FFmpeg's AVBufferPool: when
/// the last reference to a frame's buffer goes (ours or the encoder's), the memory returns to the
/// pool. Memory is therefore bounded by the frames in flight, which the queues bound.
public final class FramePool: @unchecked Sendable {
    public let format: PixelFormat
    public let width: Int, height: Int
    private var pools: [OpaquePointer] = []
    private var lineSizes: [Int32] = []

    public init(format: PixelFormat, width: Int, height: Int) throws(FFmpegError) {
        self.format = format
        self.width = width
        self.height = height
        guard av_pix_fmt_desc_get(format.av) != nil else { throw FFmpegError(.invalidArgument, "unknown pixel format") }
        var sizes = [Int32](repeating: 0, count: 4)
        try check(av_image_fill_linesizes(&sizes, format.av, Int32(width)), "sizing a \(format) frame")
        let planes = Int(av_pix_fmt_count_planes(format.av))
        for p in 0..<planes {
            let aligned = (sizes[p] + 63) & ~63  // 64-byte rows: aligned SIMD loads, no false sharing
            let rows = format.planeSize(width: width, height: height, plane: p).height
            // Padding past the last row: SIMD kernels may read a vector beyond a row's end.
            let bytes = Int(aligned) * rows + 64
            guard let pool = av_buffer_pool_init(bytes, nil) else { fatalError("av_buffer_pool_init: out of memory") }
            pools.append(pool)
            lineSizes.append(aligned)
        }
    }

    deinit {
        for var p in pools.map(Optional.some) { av_buffer_pool_uninit(&p) }
    }

    /// A frame with pooled buffers (contents undefined).
    public func get() throws(FFmpegError) -> Frame {
        let frame = Frame()
        let f = frame.pointer
        f.pointee.format = format.rawValue
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        try withUnsafeMutablePointer(to: &f.pointee.buf) { bufTuple throws(FFmpegError) in
            try bufTuple.withMemoryRebound(to: UnsafeMutablePointer<AVBufferRef>?.self, capacity: 8) { bufs throws(FFmpegError) in
                try withUnsafeMutablePointer(to: &f.pointee.data) { dataTuple throws(FFmpegError) in
                    try dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { data throws(FFmpegError) in
                        try withUnsafeMutablePointer(to: &f.pointee.linesize) { lsTuple throws(FFmpegError) in
                            lsTuple.withMemoryRebound(to: Int32.self, capacity: 8) { ls in
                                for (i, pool) in pools.enumerated() {
                                    bufs[i] = av_buffer_pool_get(pool)
                                    data[i] = bufs[i]?.pointee.data
                                    ls[i] = lineSizes[i]
                                }
                            }
                            if (0..<pools.count).contains(where: { bufs[$0] == nil }) {
                                throw FFmpegError(.outOfMemory, "allocating a frame")
                            }
                        }
                    }
                }
            }
        }
        return frame
    }
}
