import Foundation
import VSRPipeline

/// The machine-readable summary of a run (`vsr upscale --report json`): what `vsr bench
/// pipeline` collects from the process it spawned. Keys are snake_case when encoded.
public struct UpscaleReport: Codable, Sendable {
    public struct StageReport: Codable, Sendable {
        public let busyS: Double
        /// Busy share of the run (0...1); for the per-worker stages, of all workers' time.
        public let share: Double
        /// The frame rate this stage alone would allow.
        public let fpsAlone: Double
    }
    public let input: String
    public let model: String
    /// "fp32" or "int8" (nil in reports of older versions).
    public let precision: String?
    public let scale: Int
    public let frames: Int
    public let seconds: Double
    public let fps: Double
    public let sourceFps: Double
    public let realtimeFactor: Double
    public let workers: Int
    public let decodeErrors: Int
    /// By stage name (demux, decode, upscale, chroma, encode, mux).
    public let stages: [String: StageReport]
    public let peakRssMb: Double

    public init(summary: UpscaleSummary, job: UpscaleJob, model: String, precision: String, scale: Int) {
        let threads = Double(max(1, job.options.workers ?? ProcessInfo.processInfo.activeProcessorCount))
        var stages: [String: StageReport] = [:]
        for stage in StageClock.Stage.allCases {
            let busy = job.clock.seconds(stage)
            // Upscale and chroma run on every worker: their share is of all workers' time.
            let parallel = stage == .upscale || stage == .chroma ? threads : 1
            stages[stage.name] = StageReport(busyS: round3(busy), share: round3(busy / max(summary.seconds * parallel, 1e-9)),
                                             fpsAlone: busy > 0 ? round3(Double(summary.framesOut) * parallel / busy) : 0)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        input = job.options.input
        self.model = model
        self.precision = precision
        self.scale = scale
        frames = summary.framesOut
        seconds = round3(summary.seconds)
        fps = round3(summary.fps)
        sourceFps = round3(summary.sourceFPS)
        realtimeFactor = summary.sourceFPS > 0 ? round3(summary.fps / summary.sourceFPS) : 0
        workers = Int(threads)
        decodeErrors = summary.decodeErrors
        self.stages = stages
        peakRssMb = round3(Double(usage.ru_maxrss) / 1024)
    }
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
