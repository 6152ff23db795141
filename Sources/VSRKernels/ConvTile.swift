/// What a micro-kernel computes: O output channels x 8X pixels of one output row, from k input
/// rows. Plain pointers and integers, passed by value: no retain/release in the hot loop.
struct ConvTile {
    /// k pointers to the input rows y-p ... y+p, each at channel 0, column -p.
    var rows: UnsafePointer<UnsafePointer<Float>>
    /// Column of the first output pixel (a multiple of 8).
    var x: Int
    /// Floats from one channel's row to the next channel's row.
    var channelStride: Int
    var inChannels: Int
    /// Packed [c][ky][kx][o] for this block's O output channels.
    var weights: UnsafePointer<Float>
    var bias: UnsafePointer<Float>
    var slopes: UnsafePointer<Float>
    var activation: ActivationCode
    /// The block's first output channel row, at column 0.
    var out: UnsafeMutablePointer<Float>
    var outChannelStride: Int
}

enum ActivationCode: UInt8 { case none, relu, prelu, tanh }

typealias MicroKernel = @Sendable (ConvTile) -> Void

struct MicroKernelKey: Hashable {
    let kernel: Int, outputs: Int, vectors: Int
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
