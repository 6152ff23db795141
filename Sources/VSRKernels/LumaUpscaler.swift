/// What the pipeline needs from an upscaler: luma planes in, `scale`x larger planes out.
///
/// The upscaler itself is immutable and shared between threads (weights, tables). Each worker
/// thread asks for its own `LumaUpscaleWorker`, which owns the scratch buffers it reuses from
/// frame to frame, so nothing is allocated per frame after the first.
public protocol LumaUpscaler: Sendable {
    var name: String { get }
    var scale: Int { get }
    /// The arithmetic 8-bit frames run in: "fp32" or "int8".
    var precision: String { get }
    func makeWorker() -> any LumaUpscaleWorker
}

extension LumaUpscaler {
    public var precision: String { "fp32" }
}

public protocol LumaUpscaleWorker: AnyObject {
    /// Writes every sample of `destination` (scale * source size, same bit depth).
    func upscale(_ source: LumaPlane, into destination: LumaPlane)
    /// The same, told how strongly the stream is compressed (its recent frames' mean H.264 QP,
    /// `QuantiserTracker`; nil if unknown): a worker with QP-band specialists picks one by it; the
    /// others ignore it.
    func upscale(_ source: LumaPlane, into destination: LumaPlane, streamQP: Double?)
}

extension LumaUpscaleWorker {
    public func upscale(_ source: LumaPlane, into destination: LumaPlane, streamQP: Double?) {
        upscale(source, into: destination)
    }
}

/// Growable scratch that keeps its memory: grows to the largest request, never shrinks.
public struct ScratchBuffer: ~Copyable {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        pointer = .allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// A pointer to at least `count` floats (contents undefined after growth).
    public mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }
}
