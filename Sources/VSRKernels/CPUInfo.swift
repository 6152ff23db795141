import Foundation

/// What the benchmark reports say about the machine.
public enum CPUInfo {
    public static var model: String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    /// The CPU's feature flags (Linux /proc/cpuinfo), read once.
    public static let flags: Set<Substring> = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        return Set(line.split(separator: " "))
    }()

    /// Nil when the kernels can run here; otherwise what is wrong and how to fix it.
    public static var unsupportedReason: String? {
        guard compiledForAVX2 else { return nil }
        let f = flags
        if f.isEmpty || (f.contains("avx2") && f.contains("fma")) { return nil }
        return "this build of vsr uses AVX2 and FMA, which this CPU lacks; rebuild with `make build VSR_PORTABLE=1`"
    }

    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The instruction set the kernels were compiled for.
    public static var kernelISA: String {
        #if arch(x86_64) && canImport(Glibc)
        if KernelRegistry.hasWideKernels { return "avx512f (zmm) + avx2+fma, chosen per layer" }
        return compiledForAVX2 ? "avx2+fma (x86-64-v3)" : "x86-64 baseline (no AVX2: portable build)"
        #else
        return "portable SIMD"
        #endif
    }

    static var compiledForAVX2: Bool {
        // -march=x86-64-v3 reaches Swift code generation, but Swift exposes no __AVX2__ macro;
        // the Makefile passes VSR_AVX2 with the same flags.
        #if VSR_AVX2
        return true
        #else
        return false
        #endif
    }
}
