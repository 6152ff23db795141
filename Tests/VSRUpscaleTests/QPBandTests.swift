import Foundation
import Testing
import VSRKernels
import VSRMedia
import VSRTestSupport

/// Bicubic x2 that records the QP each frame arrived with (what a QP-banded model picks by).
struct QPRecorder: LumaUpscaler {
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var qps: [Double?] = []
        func add(_ qp: Double?) { lock.withLock { qps.append(qp) } }
        var all: [Double?] { lock.withLock { qps } }
    }
    let log = Log()
    var name: String { "qp-recorder" }
    var scale: Int { 2 }
    func makeWorker() -> any LumaUpscaleWorker { Worker(log: log) }

    final class Worker: LumaUpscaleWorker {
        let log: Log
        let inner = BicubicUpscaler(scale: 2).makeWorker()
        init(log: Log) { self.log = log }
        func upscale(_ s: LumaPlane, into d: LumaPlane) { upscale(s, into: d, streamQP: nil) }
        func upscale(_ s: LumaPlane, into d: LumaPlane, streamQP: Double?) {
            log.add(streamQP)
            inner.upscale(s, into: d)
        }
    }
}

@Suite(.serialized)
struct QPBandTests {
    let folder = NSTemporaryDirectory() + "vsr-qp-test-\(UUID().uuidString)"

    /// The QPs the upscaler saw for every frame of `codecArgs`' encode of a moving test pattern.
    func seenQPs(_ codecArgs: [String], pixelFormat: String = "yuv420p", container: String = "mkv") throws -> [Double?] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let id = UUID().uuidString
        let input = folder + "/in-\(id).\(container)", output = folder + "/out-\(id).mkv"
        try makeClip(input, seconds: 0.48, extra: ["-pix_fmt", pixelFormat] + codecArgs)
        let recorder = QPRecorder()
        try upscale(input, output, upscaler: recorder)
        return recorder.log.all
    }

    /// H.264 at a constant QP (no rate control, no adaptive quantisation, same QP for I/P/B):
    /// every frame reaches the upscaler with exactly that QP, through the decoder and the
    /// pixel-format conversion alike.
    @Test(arguments: [(20, "yuv420p"), (34, "yuv420p"), (30, "yuv444p")])
    func h264FramesArriveWithTheirQP(qp: Int, pixelFormat: String) throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let qps = try seenQPs(["-c:v", "libx264", "-x264-params", "qp=\(qp):ipratio=1:pbratio=1:aq-mode=0"],
                              pixelFormat: pixelFormat)
        #expect(qps.count == 12)
        #expect(qps.allSatisfy { $0 == Double(qp) }, "\(qps)")
    }

    /// Rate-controlled H.264 varies by frame type; adaptive quantisation varies by macroblock:
    /// the mean stays within the codec's range and differs between I and B frames.
    @Test func rateControlledH264GivesPlausibleMeans() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let qps = try seenQPs(["-c:v", "libx264", "-crf", "28"]).compactMap { $0 }
        #expect(qps.count == 12)
        #expect(qps.allSatisfy { (10...51).contains($0) } && Set(qps).count > 1, "\(qps)")
    }

    /// Codecs whose quantiser is on another scale (or not exported) give none: the general model runs.
    @Test func otherCodecsGiveNoQP() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try seenQPs(["-c:v", "libx265", "-x265-params", "log-level=error"]).allSatisfy { $0 == nil })
        #expect(try seenQPs(["-c:v", "mpeg2video", "-q:v", "5"]).allSatisfy { $0 == nil })
        #expect(try seenQPs(["-c:v", "ffv1"]).allSatisfy { $0 == nil })
    }

    /// The banded worker's output equals its chosen network's own output: the band holding the
    /// QP (lower bound in, upper bound out), the general network for no QP or one outside all bands.
    @Test func bandedWorkerRunsTheBandHoldingTheQP() {
        func net(_ seed: UInt64) -> NetworkUpscaler {
            let n = randomNetwork(channels: [8, 4], kernels: [3, 1], activations: [.prelu], scale: 2, residual: .bicubic, seed: seed)
            return NetworkUpscaler(try! CompiledNetwork(n, blocking: .standard), name: "n\(seed)")
        }
        let general = net(1), low = net(2), high = net(3)
        let banded = QPBandedUpscaler(general: general, bands: [.init(qp: 0..<26, upscaler: low), .init(qp: 26..<40, upscaler: high)])
        let input = randomPlane(width: 13, height: 7, bitDepth: 8, seed: 9)
        func output(_ worker: any LumaUpscaleWorker, _ qp: Double?) -> [UInt8] {
            let out = TestPlane(width: 26, height: 14, bitDepth: 8) { _, _ in 0 }
            worker.upscale(input.plane, into: out.plane, streamQP: qp)
            return (0..<14).flatMap { y in (0..<26).map { UInt8(out.value($0, y)) } }
        }
        let expected = [general, low, high].map { output($0.makeWorker(), nil) }
        #expect(Set(expected).count == 3)
        let worker = banded.makeWorker()
        for (qp, which) in [(nil, 0), (12.0, 1), (0, 1), (25.99, 1), (26, 2), (39.5, 2), (40, 0), (51, 0), (-1, 0), (.nan, 0)] as [(Double?, Int)] {
            #expect(output(worker, qp) == expected[which], "QP \(String(describing: qp))")
        }
        #expect(banded.name == "n1 by QP" && banded.scale == 2)
    }
}

/// The stream level the specialists are picked by: the mean QP of the last 16 frames.
struct QuantiserTrackerTests {
    @Test func constantStreamIsItsQP() {
        var t = QuantiserTracker()
        #expect(t.add(nil) == nil)
        for _ in 0..<40 { #expect(t.add(27) == 27) }
    }

    /// An I/P/B pattern gives the mean of the frames in the window, from the first frame on;
    /// frames without a QP leave the level as it was; one outlier moves it by a sixteenth of its
    /// distance and is forgotten 16 frames later.
    @Test func levelIsTheMeanOfTheLast16Frames() {
        var t = QuantiserTracker()
        let gop: [Double] = [26] + Array(repeating: [27, 30, 31, 30], count: 6).flatMap { $0 }
        var seen: [Double] = []
        for _ in 0..<3 {
            for q in gop {
                seen.append(q)
                let level = t.add(q) ?? .nan
                let window = seen.suffix(16)
                #expect(abs(level - window.reduce(0, +) / Double(window.count)) < 1e-9)
                #expect((26...31).contains(level))
            }
        }
        let before = t.level ?? .nan
        #expect(t.add(nil) == before && t.add(.infinity) == before)
        let after = t.add(before + 16) ?? .nan
        #expect(abs(after - before - 1 + (seen[seen.count - 16] - before) / 16) < 1e-9)
        for _ in 0..<16 { _ = t.add(29) }
        #expect(t.level == 29)
    }
}
