import Foundation
import Synchronization
import Testing
import VSRKernels
@testable import VSRLive
import VSRPipeline
import VSRTestSupport

extension LiveCameras {
    /// Reconfiguring a running job: added cameras start, removed ones stop with their outputs
    /// finished, changed ones restart, and the unchanged ones do not lose a frame.
    @Suite(.serialized)
    struct ReloadTests {
        static func camera() -> String {
            let url = "tcp://127.0.0.1:\(StreamTests.freePort())"
            CameraIndependenceTests.source(url + "?listen=1", after: 0, seconds: 14)
            return url
        }

        @Test(.timeLimit(.minutes(1))) func reloadStartsStopsAndRestartsOnlyWhatChanged() throws {
            let s = Scratch()
            let a = Self.camera(), b = Self.camera(), c = Self.camera(), e = Self.camera()
            Thread.sleep(forTimeInterval: 0.3)
            let door = StreamEndpoint(input: a, output: s.path("door.ts"), name: "door")
            let yard = StreamEndpoint(input: b, output: s.path("yard.m3u8"), name: "yard")
            let gate = StreamEndpoint(input: c, output: s.path("gate.ts"), name: "gate")
            let notes = NoteCollector()
            let job = StreamJob(endpoints: [door, yard], settings: CameraIndependenceTests.settings(duration: 9),
                                upscaler: BicubicUpscaler(scale: 2), notify: notes.add, report: { _ in })
            let summary = Mutex<StreamJob.Summary?>(nil)
            let done = StopFlag()
            Thread.detachNewThread {
                summary.withLock { $0 = try? job.run() }
                done.raise()
            }
            Thread.sleep(forTimeInterval: 3)
            #expect(try job.reconfigure([door, yard]) == StreamJob.Reload(unchanged: ["door", "yard"]))
            // yard goes, gate comes.
            #expect(try job.reconfigure([door, gate]) == StreamJob.Reload(added: ["gate"], removed: ["yard"], unchanged: ["door"]))
            Thread.sleep(forTimeInterval: 1.5)
            let playlist = try String(contentsOfFile: s.path("yard.m3u8"), encoding: .utf8)
            #expect(playlist.contains("#EXT-X-ENDLIST"), "the removed camera's HLS output is finished: \(playlist)")
            let metrics = String(decoding: job.metricsText(), as: UTF8.self)
            #expect(!metrics.contains(#"camera="yard""#) && metrics.contains(#"vsr_camera_up{camera="gate"}"#), "\(metrics)")
            // gate moves to another source and file (a TCP source takes one caller): it restarts.
            let moved = StreamEndpoint(input: e, output: s.path("gate2.ts"), name: "gate")
            #expect(try job.reconfigure([door, moved]) == StreamJob.Reload(changed: ["gate"], unchanged: ["door"]))
            #expect(job.endpoints == [door, moved])
            #expect(done.wait(seconds: 15))
            let result = try #require(summary.withLock { $0 })
            let d = try #require(result.streams.first { $0.stream == "door" })
            // door never noticed: every frame it received was written, no reconnect, no gap.
            #expect(d.reconnects == 0 && d.dropped == 0 && d.framesIn >= 180, "\(d)")
            let t = try packetTimes(s.path("door.ts"))
            let widest = zip(t.dropFirst(), t).map { $0 - $1 }.max() ?? 99
            #expect(t.count >= d.framesIn - 2 && widest < 0.2, "\(t.count) packets for \(d.framesIn) frames, widest gap \(widest) s")
            #expect(try videoStream(s.path("gate.ts")).nbReadFrames.flatMap(Int.init) ?? 0 > 25)
            #expect(try videoStream(s.path("gate2.ts")).nbReadFrames.flatMap(Int.init) ?? 0 > 25)
            #expect(notes.all.contains("configuration reloaded: added gate; removed yard"), "\(notes.all)")
            // Once stopped, a reload is refused.
            #expect(throws: StreamConfigError.self) { try job.reconfigure([door]) }
        }

        @Test func configNamesMustBeUnique() {
            let json = #"{"streams": [{"input": "udp://a:1", "output": "a.ts", "name": "door"}, {"input": "udp://b:1", "output": "b.ts", "name": "door"}]}"#
            do {
                _ = try StreamConfig.endpoints(from: Data(json.utf8), source: "cams.json", defaultFormat: nil)
                Issue.record("two cameras named door were accepted")
            } catch {
                #expect("\(error)".contains("stream 2's name \"door\" is already used"), "\(error)")
            }
        }
    }
}
