import VSRKernels
import VSRMedia
import VSRPipeline
import VSRUpscale

/// Upscales with the library, as `vsr upscale` does.
@discardableResult
func upscale(_ input: String, _ output: String, scale: Int = 2, upscaler: (any LumaUpscaler)? = nil,
             stop: StopFlag = StopFlag(), configure: (inout UpscaleOptions) -> Void = { _ in }) throws -> UpscaleSummary {
    configureFFmpegLogging(verbose: false)  // damaged-input tests would fill the log otherwise
    var o = UpscaleOptions(input: input, output: output)
    o.workers = 2
    configure(&o)
    let job = UpscaleJob(options: o, upscaler: upscaler ?? BicubicUpscaler(scale: scale), notify: { _ in })
    return try job.run(stop: stop)
}
