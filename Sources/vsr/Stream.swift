import ArgumentParser
import Foundation
import VSRFrames
import VSRHTTP
import VSRLive
import VSRKernels
import VSRMedia
import VSRModels
import VSRPipeline

/// `vsr stream` (named so as not to shadow Foundation's Stream).
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Enhance live streams in real time and re-publish them.",
        discussion: """
        Inputs: rtsp://, udp://, srt://, tcp://, http(s):// (MPEG-TS, HLS), or a file with --realtime. \
        Outputs: mpegts over udp/srt/tcp, flv to rtmp://, HLS (a .m3u8 path), or a file. The input is \
        never blocked: frames that cannot be upscaled within --max-latency are upscaled with bicubic \
        (or dropped, --on-overload drop). Lost inputs and receivers are retried with backoff.
        Several cameras: --config FILE with {"streams": [{"input": URL, "output": URL, "name": TEXT}, ...]}.         Each camera is on its own: one that is down (at start or later) is retried with capped backoff         until vsr stops, and the others never notice. A single INPUT OUTPUT gives up (exit 1) if it         cannot be opened at start, and once live is retried for ever; --give-up-after S changes both.
        """)

    @Argument(help: "Input URL or file (omit with --config).")
    var input: String?

    @Argument(help: "Output URL, .m3u8 playlist path, or file (omit with --config).")
    var output: String?

    @Option(help: "JSON file listing several input/output pairs that share one worker pool (re-read on SIGHUP).")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Check this --config file and print the cameras it would run, then exit.")
    var checkConfig: String?

    @OptionGroup var models: ModelOptions

    @Option(help: "Output container when the URL does not say (mpegts, flv, hls, ...).")
    var format: String?

    @Flag(help: "Read a local file at its native frame rate.")
    var realtime = false

    @Option(name: .customLong("on-overload"), help: "When upscaling falls behind: bicubic (keep the frame rate) or drop.")
    var onOverload: OverloadPolicy = .bicubic

    @Option(name: .customLong("max-latency"), help: "End-to-end latency budget in ms (frame received -> packet written).")
    var maxLatency = 500.0

    @Option(name: .customLong("stats-interval"), help: "Seconds between statistics lines.")
    var statsInterval = 5.0

    @Option(help: "Stop cleanly after this many seconds.")
    var duration: Double?

    @Option(help: "Seconds without any data before a network input or output counts as lost.")
    var timeout = 5.0

    @Option(name: .customLong("stale-after"), help: "Seconds without a new frame before a connected camera is reported stale.")
    var staleAfter = 2.0

    @Option(name: .customLong("give-up-after"),
            help: "Stop a camera that has been down this many seconds in a row (0: never). Default: never with --config; a single stream gives up only if it cannot be opened at start.")
    var giveUpAfter: Double?

    @Option(name: .customLong("max-retry"), help: "The longest wait, in seconds, between attempts to open a camera that is down (the backoff doubles from 0.5 s up to it).")
    var maxRetry = 10.0

    @Option(name: .customLong("keyframe-wait"), help: "Seconds to wait for the first keyframe while packets arrive (long-GOP cameras).")
    var keyframeWait = 30.0

    @Option(help: "RTSP transport: tcp or udp.")
    var transport: String?

    @Option(help: "x264/x265 speed preset of the outputs (ultrafast leaves more CPU to upscaling).")
    var preset = "veryfast"

    // "workers" is one word for one concept across vsr: frames upscaled in parallel, a thread
    // each. (--threads, its old name, still works.)
    @Option(name: [.customLong("workers"), .customLong("threads")],
            help: "Upscale workers shared by all streams (default: one per core; one for a single stream, whose frames are split in bands over every core).")
    var workers: Int?

    @Option(help: "Statistics: plain (a line per stream every --stats-interval; auto is the same), json (an object per line, as the summary) or none (only the summary).")
    var progress: ProgressStyle = .plain

    @Option(help: "Serve /metrics, /healthz, /readyz, /api/v1/streams and a status page at HOST:PORT (e.g. 127.0.0.1:8080; loopback unless a token is given).")
    var http: String?

    @Option(name: .customLong("http-token-file"), help: "A file holding the bearer token that changing endpoints need (required for a non-loopback --http).")
    var httpTokenFile: String?

    @Option(name: .customLong("ready-share"), help: "The share of cameras (0-1) that must be live for /readyz to answer 200.")
    var readyShare = 1.0

    @Flag(name: .shortAndLong, help: "Print only errors and the final summary.")
    var quiet = false

    func validate() throws {
        if checkConfig != nil { return }
        guard (config == nil) != (input == nil || output == nil) else {
            throw ValidationError("give INPUT and OUTPUT, or --config FILE")
        }
        guard maxLatency > 0, statsInterval > 0, timeout > 0, keyframeWait > 0, staleAfter > 0, maxRetry > 0 else {
            throw ValidationError("--max-latency, --stats-interval, --timeout, --keyframe-wait, --stale-after and --max-retry must be positive")
        }
        if let giveUpAfter, giveUpAfter < 0 { throw ValidationError("--give-up-after must be 0 (never) or more seconds") }
        guard (0...1).contains(readyShare) else { throw ValidationError("--ready-share must be between 0 and 1") }
        if let http {
            let (host, _) = try Self.listenAddress(http)
            if !isLoopbackHost(host) && httpTokenFile == nil {
                throw ValidationError("--http \(http) is not a loopback address: give --http-token-file, or listen on 127.0.0.1")
            }
        }
        if let transport, !["tcp", "udp"].contains(transport) { throw ValidationError("--transport must be tcp or udp") }
    }

    func run() throws {
        configureFFmpegLogging(verbose: false)
        if let checkConfig { return try reportingErrors { try Self.check(checkConfig, format: format) } }
        try reportingErrors {
            let endpoints = try loadEndpoints()
            var settings = StreamSettings()
            settings.realtime = realtime
            settings.overload = onOverload
            settings.maxLatencyMilliseconds = maxLatency
            settings.statsInterval = statsInterval
            settings.duration = duration
            settings.timeoutSeconds = timeout
            settings.keyframeWaitSeconds = keyframeWait
            settings.rtspTransport = transport
            settings.preset = preset
            settings.staleAfterSeconds = staleAfter
            settings.maxRetrySeconds = maxRetry
            switch giveUpAfter {
            case .some(0): settings.giveUp = .never
            case .some(let s): settings.giveUp = .afterDown(s)
            case nil: settings.giveUp = endpoints.count == 1 && config == nil ? .ifNeverLive(0) : .never
            }
            // One camera: one frame at a time split over every core (lowest latency); several:
            // one frame per worker, the pool shared fairly.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            settings.workers = workers ?? (endpoints.count == 1 ? 1 : cores)
            let bands = endpoints.count == 1 && workers == nil ? cores : 1
            // Live cameras send H.264/H.265: the camera family unless --family or --model says otherwise.
            let model = models.chosenModel(lossyInput: true, input: "a live stream") { if !quiet { Terminal.note($0) } }
            let upscaler = try ModelCatalog.upscaler(named: model, scale: models.scale, bandsPerFrame: bands,
                                                         precision: models.precision, byQP: models.qpBands)
            let json = progress == .json
            let named = endpoints.count > 1
            let job = StreamJob(endpoints: endpoints, settings: settings, upscaler: upscaler, service: ServiceNotifier(),
                                notify: { if !quiet { Terminal.note($0) } },
                                report: { r in
                                    if !quiet && progress != .none { Terminal.write((json ? JSONLine.encode(r) : Self.line(r, named: named)) + "\n") }
                                })
            let interrupts = InterruptHandler { Terminal.note("stopping") }
            let server = try startServer(job: job, stop: interrupts.stop)
            defer { server?.stop() }
            let reloads = config.map { path in ReloadOnHangup { reload(job, from: path) } }
            defer { _ = reloads }
            let summary = try job.run(stop: interrupts.stop)
            // A single stream that never came up: its error alone, no summary of nothing.
            if endpoints.count == 1, let f = summary.failures.first, summary.streams[0].framesIn == 0 {
                throw VSRError.unsupported(f.why)
            }
            if json {
                print(summary.streams.count == 1 ? JSONLine.encode(summary.streams[0]) : JSONLine.encode(summary.streams))
            } else {
                summary.streams.forEach { print("summary: " + Self.line($0, named: named)) }
            }
            if let advice = summary.advice { Terminal.note(advice) }
            // A camera given up (or whose file output failed) is a failure of the run: exit 1,
            // one line each (a single stream: its error alone, as any other failure).
            if endpoints.count == 1, let f = summary.failures.first { throw VSRError.unsupported(f.why) }
            if !summary.failures.isEmpty {
                summary.failures.forEach { Terminal.error("\($0.camera): \($0.why)") }
                throw ExitCode.failure
            }
        }
    }

    /// One stream's figures as a readable line.
    /// `named`: with the stream's name first (several cameras).
    static func line(_ r: StreamStats.Report, named: Bool) -> String {
        String(format: "%@%@  in %.1f fps  out %.1f fps  upscaled %d  fallback %d  dropped %d  latency p50/p95/p99 %.0f/%.0f/%.0f ms  reconnects %d",
               named ? "[\(r.stream)] " : "", Self.stateText(r), r.inputFps, r.outputFps, r.upscaled, r.fallback, r.dropped,
               r.latencyMsP50, r.latencyMsP95, r.latencyMsP99, r.reconnects)
    }

    /// "127.0.0.1:8080" or "[::1]:8080" as host and port.
    static func listenAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--http takes HOST:PORT (e.g. 127.0.0.1:8080), not '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--http needs a host: 127.0.0.1:\(port) for this machine only, 0.0.0.0:\(port) for all") }
        return (host, port)
    }

    /// The HTTP endpoint, when --http asks for one.
    private func startServer(job: StreamJob, stop: StopFlag) throws -> StatusServer? {
        guard let http else { return nil }
        let (host, port) = try Self.listenAddress(http)
        var token: String? = nil
        if let httpTokenFile {
            guard let handle = FileHandle(forReadingAtPath: httpTokenFile), let data = try? handle.read(upToCount: 4096),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw VSRError.unsupported("cannot read a token from \(httpTokenFile) (one line of text, at most 4 KiB)")
            }
            token = text
        }
        let format = self.format, quiet = self.quiet
        @Sendable func reconfigureOverHTTP(_ body: [UInt8]) throws -> StreamJob.Reload {
            let endpoints: [StreamEndpoint]
            do { endpoints = try StreamConfig.endpoints(from: Data(body), source: "the configuration", defaultFormat: format) } catch {
                throw VSRError.unsupported(error.description)
            }
            let r = try job.reconfigure(endpoints)
            if !quiet { Terminal.note("configuration changed over HTTP (the --config file is unchanged: a SIGHUP re-reads it)") }
            return r
        }
        let reconfigure: (@Sendable ([UInt8]) throws -> StreamJob.Reload)? = config == nil ? nil : reconfigureOverHTTP
        let routes = StatusRoutes(job: job, stop: { stop.raise() }, reconfigure: reconfigure, readyShare: readyShare, token: token)
        do {
            let server = try StatusServer(host: host, port: port, routes: routes)
            if !quiet { Terminal.note("status on http://\(http.hasPrefix("[") || !host.contains(":") ? host : "[\(host)]"):\(server.port)/") }
            return server
        } catch {
            throw VSRError.unsupported("cannot listen on \(http): \(error)")
        }
    }

    /// "live", or "down 12 s (cannot open ...)" for a camera that is not live.
    static func stateText(_ r: StreamStats.Report) -> String {
        guard r.state != .live else { return r.state.rawValue }
        let seconds = Int(max(0, Date().timeIntervalSince1970 - r.stateSince))
        let why = r.lastError.map { " (\($0))" } ?? ""
        return "\(r.state.rawValue) \(seconds) s\(why)"
    }

    /// SIGHUP: the --config file again; a bad file leaves the running cameras as they are.
    private func reload(_ job: StreamJob, from path: String) {
        do {
            try job.reconfigure(Self.readConfig(path, format: format))
        } catch {
            Terminal.error("configuration not reloaded, the cameras run as before: \(error)")
        }
    }

    /// `--check-config FILE`: the cameras it would run, or the one line saying what is wrong.
    static func check(_ path: String, format: String?) throws {
        let endpoints = try readConfig(path, format: format)
        print("\(path): \(endpoints.count) camera\(endpoints.count == 1 ? "" : "s")")
        for e in endpoints {
            print("  \(e.label): \(redactedURL(e.input)) -> \(e.output)\(e.format.map { " (\($0))" } ?? "")")
        }
    }

    private func loadEndpoints() throws -> [StreamEndpoint] {
        guard let config else { return [StreamEndpoint(input: input!, output: output!, format: format)] }
        return try Self.readConfig(config, format: format)
    }

    static func readConfig(_ config: String, format: String?) throws -> [StreamEndpoint] {
        // Read at most 1 MiB: /dev/zero or a huge file given by mistake must not fill the memory.
        guard let handle = FileHandle(forReadingAtPath: config), let data = try? handle.read(upToCount: 1 << 20) else {
            throw VSRError.unsupported("cannot read \(config)")
        }
        guard data.count < 1 << 20 else { throw VSRError.unsupported("\(config) is larger than 1 MiB; it is not a stream list") }
        do { return try StreamConfig.endpoints(from: data, source: config, defaultFormat: format) } catch {
            throw VSRError.unsupported(error.description)
        }
    }
}

extension OverloadPolicy: ExpressibleByArgument {}

/// SIGHUP, as services are told to re-read their configuration (`systemctl reload`).
final class ReloadOnHangup {
    private let source: any DispatchSourceSignal
    init(_ action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
    }
}
