import VSRKernels

/// 16-lane (zmm) micro-kernels for CPUs with AVX-512. This target is compiled for x86-64-v4 in
/// release builds: any function here may contain AVX-512 instructions, so the CPU check happens
/// in the caller (`installIfSupported` in VSRKernels' terms: see `vsr`'s main).
public enum AVX512Kernels {
    /// Offers the 16-lane kernels to the engine's tuner (which keeps them only where they are
    /// faster). Call only on a CPU with avx512f. `force` installs them in builds without AVX-512
    /// code generation too (debug tests), where they are plain portable SIMD code.
    @discardableResult
    public static func install(force: Bool = false) -> Bool {
        guard force || compiledForAVX512 else { return false }
        KernelRegistry.installWide(microKernels16, maxAccumulators: maxAccumulators16, peak: measurePeak)
        return true
    }

    /// Whether this build's 16-lane kernels are AVX-512 code (release) or portable SIMD (debug).
    public static var isCompiledForAVX512: Bool { compiledForAVX512 }

    static var compiledForAVX512: Bool {
        #if VSR_AVX512
        return true
        #else
        return false
        #endif
    }

    /// GFLOP/s of 16-lane FMAs on `threads` threads at once.
    static func measurePeak(threads: Int) -> Double {
        let iterations = 16_000_000  // ~25 ms bursts: time for the scheduler to spread the threads
        return FMAPeak.gflops(threads: threads, flopsPerThread: Double(iterations) * 12 * 16 * 2) { t in
            _ = probe(iterations, Float(t))
        }
    }

    @inline(never)
    static func probe(_ n: Int, _ seed: Float) -> Float {
        let b = SIMD16<Float>(repeating: 0.999_999), c = SIMD16<Float>(repeating: seed)
        var a0 = c, a1 = c + 1, a2 = c + 2, a3 = c + 3, a4 = c + 4, a5 = c + 5
        var a6 = c + 6, a7 = c + 7, a8 = c + 8, a9 = c + 9, a10 = c + 10, a11 = c + 11
        for _ in 0..<n {
            a0 = madd16(a0, a0, b); a1 = madd16(a1, a1, b); a2 = madd16(a2, a2, b); a3 = madd16(a3, a3, b)
            a4 = madd16(a4, a4, b); a5 = madd16(a5, a5, b); a6 = madd16(a6, a6, b); a7 = madd16(a7, a7, b)
            a8 = madd16(a8, a8, b); a9 = madd16(a9, a9, b); a10 = madd16(a10, a10, b); a11 = madd16(a11, a11, b)
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
    }
}


// The 16-lane twins of ConvTile.swift's load/madd/store: they must be compiled in this module,
// under its AVX-512 flags, so a generic shared with the 8-lane module would not do.
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func madd16(_ acc: SIMD16<Float>, _ x: SIMD16<Float>, _ w: SIMD16<Float>) -> SIMD16<Float> {
    #if VSR_AVX512
    return acc.addingProduct(x, w)
    #else
    return acc + x * w
    #endif
}

@inline(__always)
func store16(_ v: SIMD16<Float>, channel o: Int, _ t: ConvTile, _ p: UnsafeMutablePointer<Float>) {
    var v = v
    switch t.activation {
    case .none: break
    case .relu: v = v.replacing(with: 0, where: v .< 0)
    case .prelu: v = v.replacing(with: v * SIMD16(repeating: t.slopes[o]), where: v .< 0)
    case .tanh: for i in 0..<16 { v[i] = Foundation_tanh(v[i]) }
    }
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
