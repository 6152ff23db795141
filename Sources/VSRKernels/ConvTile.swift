import Synchronization

/// What a micro-kernel computes: O output channels x 8X pixels of one output row, from k input
/// rows. Plain pointers and integers, passed by value: no retain/release in the hot loop.
package struct ConvTile {
    /// k pointers to the input rows y-p ... y+p, each at channel 0, column -p.
    package var rows: UnsafePointer<UnsafePointer<Float>>
    /// Column of the first output pixel (a multiple of 8).
    package var x: Int
    /// Floats from one channel's row to the next channel's row.
    package var channelStride: Int
    package var inChannels: Int
    /// Packed [c][ky][kx][o] for this block's O output channels.
    package var weights: UnsafePointer<Float>
    package var bias: UnsafePointer<Float>
    package var slopes: UnsafePointer<Float>
    package var activation: ActivationCode
    /// The block's first output channel row, at column 0.
    package var out: UnsafeMutablePointer<Float>
    package var outChannelStride: Int
}

package enum ActivationCode: UInt8 { case none, relu, prelu, tanh }

package typealias MicroKernel = @Sendable (ConvTile) -> Void

package struct MicroKernelKey: Hashable, Sendable {
    package let kernel: Int, outputs: Int, vectors: Int
    package init(kernel: Int, outputs: Int, vectors: Int) {
        self.kernel = kernel
        self.outputs = outputs
        self.vectors = vectors
    }
}

@inline(__always)
func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// acc + x * w. With AVX2+FMA compiled in, one fused multiply-add (vfmadd231ps); without it a
/// fused multiply-add would be a libm `fmaf` call per lane (130x slower), so the portable build
/// multiplies and adds, which baseline SSE vectorises.
@inline(__always)
func madd(_ acc: SIMD8<Float>, _ x: SIMD8<Float>, _ w: SIMD8<Float>) -> SIMD8<Float> {
    #if VSR_AVX2
    return acc.addingProduct(x, w)
    #else
    return acc + x * w
    #endif
}

/// Applies the activation and stores 8 results. `replacing(with:where:)` compiles to a blend;
/// `pointwiseMax` would be an out-of-line loop.
@inline(__always)
func store(_ v: SIMD8<Float>, channel o: Int, _ t: ConvTile, _ p: UnsafeMutablePointer<Float>) {
    var v = v
    switch t.activation {
    case .none: break
    case .relu: v = v.replacing(with: 0, where: v .< 0)
    case .prelu: v = v.replacing(with: v * SIMD8(repeating: t.slopes[o]), where: v .< 0)
    case .tanh: for i in 0..<8 { v[i] = Foundation_tanh(v[i]) }
    }
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Micro-kernels that a wider instruction set adds at run time (VSRKernelsAVX512 registers its
/// 16-lane kernels when the CPU has AVX-512). The tuner then chooses per layer between 8 and 16
/// lanes by measurement.
package enum KernelRegistry {
    private static let wide = Mutex<(kernels: [MicroKernelKey: MicroKernel], maxAccumulators: Int, peak: (@Sendable (Int) -> Double)?)>(([:], 0, nil))

    package static func installWide(_ kernels: [MicroKernelKey: MicroKernel], maxAccumulators: Int,
                                    peak: @escaping @Sendable (Int) -> Double) {
        wide.withLock { $0 = (kernels, maxAccumulators, peak) }
    }

    static var wideKernels: [MicroKernelKey: MicroKernel] { wide.withLock { $0.kernels } }
    static var wideMaxAccumulators: Int { wide.withLock { $0.maxAccumulators } }
    static var widePeak: (@Sendable (Int) -> Double)? { wide.withLock { $0.peak } }
    public static var hasWideKernels: Bool { !wideKernels.isEmpty }
}
