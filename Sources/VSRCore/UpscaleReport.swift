import Foundation

extension UpscaleSummary {
    /// The machine-readable summary of a run: what `vsr bench pipeline` collects.
    public func jsonReport(job: UpscaleJob, model: String, scale: Int, workers: Int?) -> String {
        let threads = Double(max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount))
        var stages: [String: Any] = [:]
        for stage in StageClock.Stage.allCases {
            let busy = job.clock.seconds(stage)
            // Upscale and chroma run on every worker: their share is of all workers' time.
            let parallel = stage == .upscale || stage == .chroma ? threads : 1
            stages[stage.name] = ["busy_s": round3(busy), "share": round3(busy / max(seconds * parallel, 1e-9)),
                                  "fps_alone": busy > 0 ? round3(Double(framesOut) * parallel / busy) : 0]
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let o: [String: Any] = [
            "input": job.options.input, "model": model, "scale": scale, "frames": framesOut,
            "seconds": round3(seconds), "fps": round3(fps), "source_fps": round3(sourceFPS),
            "realtime_factor": sourceFPS > 0 ? round3(fps / sourceFPS) : 0, "workers": Int(threads),
            "decode_errors": decodeErrors, "stages": stages, "peak_rss_mb": round3(Double(usage.ru_maxrss) / 1024),
        ]
        let data = try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
