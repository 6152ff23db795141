internal import CFFmpeg
import Foundation

/// Media bytes held in memory, read by libavformat through a custom AVIOContext: the fuzz
/// target feeds its inputs to the real demuxers this way, without touching the disk.
final class MemoryIO {
    private let bytes: [UInt8]
    private var position = 0
    private(set) var context: UnsafeMutablePointer<AVIOContext>!
    private static let bufferSize = 4096

    init(_ data: Data) {
        bytes = [UInt8](data)
        let buffer = av_malloc(Self.bufferSize)!.assumingMemoryBound(to: UInt8.self)
        context = avio_alloc_context(buffer, Int32(Self.bufferSize), 0, Unmanaged.passUnretained(self).toOpaque(),
                                     { opaque, buf, size in MemoryIO.from(opaque).read(buf!, Int(size)) },
                                     nil,
                                     { opaque, offset, whence in MemoryIO.from(opaque).seek(offset, whence) })
        guard context != nil else { fatalError("avio_alloc_context: out of memory") }
    }

    deinit {
        // libavformat may have replaced the buffer; free whichever it holds now.
        av_freep(&context.pointee.buffer)
        avio_context_free(&context)
    }

    private static func from(_ opaque: UnsafeMutableRawPointer?) -> MemoryIO {
        Unmanaged<MemoryIO>.fromOpaque(opaque!).takeUnretainedValue()
    }

    private func read(_ buf: UnsafeMutablePointer<UInt8>, _ size: Int) -> Int32 {
        let n = min(size, bytes.count - position)
        guard n > 0 else { return vsr_averror_eof() }
        bytes.withUnsafeBufferPointer { buf.update(from: $0.baseAddress! + position, count: n) }
        position += n
        return Int32(n)
    }

    private func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        if whence & AVSEEK_SIZE != 0 { return Int64(bytes.count) }
        let base: Int64
        switch whence & ~AVSEEK_FORCE {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = Int64(position)
        case SEEK_END: base = Int64(bytes.count)
        default: return Int64(vsr_averror(EINVAL))
        }
        let (target, overflow) = base.addingReportingOverflow(offset)
        guard !overflow, target >= 0, target <= Int64(bytes.count) else { return Int64(vsr_averror(EINVAL)) }
        position = Int(target)
        return target
    }
}
