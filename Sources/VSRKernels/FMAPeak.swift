import Foundation

/// Measures this machine's FP32 FMA throughput with SIMD8 (AVX2 ymm) FMAs: 12 independent
/// accumulator chains hide the FMA latency, so the loop runs at the FMA units' rate.
public enum FMAPeak {
    @inline(never)
    static func probe(iterations: Int, seed: Float) -> Float {
        let b = SIMD8<Float>(repeating: 0.999_999), c = SIMD8<Float>(repeating: seed)
        var a0 = c, a1 = c + 1, a2 = c + 2, a3 = c + 3, a4 = c + 4, a5 = c + 5
        var a6 = c + 6, a7 = c + 7, a8 = c + 8, a9 = c + 9, a10 = c + 10, a11 = c + 11
        for _ in 0..<iterations {
            a0 = a0.addingProduct(a0, b); a1 = a1.addingProduct(a1, b); a2 = a2.addingProduct(a2, b)
            a3 = a3.addingProduct(a3, b); a4 = a4.addingProduct(a4, b); a5 = a5.addingProduct(a5, b)
            a6 = a6.addingProduct(a6, b); a7 = a7.addingProduct(a7, b); a8 = a8.addingProduct(a8, b)
            a9 = a9.addingProduct(a9, b); a10 = a10.addingProduct(a10, b); a11 = a11.addingProduct(a11, b)
        }
        let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
        return s.sum()
    }

    /// GFLOP/s on `threads` threads at once (best of several runs; 2 FLOP per multiply-add).
    public static func measure(threads: Int, seconds: Double = 0.3) -> Double {
        let iterations = 2_000_000
        let flops = Double(iterations) * 12 * 8 * 2
        var best = 0.0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                _ = probe(iterations: iterations, seed: Float(t) * 1e-7)
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, flops * Double(threads) / elapsed / 1e9)
        }
        return best
    }
}
