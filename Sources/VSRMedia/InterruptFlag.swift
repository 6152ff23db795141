internal import CFFmpeg

/// A flag FFmpeg polls during blocking I/O: once raised, opens and reads on every input given
/// this flag return AVERROR_EXIT. Raising is thread-safe (an atomic store); that is its purpose.
public final class InterruptFlag: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>

    public init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }

    deinit { pointer.deallocate() }

    public func raise() { vsr_flag_raise(pointer) }
}
