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
            a0 = madd(a0, a0, b); a1 = madd(a1, a1, b); a2 = madd(a2, a2, b)
            a3 = madd(a3, a3, b); a4 = madd(a4, a4, b); a5 = madd(a5, a5, b)
            a6 = madd(a6, a6, b); a7 = madd(a7, a7, b); a8 = madd(a8, a8, b)
            a9 = madd(a9, a9, b); a10 = madd(a10, a10, b); a11 = madd(a11, a11, b)
        }
        let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
        return s.sum()
    }

    /// GFLOP/s on `threads` threads at once (best of several runs; 2 FLOP per multiply-add).
    /// Dedicated threads released together: a GCD pool may not have a second thread ready and
    /// would run the probes one after the other.
    public static func measure(threads: Int) -> Double {
        let simd8 = measure8(threads: threads)
        // With 16-lane kernels installed, the machine's peak is theirs.
        return max(simd8, KernelRegistry.widePeak?(threads) ?? 0)
    }

    static func measure8(threads: Int) -> Double {
        let iterations = 16_000_000  // ~25 ms bursts: time for the scheduler to spread the threads
        return gflops(threads: threads, flopsPerThread: Double(iterations) * 12 * 8 * 2) { t in
            _ = probe(iterations: iterations, seed: Float(t) * 1e-7)
        }
    }

    /// Runs `body(thread)` on `threads` dedicated threads released together, best of 5 runs,
    /// and returns GFLOP/s for `flopsPerThread` per thread. Shared by every width's probe.
    package static func gflops(threads: Int, flopsPerThread: Double, _ body: @escaping @Sendable (Int) -> Void) -> Double {
        var best = 0.0
        for _ in 0..<5 {
            let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            for t in 0..<threads {
                Thread {
                    ready.signal()
                    go.wait()
                    body(t)
                    done.signal()
                }.start()
            }
            for _ in 0..<threads { ready.wait() }
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<threads { go.signal() }
            for _ in 0..<threads { done.wait() }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, flopsPerThread * Double(threads) / elapsed / 1e9)
        }
        return best
    }
}
