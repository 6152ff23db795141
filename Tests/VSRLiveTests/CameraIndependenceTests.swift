import Foundation
import Testing
import VSRKernels
@testable import VSRLive
import VSRPipeline
import VSRTestSupport

extension LiveCameras {
    /// Several cameras in one job, each with its own faults: none of them reaches another camera.
    /// Loopback only, real sources from the ffmpeg CLI, bounded in time.
    @Suite(.serialized)
    struct CameraIndependenceTests {
        /// Runs the cameras; returns the summary, every "camera:state" the periodic reports saw, and the notes.
        static func run(_ endpoints: [StreamEndpoint], _ settings: StreamSettings) throws -> (StreamJob.Summary, [String], [String]) {
            let seen = NoteCollector(), notes = NoteCollector()
            let job = StreamJob(endpoints: endpoints, settings: settings, upscaler: BicubicUpscaler(scale: 2), notify: notes.add,
                                report: { seen.add("\($0.stream):\($0.state.rawValue)") })
            return (try job.run(), seen.all, notes.all)
        }

        static func settings(duration: Double) -> StreamSettings {
            var s = StreamTests.settings(duration: duration)
            s.statsInterval = 0.5
            s.timeoutSeconds = 1.5
            s.maxRetrySeconds = 1
            return s
        }

        /// Starts a source after `delay` seconds, in the background.
        static func source(_ url: String, after delay: Double, seconds: Double) {
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: delay)
                _ = try? StreamTests.source(url, seconds: seconds).waitUntilExit()
            }
        }

        static func increasing(_ path: String) throws -> Bool {
            let t = try packetTimes(path)
            return !t.isEmpty && zip(t.dropFirst(), t).allSatisfy { $0 > $1 }
        }

        /// One camera refuses connections at start (a camera rebooting) and comes up 3 s later; the
        /// other sends all along. The live one gets every frame through in time; the other is reported
        /// down (with the error) while it is, then live, and its output starts when it does.
        @Test(.timeLimit(.minutes(1))) func cameraDownAtStartNeverStopsTheOthers() throws {
            let s = Scratch()
            // TCP (the sources listen, vsr calls them), so that ThreadSanitizer can run it (make tsan).
            let live = "tcp://127.0.0.1:\(StreamTests.freePort())", tcp = "tcp://127.0.0.1:\(StreamTests.freePort())"
            Self.source(live + "?listen=1", after: 0, seconds: 10)  // past the end of the run
            Self.source(tcp + "?listen=1", after: 3, seconds: 4)
            Thread.sleep(forTimeInterval: 0.3)  // the first source listens
            let (summary, seen, _) = try Self.run([StreamEndpoint(input: live, output: s.path("door.ts"), name: "door"),
                                                StreamEndpoint(input: tcp, output: s.path("gate.ts"), name: "gate")],
                                               Self.settings(duration: 8.5))
            let door = summary.streams[0], gate = summary.streams[1]
            #expect(summary.failures.isEmpty, "\(summary.failures)")
            #expect(door.framesIn >= 150 && door.dropped == 0 && door.upscaled + door.fallback == door.framesIn, "\(door)")
            #expect(door.latencyMsP99 <= 500, "\(door)")
            #expect(try Self.increasing(s.path("door.ts")))
            #expect(seen.contains("gate:down") && seen.contains("gate:live"), "\(seen)")
            #expect(gate.framesIn >= 60 && gate.lastError?.contains("Connection refused") == true, "\(gate)")
            #expect(try Self.increasing(s.path("gate.ts")))
            #expect((seen.firstIndex(of: "gate:down") ?? Int.max) < (seen.lastIndex(of: "gate:live") ?? -1), "\(seen)")
            #expect(!seen.contains("door:down") && !seen.contains("door:reconnecting"), "\(seen)")
        }

        /// A UDP camera that stops sending for longer than the timeout and comes back is read again
        /// (it was never picked up: the lost input still held the port), beside a steady camera that
        /// does not notice.
        @Test(.timeLimit(.minutes(1))) func udpCameraGoneAndBackIsReadAgainBesideASteadyOne() throws {
            let s = Scratch()
            let steady = "udp://127.0.0.1:\(StreamTests.freePort())", flaky = "udp://127.0.0.1:\(StreamTests.freePort())"
            Self.source(steady + "?pkt_size=1316", after: 0.3, seconds: 11)  // past the end of the run
            Self.source(flaky + "?pkt_size=1316", after: 0.3, seconds: 2.5)
            Self.source(flaky + "?pkt_size=1316", after: 6, seconds: 3.5)
            var settings = Self.settings(duration: 10.5)
            settings.staleAfterSeconds = 0.4  // before the input counts as lost (1.5 s)
            let (summary, seen, _) = try Self.run([StreamEndpoint(input: steady, output: s.path("steady.ts"), name: "steady"),
                                                StreamEndpoint(input: flaky, output: s.path("flaky.ts"), name: "flaky")],
                                               settings)
            let a = summary.streams[0], b = summary.streams[1]
            #expect(a.framesIn >= 200 && a.dropped == 0 && a.reconnects == 0, "\(a)")
            #expect(!seen.contains("steady:reconnecting") && !seen.contains("steady:down") && !seen.contains("steady:stale"), "\(seen)")
            #expect(b.reconnects >= 1, "\(b)")
            // Both sessions were read: 2.5 s + 3.5 s at 25 fps, less a second of joining each.
            #expect(b.framesIn >= 110, "the source came back but was not read again: \(b)")
            #expect(seen.contains("flaky:stale") && (seen.contains("flaky:reconnecting") || seen.contains("flaky:down")), "\(seen)")
            #expect((seen.lastIndex(of: "flaky:live") ?? -1) > (seen.firstIndex(of: "flaky:reconnecting") ?? Int.max), "\(seen)")
            #expect(try Self.increasing(s.path("steady.ts")) && Self.increasing(s.path("flaky.ts")))
        }

        /// A camera whose file output cannot be opened is down (with the error), retried; the other runs on.
        @Test(.timeLimit(.minutes(1))) func unopenableOutputIsOnlyItsCamerasProblem() throws {
            let s = Scratch()
            let a = "tcp://127.0.0.1:\(StreamTests.freePort())", b = "tcp://127.0.0.1:\(StreamTests.freePort())"
            Self.source(a + "?listen=1", after: 0, seconds: 5)
            Self.source(b + "?listen=1", after: 0, seconds: 5)
            Thread.sleep(forTimeInterval: 0.3)
            let (summary, _, notes) = try Self.run([StreamEndpoint(input: a, output: s.path("a.ts"), name: "a"),
                                             StreamEndpoint(input: b, output: s.path("no/such/folder/b.ts"), name: "b")],
                                            Self.settings(duration: 4.5))
            #expect(summary.streams[0].framesIn >= 75 && summary.streams[0].dropped == 0, "\(summary.streams[0])")
            #expect(summary.failures.isEmpty, "a file output that cannot be opened is down, retried: \(summary.failures)")
            #expect(notes.contains { $0.hasPrefix("b: down (") && $0.contains("no/such/folder") }, "\(notes)")
            #expect(summary.streams[1].state == .stopped && summary.streams[1].framesOut == 0, "\(summary.streams[1])")
        }

        /// A "camera" that sends garbage (random datagrams at about 1 MB/s) is down with the demuxer's
        /// error and retried; no crash, and the camera beside it gets every frame through.
        @Test(.timeLimit(.minutes(1))) func cameraSendingGarbageIsDownAndHarmless() throws {
            let s = Scratch()
            let live = "tcp://127.0.0.1:\(StreamTests.freePort())", port = StreamTests.freePort()
            Self.source(live + "?listen=1", after: 0, seconds: 8)
            Thread.sleep(forTimeInterval: 0.3)
            let sending = StopFlag()
            let garbage = Thread {
                let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = in_port_t(UInt16(port).bigEndian)
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                var rng = SystemRandomNumberGenerator()
                var datagram = [UInt8](repeating: 0, count: 1316)
                while !sending.isRaised {
                    for i in datagram.indices { datagram[i] = UInt8.random(in: 0...255, using: &rng) }
                    _ = withUnsafePointer(to: &addr) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                    Thread.sleep(forTimeInterval: 0.001)
                }
                close(fd)
            }
            garbage.start()
            defer { sending.raise() }
            var settings = Self.settings(duration: 6)
            settings.keyframeWaitSeconds = 2
            let (summary, seen, _) = try Self.run([StreamEndpoint(input: live, output: s.path("door.ts"), name: "door"),
                                                   StreamEndpoint(input: "udp://127.0.0.1:\(port)", output: s.path("noise.ts"), name: "noise")],
                                                  settings)
            let door = summary.streams[0], noise = summary.streams[1]
            #expect(door.framesIn >= 120 && door.dropped == 0, "\(door)")
            #expect(noise.framesIn == 0 && seen.contains("noise:down") && noise.lastError != nil, "\(noise) \(seen)")
            let afterLive = seen.drop { $0 != "door:live" }
            #expect(!afterLive.isEmpty && !afterLive.contains("door:down") && !afterLive.contains("door:reconnecting"), "\(seen)")
        }
    }
}
