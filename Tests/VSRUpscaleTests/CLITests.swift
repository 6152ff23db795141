import Foundation
import Testing
import VSRBench
import VSRKernels
import VSRTestSupport

/// The command line as a user meets it: one error style with documented exit codes, summaries,
/// progress for non-terminals, pipes and batches. Runs the `vsr` built beside the tests.
@Suite(.serialized)
struct CLITests {
    typealias Outcome = ChildProcess.Outcome

    /// Runs vsr with `args`, stdin from `stdin` (a file) if given.
    static func vsr(_ args: [String], stdin: String? = nil, stdoutTo: String? = nil) throws -> Outcome {
        try ChildProcess.execute(SegmentTests.tool("vsr"), args, stdin: stdin, stdoutTo: stdoutTo)
    }

    @Test func oneErrorStyleAndTheExitCodeTable() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.2, extra: ["-c:v", "libx264"])
        let missing = try Self.vsr(["upscale", s.path("nosuch.mp4"), s.path("o.mp4")])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("vsr: error: input not found"), "\(missing)")
        let usage = try Self.vsr(["upscale", s.path("in.mp4")])
        #expect(usage.status == 64 && usage.stderr.hasPrefix("vsr: error: give INPUT and OUTPUT"), "\(usage)")
        let badOption = try Self.vsr(["upscale", s.path("in.mp4"), s.path("o.mp4"), "--crf", "99", "--model", "bicubic"])
        #expect(badOption.status == 1 && badOption.stderr.hasPrefix("vsr: error: --crf 99 is outside libx264's range"), "\(badOption)")
        #expect(!badOption.stderr.contains("Error:"))
    }

    @Test func summariesAndProgressForNonTerminals() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 2, extra: ["-c:v", "libx264"])
        let video = try Self.vsr(["upscale", s.path("in.mp4"), s.path("o.mp4"), "--model", "bicubic"])
        #expect(video.status == 0)
        #expect(video.stdout.contains("50 frames, 96x64 -> 192x128 (x2, bicubic), libx264, ") && video.stdout.contains(" kB in "), "\(video.stdout)")
        // stderr is a pipe here: plain progress lines (auto), the last one saying done.
        #expect(video.stderr.contains("frame 50/50 (100%)") && video.stderr.contains("done"), "\(video.stderr)")
        let json = try Self.vsr(["upscale", s.path("in.mp4"), s.path("j.mp4"), "--model", "bicubic", "--progress", "json"])
        let last = json.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("\"done\":true") && last.contains("\"frames\":50"), "\(json.stderr)")
        try makeClip(s.path("in.png"), video: "testsrc2=size=40x30", extra: ["-frames:v", "1"])
        let image = try Self.vsr(["upscale", s.path("in.png"), s.path("o.png"), "--model", "bicubic"])
        #expect(image.stdout.contains("image 40x30 -> 80x60") && !image.stdout.contains("fps"), "\(image.stdout)")
    }

    /// `--precision`: auto runs int8 where the CPU has VNNI (every bundled model has int8 data) and
    /// the summary says so; fp32 never; a bad value is a usage error. H.264 input runs the camera
    /// model with its QP-band specialist unless --no-qp-bands.
    #if DEBUG
    static let optimised = false
    #else
    static let optimised = true
    #endif

    @Test(.enabled(if: optimised, "the debug vsr tunes and runs its networks with C kernels built at -O0: minutes"))
    func precisionIsChosenAndReported() throws {
        let s = Scratch()
        try makeClip(s.path("in.mp4"), seconds: 0.4, extra: ["-c:v", "libx264"])
        let auto = try Self.vsr(["upscale", s.path("in.mp4"), s.path("a.mp4"), "--model", "fast", "--progress", "none"])
        #expect(auto.status == 0, "\(auto)")
        #expect(auto.stdout.contains("(x2, camera-fast-x2 by QP, int8)") == (Int8ISA.best != nil), "\(auto.stdout)")
        let fp32 = try Self.vsr(["upscale", s.path("in.mp4"), s.path("f.mp4"), "--model", "fast", "--precision", "fp32",
                                 "--no-qp-bands", "--progress", "none"])
        #expect(fp32.status == 0 && fp32.stdout.contains("(x2, camera-fast-x2)"), "\(fp32.stdout)")
        let bad = try Self.vsr(["upscale", s.path("in.mp4"), s.path("b.mp4"), "--precision", "int4"])
        #expect(bad.status == 64 && bad.stderr.hasPrefix("vsr: error:"), "\(bad)")
    }

    /// `-` reads stdin and writes stdout (MPEG-TS unless --format), nothing named "-" appears.
    @Test func pipesInAndOut() throws {
        let s = Scratch()
        try makeClip(s.path("in.ts"), seconds: 1, audio: true, extra: ["-c:v", "libx264"])
        let r = try Self.vsr(["upscale", "-", "-", "--model", "bicubic", "--progress", "none"], stdin: s.path("in.ts"),
                             stdoutTo: s.path("out.ts"))
        #expect(r.status == 0, "\(r.stderr)")
        let v = try videoStream(s.path("out.ts"))
        #expect(v.width == 192 && v.nbReadFrames == "25")
        #expect(try audioPacketHashes(s.path("out.ts")).count > 20)
        #expect(!FileManager.default.fileExists(atPath: "-") && s.files == ["in.ts", "out.ts"])
    }

    /// A folder in, a folder out: one summary line per file, the failures named, exit 1.
    @Test func batchOfAFolder() throws {
        let s = Scratch()
        let input = s.path("in"), output = s.path("out")
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try makeClip(input + "/a.mp4", seconds: 0.4, extra: ["-c:v", "libx264"])
        try makeClip(input + "/b.png", video: "testsrc2=size=40x30", extra: ["-frames:v", "1"])
        _ = FileManager.default.createFile(atPath: input + "/broken.mkv", contents: Data("not a video".utf8))
        _ = FileManager.default.createFile(atPath: input + "/notes.txt", contents: Data("skipped".utf8))
        let r = try Self.vsr(["upscale", input, output, "--model", "bicubic", "--progress", "none"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("a.mp4: 10 frames") && r.stdout.contains("b.png: image"), "\(r.stdout)")
        #expect(r.stdout.contains("batch: 2 of 3 upscaled"), "\(r.stdout)")
        #expect(r.stderr.contains("broken.mkv"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == ["a.mp4", "b.png"])
    }

    /// On a terminal (a pty made by `script`), space pauses and resumes, q stops and the partial
    /// file is finished, as with Ctrl-C.
    @Test(.timeLimit(.minutes(1))) func spacePausesAndQStops() throws {
        let s = Scratch()
        // Long enough to still be running when q comes, in the release build too.
        try makeClip(s.path("in.mp4"), video: "testsrc2=size=960x540:rate=25", seconds: 40,
                     extra: ["-c:v", "libx264", "-preset", "ultrafast"])
        let vsr = SegmentTests.tool("vsr")
        let command = "\(vsr) upscale \(s.path("in.mp4")) \(s.path("out.mp4")) --model bicubic --workers 1 --progress none"
        let keys = "(sleep 1.5; printf ' '; sleep 1.5; printf ' '; sleep 0.5; printf q; sleep 3)"
        let r = try Self.vsrShell("\(keys) | script -qfec '\(command)' /dev/null")
        #expect(r.status == 130, "\(r)")
        #expect(r.stdout.contains("paused (space resumes, q stops)") && r.stdout.contains("resumed"), "\(r.stdout)")
        let frames = Int(try videoStream(s.path("out.partial.mp4")).nbReadFrames ?? "") ?? 0
        #expect(frames > 0 && frames < 1000, "\(frames) frames")
    }

    /// A shell line (its stderr joined to stdout: `script` gives the pty's output on stdout).
    static func vsrShell(_ line: String) throws -> Outcome { try ChildProcess.execute("/bin/sh", ["-c", line + " 2>&1"]) }
    /// Ctrl-C during `vsr bench pipeline`: its running child stops, its clips are removed, exit 130.
    @Test(.timeLimit(.minutes(1))) func benchPipelineCleansUpWhenInterrupted() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SegmentTests.tool("vsr"))
        p.arguments = ["bench", "pipeline", "--sizes", "320x180", "--models", "bicubic", "--runs", "200"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vsr-bench-\(p.processIdentifier)").path
        // Wait for a child upscale to be running.
        func children() -> [Int32] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
                let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
                return fields.count > 2 && Int32(fields[1]) == p.processIdentifier
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while children().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let child = children().first
        #expect(child != nil && FileManager.default.fileExists(atPath: scratch))
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        #expect(!FileManager.default.fileExists(atPath: scratch), "the clips are removed")
        if let child { #expect(kill(child, 0) != 0, "the child upscale was stopped") }
    }

    /// The issue's scenario: two cameras in --config, one live over UDP, one whose address refuses
    /// connections. The service runs to --duration (exit 0) and the live camera's output has its
    /// frames; the stats name the down camera's state and error. A single stream that cannot be
    /// opened gives up with one line and exit 1.
    @Test(.timeLimit(.minutes(1))) func streamConfigWithADownCameraKeepsTheOthers() throws {
        let s = Scratch()
        let port = Int.random(in: 20_000...40_000), refused = Int.random(in: 40_001...50_000)
        let config = #"{"streams": [{"input": "udp://127.0.0.1:\#(port)", "output": "\#(s.path("live.ts"))", "name": "live"},"#
            + #" {"input": "tcp://127.0.0.1:\#(refused)", "output": "\#(s.path("down.ts"))", "name": "down"}]}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: s.path("cams.json")))
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sender.arguments = ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "6",
                            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "mpegts", "udp://127.0.0.1:\(port)?pkt_size=1316"]
        try sender.run()
        defer { sender.terminate() }
        let r = try Self.vsr(["stream", "--config", s.path("cams.json"), "--model", "bicubic", "--duration", "5",
                              "--stats-interval", "2", "--timeout", "1"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("[down] down") && r.stderr.contains("Connection refused"), "\(r.stderr)")
        #expect(r.stdout.contains("summary: [live] ") && r.stdout.contains("summary: [down] stopped"), "\(r.stdout)")
        let frames = Int(try videoStream(s.path("live.ts")).nbReadFrames ?? "") ?? 0
        #expect(frames >= 75, "the live camera's output has \(frames) frames")
        let open = try Self.vsr(["stream", "tcp://127.0.0.1:\(refused)", s.path("one.ts"), "--http", "0.0.0.0:0"])
        #expect(open.status == 64 && open.stderr.contains("not a loopback address: give --http-token-file"), "\(open)")
        let single = try Self.vsr(["stream", "tcp://127.0.0.1:\(refused)", s.path("one.ts"), "--model", "bicubic", "--timeout", "1"])
        #expect(single.status == 1 && single.stderr.hasPrefix("vsr: error: cannot open tcp://127.0.0.1:\(refused)")
                && single.stderr.split(separator: "\n").count == 1, "\(single)")
    }

    /// `systemctl stop` sends SIGTERM: vsr stream stops at once (the issue asks within a second),
    /// exit 0, and every output is finished (an HLS playlist gets its end tag).
    @Test(.timeLimit(.minutes(1))) func sigtermStopsTheServiceAndFinishesItsOutputs() throws {
        let s = Scratch()
        try makeClip(s.path("cam.mp4"), seconds: 30, extra: ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SegmentTests.tool("vsr"))
        p.arguments = ["stream", s.path("cam.mp4"), s.path("live.m3u8"), "--realtime", "--model", "bicubic", "--progress", "none"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !((try? String(contentsOfFile: s.path("live.m3u8"), encoding: .utf8))?.contains(".ts") ?? false) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        print("SIGTERM to exit: \(String(format: "%.2f", took)) s")
        #expect(p.terminationStatus == 0)
        #expect(took < 3, "stopping took \(took) s")
        let playlist = try String(contentsOfFile: s.path("live.m3u8"), encoding: .utf8)
        #expect(playlist.contains("#EXT-X-ENDLIST"), "\(playlist)")
    }

    /// `--check-config` prints what would run (or the line that is wrong); SIGHUP re-reads the
    /// file: a good one is applied, a bad one leaves the cameras as they were.
    @Test(.timeLimit(.minutes(1))) func configIsCheckedAndReloadedOnSIGHUP() throws {
        let s = Scratch()
        try makeClip(s.path("a.mp4"), seconds: 20, extra: ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"])
        func write(_ names: [String]) throws {
            let streams = names.map { #"{"input": "\#(s.path("a.mp4"))", "output": "\#(s.path($0 + ".ts"))", "name": "\#($0)"}"# }
            try Data(#"{"streams": [\#(streams.joined(separator: ", "))]}"#.utf8).write(to: URL(fileURLWithPath: s.path("cams.json")))
        }
        try write(["door"])
        let check = try Self.vsr(["stream", "--check-config", s.path("cams.json")])
        #expect(check.status == 0 && check.stdout.contains("1 camera") && check.stdout.contains("door: "), "\(check)")
        try Data("{\"streams\": [{\"input\": 3}]}".utf8).write(to: URL(fileURLWithPath: s.path("bad.json")))
        let bad = try Self.vsr(["stream", "--check-config", s.path("bad.json")])
        #expect(bad.status == 1 && bad.stderr.contains("wrong type at streams.stream 1.input"), "\(bad)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: SegmentTests.tool("vsr"))
        p.arguments = ["stream", "--config", s.path("cams.json"), "--realtime", "--model", "bicubic", "--duration", "6",
                       "--progress", "none"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.5)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: s.path("cams.json")))
        kill(p.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        try write(["door", "yard"])
        kill(p.processIdentifier, SIGHUP)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("configuration not reloaded, the cameras run as before:"), "\(stderr)")
        #expect(stderr.contains("configuration reloaded: added yard"), "\(stderr)")
        #expect(Int(try videoStream(s.path("door.ts")).nbReadFrames ?? "") ?? 0 > 100)
        #expect(Int(try videoStream(s.path("yard.ts")).nbReadFrames ?? "") ?? 0 > 50)
    }
}
