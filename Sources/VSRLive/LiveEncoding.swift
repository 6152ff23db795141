import VSRMedia
import VSRPipeline

/// The encoder thread of a live stream.
extension LiveStream {
    /// Encodes results in order and writes them; records latency when each packet is written.
    func encodeLoop() throws {
        let packet = Packet()
        var received = [(pts: Int64, at: UInt64)](repeating: (-1, 0), count: 256)
        func drain() throws {
            while try encoder.receive(into: packet) == .packet {
                let pts = packet.pts
                let p = packet.moveOut()
                if try output.write(p, timeBase: encoder.timeBase, audio: false) {
                    let slot = received[Int(UInt64(bitPattern: pts) % 256)]
                    if slot.pts == pts { stats.wrote(latencyMilliseconds: Double(monotonicNanos() &- slot.at) / 1e6) }
                } else {
                    stats.droppedOne()  // the receiver is away
                }
                try writeAudio()
            }
        }
        let budget = UInt64(settings.maxLatencyMilliseconds * 1e6)
        var last: (frame: Frame, pts: Int64)? = nil
        var lastEncoded: Int64 = -1
        func encode(_ f: Frame, pts: Int64) throws {
            let t0 = monotonicNanos()
            defer { encodeBusy.increment(by: Double(monotonicNanos() &- t0) / 1e9) }
            f.pts = lastEncoded < 0 ? pts : max(pts, lastEncoded + frameMicros)  // increasing, whatever the input did
            lastEncoded = f.pts
            if output.needsKeyframe { f.markKeyframe() } else { f.clearPictureType() }
            output.keyframeRequested()
            while try encoder.send(f) == .full { try drain() }
            try drain()
        }
        loop: while true {
            switch results.pop(timeout: 1) {
            case .end:
                break loop
            case .timedOut:
                // The input is down (reconnecting): repeat the last picture once a second so
                // viewers keep a live, frozen stream rather than a dead one.
                if let (frame, pts) = last {
                    last = (frame, pts + 1_000_000)
                    try encode(frame, pts: pts + 1_000_000)
                    stats.repeatedOne()
                }
            case .item(.dropped):
                continue
            case .item(.frame(let f, let at, let pts)):
                // The last line of defence of the budget: when even the encoder falls behind (too
                // many cameras for the cores), a frame already over budget is not encoded at all.
                if monotonicNanos() &- at > budget {
                    stats.droppedOne()
                    continue
                }
                let encodedPTS = lastEncoded < 0 ? pts : max(pts, lastEncoded + frameMicros)
                received[Int(UInt64(bitPattern: encodedPTS) % 256)] = (encodedPTS, at)
                try encode(f, pts: pts)
                last = (f, f.pts)
                snapshots.produced(f)
            }
        }
        _ = try encoder.send(nil)
        try drain()
        try writeAudio()
        try output.finish()
    }

    private func writeAudio() throws {
        while case .item(let a) = audio.pop(timeout: 0) {
            // Muxers refuse a decreasing dts; a packet from before a source's clock restart is
            // dropped rather than ending the stream.
            let dts = a.packet.dts != noTimestamp ? a.packet.dts : a.packet.pts
            if dts != noTimestamp {
                if dts <= lastAudioDTS { continue }
                lastAudioDTS = dts
            }
            _ = try output.write(a.packet, timeBase: a.timeBase, audio: true)
        }
    }
}
