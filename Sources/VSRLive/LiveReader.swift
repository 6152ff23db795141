import VSRFrames
import VSRMedia
import VSRPipeline

/// The reader thread of a live stream.
extension LiveStream {
    /// Reads until stopped (or a file ends), reopening a lost network input with capped
    /// exponential backoff, for ever unless `settings.giveUp` says otherwise (then it returns the
    /// last error). Frames go to `submit`, which never blocks.
    func readLoop(stop: StopFlag, submit: (LiveItem) -> Void) -> String? {
        var input: InputFile? = pendingInput
        pendingInput = nil
        var clock = OutputClock()
        var backoff = Backoff(maximum: settings.maxRetrySeconds)
        while !stop.isRaised, input != nil {
            let lost = readSession(input!, stop: stop, clock: &clock, submit: submit)
            if stop.isRaised || !isNetworkURL(endpoint.input) { break }
            health.set(.reconnecting, error: "input lost (\(lost))")
            notify("\(label): input lost (\(lost)); reconnecting")
            // The old input is closed first: a UDP input holds its port, and a new one could not
            // bind it while it is open (the source came back but was never read again).
            input = nil
            while !stop.isRaised {
                backoff.failed()
                if stop.wait(until: backoff.nextAttempt) { break }
                do {
                    input = try LiveInput.open(endpoint.input, settings: settings, interrupt: interrupt)
                    stats.reconnected()
                    notify("\(label): input back")
                    backoff.succeeded()
                    break
                } catch {
                    let why = "\(error)"
                    if health.down(why) { notify(Camera.downNote(label, why, settings)) }
                    if settings.giveUp.givesUp(secondsNotLive: health.secondsNotLive, everLive: true) { return why }
                }
            }
        }
        return nil
    }

    /// Where the output timeline stands across sessions (reader thread only).
    struct OutputClock {
        var sequence = 0
        /// The last frame's output pts (µs); -1 before the first.
        var lastPTS: Int64 = -1
        /// When the last frame arrived (monotonic ns).
        var lastAt: UInt64 = 0
    }

    /// One connection's worth of packets. Returns why it ended.
    private func readSession(_ input: InputFile, stop: StopFlag, clock: inout OutputClock,
                             submit: (LiveItem) -> Void) -> String {
        guard let vi = input.bestVideoStream(), let decoder = try? Decoder(input: input, stream: vi, threads: 1) else {
            return "no decodable video"
        }
        let audioIndex = input.firstAudioStream
        let timeBases = input.streams.map(\.timeBase)
        let vtb = timeBases[vi]
        let packet = Packet(), frame = Frame()
        let conformer = FrameConformer(layout: layout)
        // Interlaced cameras (analog encoders, broadcast feeds): deinterlaced before upscaling,
        // one frame later (bwdif sends a frame per frame).
        let deinterlacer = Deinterlacer.isInterlaced(input, stream: vi)
            ? try? Deinterlacer(width: decoder.width, height: decoder.height, format: decoder.pixelFormat, timeBase: vtb,
                                sampleAspectRatio: input.sampleAspectRatio(stream: vi), allFrames: false) : nil
        // Output clock: the first session starts at 0; a reconnected one continues from the last
        // frame plus the time that really passed, so the output timeline has the true gap.
        var offset: Int64? = nil
        var sessionStart: UInt64 = 0
        var firstMicros: Int64 = 0
        // The last input timestamp of each stream: a clock that jumps back by more than a second
        // is a source that restarted without the input noticing a gap (UDP): a new session.
        var lastInput: [Int: Int64] = [:]
        func micros(_ ts: Int64, _ tb: Rational) -> Int64 { tb.rescale(ts, to: .microseconds) }

        while !stop.isRaised {
            let r: InputFile.ReadResult
            do { r = try input.read(into: packet) } catch { return error.message }
            if r == .endOfFile { return "end of stream" }
            let index = packet.streamIndex
            guard index < timeBases.count else { continue }  // a stream that appeared mid-session
            let tb = timeBases[index]
            let ts = packet.pts != noTimestamp ? packet.pts : packet.dts
            if ts != noTimestamp, index == vi || index == audioIndex {
                let now = micros(ts, tb)
                if let last = lastInput[index], now < last - 1_000_000 {
                    offset = nil
                    lastInput = [:]
                }
                lastInput[index] = now
            }
            if offset == nil, ts != noTimestamp {
                firstMicros = micros(ts, tb)
                let gap = Int64((monotonicNanos() &- clock.lastAt) / 1000)
                offset = (clock.lastPTS < 0 ? 0 : clock.lastPTS + max(gap, frameMicros)) - firstMicros
                sessionStart = monotonicNanos()
            }
            if settings.realtime, ts != noTimestamp {
                // Pace a local file at its native rate.
                let due = sessionStart &+ UInt64(max(0, micros(ts, tb) - firstMicros)) * 1000
                if due > monotonicNanos() && stop.wait(until: due) { break }
            }
            if index == audioIndex, let offset {
                let p = packet.moveOut()
                p.rescaleTimestamps(from: tb, to: .microseconds)
                p.shiftTimestamps(by: offset)
                _ = audio.pushEvictingOldest(MuxItem(packet: p, timeBase: .microseconds))
                continue
            }
            guard index == vi else { continue }
            if (try? decoder.send(packet)) == nil { stats.decodeError() }
            while (try? decoder.receive(into: frame)) == .frame {
                let decoded = frame.moveOut()
                if decoded.pts == noTimestamp { decoded.pts = decoded.bestEffortTimestamp }
                for f in deinterlacer.map({ (try? $0.deinterlace(decoded)) ?? [] }) ?? [decoded] {
                    let t = f.bestEffortTimestamp != noTimestamp ? f.bestEffortTimestamp : f.pts
                    var pts = (t == noTimestamp ? clock.lastPTS + frameMicros : micros(t, vtb) + (offset ?? 0))
                    if pts <= clock.lastPTS { pts = clock.lastPTS + frameMicros }
                    clock.lastPTS = pts
                    clock.lastAt = monotonicNanos()
                    guard let ready = try? conformer.conform(f) else { continue }
                    stats.received()
                    if health.frameArrived() { notify("\(label): live") }
                    snapshots.received(ready)
                    if let qp = ready.streamQuantiser { stats.metrics.inputQP.set(to: qp) }
                    submit(LiveItem(stream: self, sequence: clock.sequence, frame: ready, received: monotonicNanos(), pts: pts))
                    clock.sequence += 1
                }
            }
        }
        return "stopped"
    }
}

/// An audio packet on its way to the muxer, with the time base of its timestamps.
struct MuxItem: Sendable {
    let packet: Packet
    let timeBase: Rational
}
