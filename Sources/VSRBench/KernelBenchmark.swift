import Foundation
import VSRKernels
import VSRPipeline

/// Times the fast executor on one network: whole frames, ms per frame (median), GFLOP/s.
public enum KernelBenchmark {
    public struct Result: Sendable, Codable {
        public let model: String
        /// What ran: "fp32" or "int8".
        public let precision: String
        public let width: Int, height: Int, scale: Int, threads: Int
        public let msMedian: Double
        /// (p90 - p10) / median of the timed runs: how much the machine disturbed them.
        public let spread: Double
        /// Giga operations per second, 2 per multiply-add (fp32 or int8).
        public let gflops: Double
        /// Of the FMA peak (fp32) or the VNNI peak (int8).
        public let percentOfPeak: Double
    }

    /// `compiled` is tuned once by the caller and timed at every size and thread count.
    public static func run(_ compiled: CompiledNetwork, name: String, width: Int, height: Int, threads: Int,
                           peakGflops: Double, runs: Int = 20, warmup: Int = 3) -> Result {
        let net = compiled.network, r = net.scale
        let src = UnsafeMutableRawPointer.allocate(byteCount: width * height, alignment: 64)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: width * height * r * r, alignment: 64)
        defer { src.deallocate(); dst.deallocate() }
        for i in 0..<width * height { src.storeBytes(of: UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13), toByteOffset: i, as: UInt8.self) }
        let input = LumaPlane(base: src, width: width, height: height, rowBytes: width, bitDepth: 8)
        let output = LumaPlane(base: dst, width: width * r, height: height * r, rowBytes: width * r, bitDepth: 8)
        let worker = NetworkUpscaler(compiled, name: name, bandsPerFrame: threads).makeWorker()
        var times: [Double] = []
        for i in 0..<(warmup + runs) {
            let start = monotonicNanos()
            worker.upscale(input, into: output)
            if i >= warmup { times.append(Double(monotonicNanos() - start) / 1e6) }
        }
        times.sort()
        let ms = times[times.count / 2]
        let spread = (times[times.count * 9 / 10] - times[times.count / 10]) / ms
        let gflops = 2 * Double(net.macsPerPixel) * Double(width * height) / (ms / 1000) / 1e9
        return Result(model: name, precision: compiled.runsInt8 ? "int8" : "fp32", width: width, height: height, scale: r, threads: threads, msMedian: ms, spread: spread,
                      gflops: gflops, percentOfPeak: 100 * gflops / peakGflops)
    }
}
