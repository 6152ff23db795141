import CKernelsInt8

/// This machine's int8 multiply-add throughput with zmm `vpdpbusd` (AVX512-VNNI): the ceiling an
/// int8 engine is measured against, as FMAPeak is for fp32. 64 u8 x s8 multiply-adds per
/// instruction where an fp32 FMA does 16.
public enum VNNIPeak {
    /// The zmm int8 kernels' CPU check: the probe is the same instructions.
    public static var available: Bool { Int8ISA.zmm.isAvailable }

    /// Giga int8 multiply-adds per second on `threads` threads (nil without AVX512-VNNI).
    public static func measure(threads: Int) -> Double? {
        guard available else { return nil }
        let iterations: Int64 = 8_000_000
        // FMAPeak.gflops counts 2 operations per multiply-add; halve it back to multiply-adds.
        return FMAPeak.gflops(threads: threads, flopsPerThread: Double(iterations) * 12 * 64 * 2) { t in
            _ = vsr_vnni_probe(iterations, Int32(t))
        } / 2
    }

    /// A u8 x s8 dot product of `a.count` (a multiple of 64) bytes with vpdpbusd.
    public static func dot(_ a: [UInt8], _ b: [Int8]) -> Int32 {
        precondition(a.count == b.count && a.count % 64 == 0 && available)
        return vsr_vnni_dot(a, b, Int64(a.count))
    }

    public static func referenceDot(_ a: [UInt8], _ b: [Int8]) -> Int32 { vsr_dot_reference(a, b, Int64(a.count)) }
}
