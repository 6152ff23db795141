import Foundation
import Testing
import VSRBench
import VSRHTTP
import VSRKernels
@testable import VSRLive
import VSRPipeline
import VSRTestSupport

extension LiveCameras {
    /// `vsr stream --http` against a real server on loopback, with real cameras behind it: one live
    /// (a TCP source), one refusing connections. Clients are curl, a raw socket and Chromium.
    @Suite(.serialized)
    struct StatusServerTests {
        /// A job with the two cameras running in the background until `stop` or `seconds`.
        final class Running: Sendable {
            let job: StreamJob
            let stop = StopFlag()
            let finished = StopFlag()
            let server: StatusServer
            var base: String { "http://127.0.0.1:\(server.port)" }

            init(seconds: Double, token: String? = nil, readyShare: Double = 1, limits: StatusServer.Limits = .init()) throws {
                let live = "tcp://127.0.0.1:\(StreamTests.freePort())"
                CameraIndependenceTests.source(live + "?listen=1", after: 0, seconds: seconds + 2)
                Thread.sleep(forTimeInterval: 0.3)
                var settings = CameraIndependenceTests.settings(duration: seconds)
                settings.statsInterval = 0.5
                job = StreamJob(endpoints: [StreamEndpoint(input: live, output: FileManager.default.temporaryDirectory
                                                            .appendingPathComponent("vsr-http-\(UUID().uuidString).ts").path, name: "door"),
                                            StreamEndpoint(input: "tcp://127.0.0.1:\(StreamTests.freePort())", output: "/dev/null", format: "mpegts",
                                                           name: "gate")],
                                settings: settings, upscaler: BicubicUpscaler(scale: 2), notify: { _ in }, report: { _ in })
                let stop = self.stop
                server = try StatusServer(host: "127.0.0.1", port: 0,
                                          routes: StatusRoutes(job: job, stop: { stop.raise() }, reconfigure: { [job] body in
                                              try job.reconfigure(StreamConfig.endpoints(from: Data(body), source: "the body", defaultFormat: nil))
                                          }, readyShare: readyShare, token: token),
                                          limits: limits)
                let (job, finished) = (job, finished)
                Thread.detachNewThread {
                    _ = try? job.run(stop: stop)
                    finished.raise()
                }
            }

            /// Waits until the live camera has sent frames.
            func waitForLive() {
                let deadline = Date().addingTimeInterval(5)
                while Date() < deadline && job.reports().first?.state != .live { Thread.sleep(forTimeInterval: 0.05) }
            }

            func end() {
                stop.raise()
                finished.wait(seconds: 10)
                server.stop()
            }
        }

        /// curl's status code and body.
        static func curl(_ args: [String]) throws -> (status: Int, body: String) {
            let toStdout = args.contains("-o") ? [] : ["-o", "-"]
            let r = try ChildProcess.execute("curl", ["-s"] + toStdout + ["-w", "\n%{http_code}", "--max-time", "10"] + args)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }

        @Test(.timeLimit(.minutes(1))) func everyEndpointAnswersFromTheLiveJob() throws {
            let r = try Running(seconds: 8)
            defer { r.end() }
            r.waitForLive()
            Thread.sleep(forTimeInterval: 1.2)  // a stats interval with frames, and gate's first failed open
            let health = try Self.curl([r.base + "/healthz"])
            #expect(health.status == 200 && health.body == "ok\n", "\(health)")
            let ready = try Self.curl([r.base + "/readyz"])
            #expect(ready.status == 503 && ready.body.contains(#""live":1"#) && ready.body.contains(#""cameras":2"#), "\(ready)")

            let all = try Self.curl([r.base + "/api/v1/streams"])
            #expect(all.status == 200)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let reports = try decoder.decode([StreamStats.Report].self, from: Data(all.body.utf8))
            #expect(reports.map(\.stream) == ["door", "gate"])
            #expect(reports[0].state == .live && reports[0].framesIn > 10 && reports[0].inputFps > 5, "\(reports[0])")
            #expect(reports[1].state == .down && reports[1].lastError?.contains("Connection refused") == true, "\(reports[1])")
            let gate = try Self.curl([r.base + "/api/v1/streams/gate"])
            #expect(gate.status == 200 && gate.body.contains(#""state":"down""#), "\(gate)")
            #expect(try Self.curl([r.base + "/api/v1/streams/nosuch"]).status == 404)

            let metrics = try Self.curl([r.base + "/metrics"])
            #expect(metrics.status == 200)
            for line in [#"vsr_camera_up{camera="door"} 1.0"#, #"vsr_camera_up{camera="gate"} 0.0"#,
                         #"vsr_camera_state{camera="gate",state="down"} 1.0"#, #"vsr_reconnects_total{camera="door"} 0"#,
                         #"vsr_camera_info{camera="door",input="#, "# TYPE vsr_latency_seconds histogram", "process_resident_memory_bytes ",
                         "process_open_fds ", "process_cpu_seconds_total ", #"vsr_input_qp{camera="gate"} -1.0"#, "vsr_upscale_busy_seconds_total ", "vsr_encode_busy_seconds_total "] {
                #expect(metrics.body.contains(line), "no \(line) in /metrics")
            }
            // door sends H.264: its QP is known (a real value, 0-51).
        let qp = metrics.body.split(separator: "\n").first { $0.hasPrefix(#"vsr_input_qp{camera="door"}"#) }
        #expect((qp?.split(separator: " ").last).flatMap { Double($0) }.map { (0...51).contains($0) } == true, "\(qp ?? "none")")
        let framesIn = metrics.body.split(separator: "\n").first { $0.hasPrefix(#"vsr_frames_in_total{camera="door"}"#) }
            #expect((framesIn?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 10, "\(framesIn ?? "none")")

            // Snapshots: the latest picture as JPEG, input (160x96), output (x2) or both at the output's size.
            let scratch = Scratch()
            for (view, size) in [("input", (160, 96)), ("output", (320, 192)), ("side-by-side", (640, 192))] {
                let file = scratch.path("\(view).jpg")
                let got = try Self.curl(["-o", file, r.base + "/api/v1/streams/door/snapshot.jpg?view=\(view)"])
                #expect(got.status == 200, "\(view): \(got)")
                let v = try videoStream(file)
                #expect(v.codecName == "mjpeg" && v.width == size.0 && v.height == size.1, "\(view): \(v)")
            }
            #expect(try Self.curl([r.base + "/api/v1/streams/door/snapshot.jpg?view=sideways"]).status == 400)
            #expect(try Self.curl([r.base + "/api/v1/streams/gate/snapshot.jpg"]).status == 503, "gate has sent no picture")
            #expect(try Self.curl([r.base + "/api/v1/streams/nosuch/snapshot.jpg"]).status == 404)

            #expect(try Self.curl([r.base + "/nosuch"]).status == 404)
            #expect(try Self.curl(["-X", "POST", r.base + "/metrics"]).status == 405)
            #expect(try Self.curl(["-X", "GET", r.base + "/api/v1/stop"]).status == 405)
            // No token configured (loopback): stop works and the job ends well before its 8 s.
            let started = Date()
            #expect(try Self.curl(["-X", "POST", r.base + "/api/v1/stop"]).status == 202)
            #expect(r.finished.wait(seconds: 3), "the job stopped")
            #expect(Date().timeIntervalSince(started) < 3)
        }

        /// 200 scrapes at once, a client that sends a byte a second, oversized requests and wrong
        /// tokens: each gets its status code or is closed, and the live camera does not notice.
        @Test(.timeLimit(.minutes(1))) func hostileClientsNeverReachTheCameras() throws {
            var limits = StatusServer.Limits()
            limits.requestSeconds = 2
            let r = try Running(seconds: 12, token: "s3cret", readyShare: 0.5, limits: limits)
            defer { r.end() }
            r.waitForLive()
            #expect(try Self.curl([r.base + "/readyz"]).status == 200, "one of two cameras live is enough at --ready-share 0.5")
            let before = r.job.reports()[0]

            // A slow client: the request head a byte at a time is cut off at the deadline (2 s here).
            let cutOff = NoteCollector()
            let slow = Thread {
                let start = Date()
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = in_port_t(UInt16(r.server.port).bigEndian)
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                for byte in Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8) {
                    var b = byte
                    if send(fd, &b, 1, Int32(MSG_NOSIGNAL)) <= 0 {
                        cutOff.add(String(Date().timeIntervalSince(start)))
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.2)
                }
                close(fd)
            }
            slow.start()

            let urls = (0..<200).flatMap { _ in ["-o", "/dev/null", r.base + "/metrics"] }
            let parallel = try ChildProcess.execute("curl", ["-s", "--parallel", "--parallel-max", "200", "-w", "%{http_code}\n", "--max-time", "20"] + urls)
            let codes = parallel.stdout.split(separator: "\n")
            #expect(codes.count == 200 && codes.allSatisfy { $0 == "200" || $0 == "000" }, "\(Set(codes))")
            // Beyond 64 connections at once some are turned away (000: closed on accept), never a hang.
            #expect(codes.filter { $0 == "200" }.count >= 64, "\(codes.filter { $0 == "200" }.count) of 200 answered")

            let big = String(repeating: "x", count: 200_000)
            try Data(big.utf8).write(to: URL(fileURLWithPath: "/tmp/vsr-http-big-\(r.server.port)"))
            defer { try? FileManager.default.removeItem(atPath: "/tmp/vsr-http-big-\(r.server.port)") }
            let body = try Self.curl(["-X", "POST", "-H", "Authorization: Bearer s3cret", "--data-binary", "@/tmp/vsr-http-big-\(r.server.port)",
                                      r.base + "/api/v1/stop"])
            #expect(body.status == 413, "\(body.status)")
            let header = try Self.curl(["-H", "X-Big: " + String(big.prefix(100_000)), r.base + "/healthz"])
            #expect([400, 431].contains(header.status), "\(header.status)")
            #expect(try Self.curl(["-X", "POST", r.base + "/api/v1/stop"]).status == 401)
            #expect(try Self.curl([r.base + "/api/v1/streams/door/snapshot.jpg"]).status == 401, "pictures need the token")
            #expect(try Self.curl(["-o", "/dev/null", "-H", "Authorization: Bearer s3cret", r.base + "/api/v1/streams/door/snapshot.jpg"]).status == 200)
            // 50 snapshot requests at once: answered (mostly from the one-second cache), never a stall.
            let shots = (0..<50).flatMap { _ in ["-o", "/dev/null", "-H", "Authorization: Bearer s3cret", r.base + "/api/v1/streams/door/snapshot.jpg"] }
            let snapped = try ChildProcess.execute("curl", ["-s", "--parallel", "--parallel-max", "50", "-w", "%{http_code}\n", "--max-time", "20"] + shots)
            #expect(snapped.stdout.split(separator: "\n").filter { $0 == "200" }.count == 50, "\(snapped.stdout)")
            #expect(try Self.curl(["-X", "POST", "-H", "Authorization: Bearer wrong", r.base + "/api/v1/stop"]).status == 401)
            #expect(try Self.curl(["-X", "POST", "-H", "Authorization: Bearer s3cre", r.base + "/api/v1/stop"]).status == 401)
            // A new configuration needs the token; a bad one changes nothing and says why.
            let endpoints = r.job.endpoints
            #expect(try Self.curl(["-X", "PUT", "--data", "{}", r.base + "/api/v1/config"]).status == 401)
            let refused = try Self.curl(["-X", "PUT", "-H", "Authorization: Bearer s3cret", "--data", #"{"streams": []}"#, r.base + "/api/v1/config"])
            #expect(refused.status == 400 && refused.body.contains("configuration not changed: the body lists no streams"), "\(refused)")
            #expect(r.job.endpoints == endpoints)
            #expect(!r.finished.isRaised, "no bad request stopped the job")
            while slow.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
            let closedAfter = cutOff.all.first.flatMap(Double.init) ?? 99
            #expect(closedAfter >= 1.5 && closedAfter < 4, "the slow client was cut off after \(closedAfter) s")

            let after = r.job.reports()[0]
            #expect(after.state == .live && after.framesIn > before.framesIn + 50, "before \(before), after \(after)")
            #expect(after.dropped == 0 && after.latencyMsP99 <= 500, "\(after)")
            #expect(try Self.curl(["-X", "POST", "-H", "Authorization: Bearer s3cret", r.base + "/api/v1/stop"]).status == 202)
            #expect(r.finished.wait(seconds: 3))
        }

        /// The status page in a real browser: Chromium runs its script against the live job, and the
        /// rendered DOM has a tile per camera with its state.
        @Test(.timeLimit(.minutes(1)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                                                 "needs Debian's chromium (make test installs it)"))
        func statusPageShowsEveryCameraInABrowser() throws {
            let r = try Running(seconds: 10)
            defer { r.end() }
            r.waitForLive()
            Thread.sleep(forTimeInterval: 1)
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("vsr-chromium-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: profile) }
            let dom = try ChildProcess.execute("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                                                                     "--virtual-time-budget=3000", "--dump-dom", r.base + "/"])
            #expect(dom.stdout.contains(#"data-camera="door" data-state="live""#), "\(dom.stdout.suffix(2000))")
            #expect(dom.stdout.contains(#"data-camera="gate" data-state="down""#), "\(dom.stdout.suffix(2000))")
            #expect(dom.stdout.contains("1 of 2 cameras live"))
            #expect(dom.stdout.contains("Connection refused"))
            #expect(dom.stdout.contains(#"class="snapshot" alt="latest picture of door" src="blob:"#), "the live camera's picture is shown")
        }

        /// Camera passwords never reach a label, a metric, an error or the API.
        @Test func passwordsAreRedactedAndLoopbackIsRecognised() {
            #expect(redactedURL("rtsp://admin:s3cret@10.0.0.5:554/stream1") == "rtsp://***@10.0.0.5:554/stream1")
            #expect(redactedURL("rtsp://cam/a@b") == "rtsp://cam/a@b")
            #expect(redactedURL("udp://127.0.0.1:5000") == "udp://127.0.0.1:5000")
            #expect(StreamEndpoint(input: "rtsp://u:p@cam/1", output: "o.ts").label == "rtsp://***@cam/1")
            for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] { #expect(isLoopbackHost(host), "\(host)") }
            for host in ["0.0.0.0", "192.168.1.2", "::", "example.com"] { #expect(!isLoopbackHost(host), "\(host)") }
        }
    }
}
