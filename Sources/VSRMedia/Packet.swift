internal import CFFmpeg

/// Owns one AVPacket. Sending a packet through a queue moves it: only one stage uses it at a time.
public final class Packet: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVPacket>

    public init() {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }

    public var streamIndex: Int {
        get { Int(pointer.pointee.stream_index) }
        set { pointer.pointee.stream_index = Int32(newValue) }
    }
    public var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    /// The packet's payload, copied.
    public var bytes: [UInt8] {
        guard let data = pointer.pointee.data, pointer.pointee.size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(pointer.pointee.size)))
    }

    /// A packet a decoder can start from (IDR, CRA, an I-frame the demuxer marked).
    public var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
    /// How long the packet shows, in the stream's time base (0: unknown).
    public var duration: Int64 {
        get { pointer.pointee.duration }
        set { pointer.pointee.duration = newValue }
    }
    public var dts: Int64 {
        get { pointer.pointee.dts }
        set { pointer.pointee.dts = newValue }
    }
    func unref() { av_packet_unref(pointer) }

    /// Moves this packet's contents into a new Packet and leaves this one blank.
    public func moveOut() -> Packet {
        let p = Packet()
        av_packet_move_ref(p.pointer, pointer)
        return p
    }

    /// Adds `delta` to the known timestamps (moving a stream onto another clock).
    public func shiftTimestamps(by delta: Int64) {
        if pointer.pointee.pts != noTimestamp { pointer.pointee.pts += delta }
        if pointer.pointee.dts != noTimestamp { pointer.pointee.dts += delta }
    }

    public func rescaleTimestamps(from source: Rational, to destination: Rational) {
        av_packet_rescale_ts(pointer, source.av, destination.av)
    }
}
