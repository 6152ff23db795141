import Foundation
import Testing
import VSRKernels
import VSRLive
import VSRTestSupport
import VSRUpscale
import VSRMedia
import VSRPipeline

extension LiveCameras {
    /// Loopback only, bounded in time: a real source from the ffmpeg CLI, vsr stream in-process.
    @Suite(.serialized)
    struct StreamTests {
        static func freePort() -> Int { Int.random(in: 20_000...40_000) }

        /// Starts `ffmpeg -re` sending a test pattern; returns the process.
        static func source(_ url: String, seconds: Double, format: String = "mpegts") throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25",
                           "-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                           "-g", "10", "-f", format, url]
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }

        static func settings(duration: Double) -> StreamSettings {
            var s = StreamSettings()
            s.duration = duration
            s.statsInterval = 100
            s.timeoutSeconds = 3
            s.workers = 2
            return s
        }

        /// The stream's totals and the closing advice, if any.
        struct Outcome: CustomStringConvertible {
            let report: StreamStats.Report
            let advice: String?
            var description: String { "\(report) advice: \(advice ?? "none")" }
        }

        static func run(_ endpoint: StreamEndpoint, _ settings: StreamSettings, upscaler: any LumaUpscaler = BicubicUpscaler(scale: 2)) throws -> Outcome {
            configureFFmpegLogging(verbose: false)
            let job = StreamJob(endpoints: [endpoint], settings: settings, upscaler: upscaler, notify: { _ in }, report: { _ in })
            let summary = try job.run()
            return Outcome(report: summary.streams[0], advice: summary.advice)
        }

        static func packetTimes(_ path: String) throws -> [Double] { try VSRTestSupport.packetTimes(path) }

        /// Upscales a file with the library, as `vsr upscale` does.
        static func upscale(_ input: String, _ output: String, encoder: String) throws {
            var o = UpscaleOptions(input: input, output: output)
            o.encoder = encoder
            _ = try UpscaleJob(options: o, upscaler: BicubicUpscaler(scale: 2), notify: { _ in }).run()
        }

        @Test func udpSourceIsUpscaledWithMonotonicTimestamps() throws {
            let s = Scratch()
            let port = Self.freePort()
            let output = s.path("out.ts")
            let sender = Thread {
                Thread.sleep(forTimeInterval: 0.5)
                _ = try? Self.source("udp://127.0.0.1:\(port)?pkt_size=1316", seconds: 4)
            }
            sender.start()
            var settings = Self.settings(duration: 4)
            settings.maxLatencyMilliseconds = 400
            let r = try Self.run(StreamEndpoint(input: "udp://127.0.0.1:\(port)", output: output), settings)
            let framesOut = r.report.framesOut
            #expect(framesOut > 25, "\(r)")
            #expect(r.report.latencyMsP99 <= 400, "\(r)")
            // Bicubic keeps up with a small stream. The rest of the suite loads both cores meanwhile:
            // 79 of 99 frames were upscaled in time once (99 of 99 alone), so 70 %, well above what a
            // broken fallback would give.
            #expect(r.report.upscaled * 10 >= r.report.framesIn * 7, "\(r)")
            let v = try videoStream(output)
            #expect(v.width == 320 && v.height == 192)
            let t = try Self.packetTimes(output)
            #expect(t.count == framesOut)
            #expect(zip(t.dropFirst(), t).allSatisfy { $0 > $1 }, "timestamps must increase")
        }

        /// Y statistics of the first frames, as stored (no range conversion): signalstats' YAVG,
        /// YLOW (10th percentile) and YHIGH (90th), averaged over the frames.
        static func lumaLevels(_ path: String) throws -> [Double] {
            let j = try probe("movie=\(path),trim=end_frame=10,signalstats", ["-f", "lavfi", "-show_entries",
                              "frame_tags=lavfi.signalstats.YAVG,lavfi.signalstats.YLOW,lavfi.signalstats.YHIGH"])
            let frames = j.frames!.map { $0.tags ?? [:] }
            return ["YAVG", "YLOW", "YHIGH"].map { k in frames.map { Double($0["lavfi.signalstats.\(k)"]!)! }.reduce(0, +) / Double(frames.count) }
        }

        /// MJPEG cameras send full-range yuvj420p (or yuvj422p, converted to 4:2:0 for upscaling):
        /// their levels come through `vsr stream` exactly as through `vsr upscale`, one WorkLayout and
        /// one FrameConformer for both paths (the live path took yuvj420p for limited range and
        /// converted yuvj422p without the range flags, squeezing black and white to 16-235).
        @Test(arguments: ["yuvj420p", "yuvj422p"])
        func fullRangeMJPEGKeepsItsLevelsLiveAsInFiles(pixelFormat: String) throws {
            let s = Scratch()
            try makeClip(s.path("cam.avi"), video: "testsrc2=size=160x96:rate=25", seconds: 1, extra: ["-c:v", "mjpeg", "-pix_fmt", pixelFormat])
            try Self.upscale(s.path("cam.avi"), s.path("file.mkv"), encoder: "ffv1")
            var settings = Self.settings(duration: 0.8)
            settings.realtime = true
            settings.encoder = "ffv1"
            _ = try Self.run(StreamEndpoint(input: s.path("cam.avi"), output: s.path("live.mkv")), settings)
            let file = try Self.lumaLevels(s.path("file.mkv")), live = try Self.lumaLevels(s.path("live.mkv"))
            let source = try Self.lumaLevels(s.path("cam.avi"))
            #expect(file[2] - file[1] > 0.9 * (source[2] - source[1]), "the file path keeps the full range: \(file) vs \(source)")
            for i in 0..<3 { #expect(abs(file[i] - live[i]) < 3, "file \(file) vs live \(live)") }
            #expect(try videoStream(s.path("file.mkv")).colorRange == "pc", "the file is tagged full range")
            #expect(try videoStream(s.path("live.mkv")).colorRange == "pc", "the stream is tagged full range")
        }

        /// A network that takes 150 ms a frame on a 25 fps source: the input is never held up,
        /// late frames fall back (or are dropped), every frame is accounted for, latency is bounded.
        @Test(arguments: [OverloadPolicy.bicubic, .drop])
        func slowUpscalerNeverBlocksTheInput(policy: OverloadPolicy) throws {
            let s = Scratch()
            try makeClip(s.path("in.mp4"), video: "testsrc2=size=160x96:rate=25", seconds: 4, extra: ["-c:v", "libx264"])
            var settings = Self.settings(duration: 3)
            settings.realtime = true
            settings.overload = policy
            settings.maxLatencyMilliseconds = 300
            settings.workers = 1
            let r = try Self.run(StreamEndpoint(input: s.path("in.mp4"), output: s.path("out.ts")), settings, upscaler: DelayedBicubic(delay: 0.15))
            let framesIn = r.report.framesIn, framesOut = r.report.framesOut
            let upscaled = r.report.upscaled, fallback = r.report.fallback, dropped = r.report.dropped
            #expect(framesIn >= 60, "the reader must keep pace with the 25 fps source: \(r)")
            #expect(upscaled + fallback + dropped == framesIn, "\(r)")
            if policy == .bicubic {
                #expect(fallback > 0 && dropped == 0 && framesOut == framesIn, "\(r)")
            } else {
                #expect(dropped > 0 && fallback == 0 && framesOut + dropped == framesIn, "\(r)")
            }
            #expect(upscaled > 0 && upscaled < framesIn / 2, "\(r)")
            #expect(r.advice?.contains("not upscaled in time") == true, "the summary says what to change: \(r)")
            #expect(r.report.latencyMsP99 <= 300 + 150, "\(r)")
        }

        @Test func reconnectsWhenTheSourceRestarts() throws {
            let s = Scratch()
            let port = Self.freePort()
            let url = "tcp://127.0.0.1:\(port)"
            let restarts = Thread {
                // The source is a TCP server: up 3 s, down about 1 s, up again.
                if let first = try? Self.source(url + "?listen=1", seconds: 3) {
                    first.waitUntilExit()
                    Thread.sleep(forTimeInterval: 1)
                    _ = try? Self.source(url + "?listen=1", seconds: 4)
                }
            }
            restarts.start()
            Thread.sleep(forTimeInterval: 0.5)  // let the server listen
            var settings = Self.settings(duration: 7.5)
            settings.timeoutSeconds = 2
            let r = try Self.run(StreamEndpoint(input: url, output: s.path("out.ts")), settings)
            #expect(r.report.reconnects >= 1, "\(r)")
            #expect(r.report.framesOut > 60, "frames from both sessions: \(r)")
            let t = try Self.packetTimes(s.path("out.ts"))
            #expect(zip(t.dropFirst(), t).allSatisfy { $0 > $1 }, "timestamps must stay monotonic across the reconnect")
            // While the source was down the last picture was repeated once a second.
            let widest = zip(t.dropFirst(), t).map { $0 - $1 }.max() ?? 0
            print("widest gap in the output: \(widest) s")
            #expect(widest < 1.6, "the output went silent for \(widest) s while the input was down")
        }

        /// A UDP camera that restarts (its clock starting over) within the input timeout: no reconnect
        /// is seen, the timestamps jump back. Audio packets with a decreasing dts made the muxer fail,
        /// and the failure left the workers blocked: vsr hung. Now the new clock starts a new session.
        @Test(.timeLimit(.minutes(1))) func sourceClockRestartWithoutAGapIsANewSession() throws {
            let s = Scratch()
            let port = Self.freePort()
            let url = "udp://127.0.0.1:\(port)?pkt_size=1316"
            @Sendable func camera(_ seconds: Double) throws -> Process {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25",
                               "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds),
                               "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10",
                               "-c:a", "aac", "-f", "mpegts", url]
                p.standardError = FileHandle.nullDevice
                try p.run()
                return p
            }
            let sources = Thread {
                if let first = try? camera(3) {
                    first.waitUntilExit()
                    Thread.sleep(forTimeInterval: 0.5)
                    _ = try? camera(3)
                }
            }
            sources.start()
            var settings = Self.settings(duration: 7.5)
            settings.timeoutSeconds = 3
            let r = try Self.run(StreamEndpoint(input: "udp://127.0.0.1:\(port)", output: s.path("out.ts")), settings)
            #expect(r.report.framesOut > 110, "frames from both sessions: \(r)")
            let t = try Self.packetTimes(s.path("out.ts"))
            #expect(zip(t.dropFirst(), t).allSatisfy { $0 > $1 }, "video timestamps must stay monotonic")
            #expect(try audioPacketHashes(s.path("out.ts")).count > 150, "audio from both sessions")
        }

        /// The protocols cameras and media servers speak besides UDP/TCP: vsr calls an SRT listener
        /// (an encoder in listener mode) and publishes FLV to an RTMP server (ffmpeg's own `-listen`).
        @Test func srtInputAndRtmpOutput() throws {
            let s = Scratch()
            let srtPort = Self.freePort(), rtmpPort = Self.freePort() + 1
            let received = s.path("received.flv")
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["ffmpeg", "-v", "error", "-listen", "1", "-i", "rtmp://127.0.0.1:\(rtmpPort)/live/door",
                                "-c", "copy", "-y", received]
            server.standardError = FileHandle.nullDevice
            try server.run()
            let camera = try Self.source("srt://127.0.0.1:\(srtPort)?mode=listener&latency=50000", seconds: 6)
            defer { camera.terminate(); server.terminate() }
            Thread.sleep(forTimeInterval: 0.5)  // both listeners up
            let r = try Self.run(StreamEndpoint(input: "srt://127.0.0.1:\(srtPort)", output: "rtmp://127.0.0.1:\(rtmpPort)/live/door"),
                                 Self.settings(duration: 3))
            #expect(r.report.framesOut > 25, "\(r)")
            // The server finishes its file when the publisher disconnects.
            let deadline = Date().addingTimeInterval(10)
            while server.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            #expect(!server.isRunning, "the RTMP server did not see the stream end")
            let v = try videoStream(received)
            #expect(v.width == 320 && v.height == 192, "\(v)")
            #expect(Int(v.nbReadFrames ?? "") ?? 0 > 25, "\(v)")
        }

        /// A camera with a 7 s keyframe interval, joined just after a keyframe, with a 2 s timeout:
        /// packets keep coming, so vsr waits for the next keyframe instead of failing after the
        /// timeout ("sent no keyframe within 2 s" before).
        @Test(.timeLimit(.minutes(1))) func longGOPCameraJoinedMidGOPStarts() throws {
            let s = Scratch()
            let port = Self.freePort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "14",
                           "-c:v", "libx264", "-preset", "ultrafast", "-g", "175", "-keyint_min", "175", "-sc_threshold", "0",
                           "-f", "mpegts", "udp://127.0.0.1:\(port)?pkt_size=1316"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            defer { p.terminate() }
            Thread.sleep(forTimeInterval: 1.5)  // the first keyframe has gone by
            // --duration counts from the start, the wait for the keyframe included.
            var settings = Self.settings(duration: 8)
            settings.timeoutSeconds = 2
            let start = Date()
            let r = try Self.run(StreamEndpoint(input: "udp://127.0.0.1:\(port)", output: s.path("out.ts")), settings)
            #expect(r.report.framesOut > 25, "\(r)")
            #expect(Date().timeIntervalSince(start) > 4, "it waited for the keyframe at 7 s")
        }

        /// An interlaced source is deinterlaced live too: progressive output, every frame through.
        @Test func interlacedSourceIsDeinterlaced() throws {
            let s = Scratch()
            try VSRTestSupport.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=50", "-t", "1.2",
                               "-vf", "tinterlace=mode=interleave_top,fieldorder=tff", "-pix_fmt", "yuv420p",
                               "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264-params", "tff=1", s.path("cam.mkv")])
            var settings = Self.settings(duration: 1)
            settings.realtime = true
            settings.encoder = "ffv1"
            let r = try Self.run(StreamEndpoint(input: s.path("cam.mkv"), output: s.path("live.mkv")), settings)
            #expect(r.report.framesOut >= 20, "\(r)")
            let order = try VSRTestSupport.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=field_order",
                                            "-of", "csv=p=0", s.path("live.mkv")])
            #expect(order.hasPrefix("progressive"), "\(order)")
        }

        /// A single stream that cannot be opened at start is given up (`vsr stream IN OUT` exits 1
        /// with this line): after the open's timeout, nothing written.
        @Test func unreachableInputFailsClearlyAfterTheTimeout() throws {
            let s = Scratch()
            var settings = Self.settings(duration: 5)
            settings.timeoutSeconds = 1
            settings.giveUp = .ifNeverLive(0)
            let start = Date()
            let job = StreamJob(endpoints: [StreamEndpoint(input: "udp://127.0.0.1:\(Self.freePort())", output: s.path("out.ts"))],
                                settings: settings, upscaler: BicubicUpscaler(scale: 2), notify: { _ in }, report: { _ in })
            let summary = try job.run()
            #expect(summary.failures.count == 1 && summary.failures[0].why.contains("cannot open udp://127.0.0.1"), "\(summary.failures)")
            #expect(summary.streams[0].state == .stopped)
            #expect(Date().timeIntervalSince(start) < 4)
            #expect(s.files.isEmpty)
        }
    }
}
