import Foundation
import Testing
import VSRKernels
@testable import VSRLive
import VSRPipeline
import VSRTestSupport

extension LiveCameras {
    /// systemd's notify protocol against a real datagram socket the test binds, as systemd does.
    @Suite(.serialized)
    struct ServiceNotifierTests {
        /// A bound unix datagram socket; `messages` reads what arrived within `seconds`.
        final class Listener: Sendable {
            let fd: Int32
            let path: String
            init(path: String) throws {
                self.path = path
                fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                var bytes = Array(path.utf8)
                if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
                withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
                let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
                let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
                guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
                var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            }
            deinit {
                close(fd)
                if !path.hasPrefix("@") { unlink(path) }
            }
            func messages(for seconds: Double) -> [String] {
                var out: [String] = []
                let end = Date().addingTimeInterval(seconds)
                var buffer = [UInt8](repeating: 0, count: 4096)
                while Date() < end {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n > 0 { out.append(String(decoding: buffer[..<n], as: UTF8.self)) }
                }
                return out
            }
        }

        @Test func withoutNotifySocketNothingIsSent() {
            let n = ServiceNotifier(environment: [:])
            #expect(!n.isActive && n.watchdogInterval == nil && !n.notify("READY=1"))
            #expect(ServiceNotifier(environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil,
                    "the pings are another process's")
        }

        /// A stream job under "systemd": READY once the cameras start, a watchdog ping every half
        /// WATCHDOG_USEC with the cameras' status, STOPPING at the end.
        @Test(.timeLimit(.minutes(1)), arguments: ["file", "abstract"])
        func jobReportsReadyWatchdogAndStopping(kind: String) throws {
            let s = Scratch()
            let path = kind == "file" ? s.path("notify.sock") : "@vsr-test-\(UUID().uuidString)"
            let listener = try Listener(path: path)
            let live = "tcp://127.0.0.1:\(StreamTests.freePort())"
            CameraIndependenceTests.source(live + "?listen=1", after: 0, seconds: 5)
            Thread.sleep(forTimeInterval: 0.3)
            let service = ServiceNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
            #expect(service.watchdogInterval == 0.2)
            let job = StreamJob(endpoints: [StreamEndpoint(input: live, output: s.path("out.ts"), name: "door")],
                                settings: CameraIndependenceTests.settings(duration: 2.5), upscaler: BicubicUpscaler(scale: 2),
                                service: service, notify: { _ in }, report: { _ in })
            let collected = NoteCollector()
            let reader = Thread { listener.messages(for: 4).forEach(collected.add) }
            reader.start()
            _ = try job.run()
            while reader.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
            let m = collected.all
            #expect(m.first?.hasPrefix("READY=1\nSTATUS=") == true, "\(m)")
            let pings = m.filter { $0.hasPrefix("WATCHDOG=1") }
            #expect(pings.count >= 6, "\(pings.count) pings in 2.5 s at 0.2 s: \(m)")
            #expect(pings.contains { $0.contains("STATUS=1 of 1 cameras live") }, "\(m)")
            #expect(m.last == "STOPPING=1", "\(m)")
        }
    }
}
