/// A convolution prepared for the micro-kernels: weights re-packed once at load into
/// [block][c][ky][kx][o] so each tap's O weights are adjacent, and a blocking chosen per shape.
final class PackedLayer: @unchecked Sendable {
    let kernel: Int, inChannels: Int, outChannels: Int
    let outputsPerBlock: Int, vectorsPerTile: Int
    let activation: ActivationCode
    let blocks: [Block]
    private let storage: UnsafeMutablePointer<Float>

    struct Block {
        let firstChannel: Int
        let count: Int
        let weights: UnsafePointer<Float>
        let bias: UnsafePointer<Float>
        let slopes: UnsafePointer<Float>
        /// kernels[v] computes v vectors (1...vectorsPerTile).
        let kernels: [MicroKernel]
    }

    init(_ l: ConvLayer, blocking: (outputs: Int, vectors: Int)? = nil) {
        kernel = l.kernel
        inChannels = l.inChannels
        outChannels = l.outChannels
        let choice = blocking ?? PackedLayer.chooseBlocking(kernel: l.kernel, outChannels: l.outChannels)
        outputsPerBlock = choice.outputs
        vectorsPerTile = choice.vectors
        switch l.activation {
        case .none: activation = .none
        case .relu: activation = .relu
        case .tanh: activation = .tanh
        case .prelu: activation = .prelu
        }
        let k2 = l.kernel * l.kernel
        let perChannel = l.inChannels * k2 + 2  // weights + bias + slope
        storage = .allocate(capacity: l.outChannels * perChannel)
        var p = storage
        var blocks: [Block] = []
        let slopes = l.activation.slopes ?? [Float](repeating: 0, count: l.outChannels)
        for o0 in stride(from: 0, to: l.outChannels, by: choice.outputs) {
            let n = min(choice.outputs, l.outChannels - o0)
            let w = p
            for c in 0..<l.inChannels {
                for ky in 0..<l.kernel {
                    for kx in 0..<l.kernel {
                        for o in 0..<n { p[((c * l.kernel + ky) * l.kernel + kx) * n + o] = l.weight(out: o0 + o, in: c, ky, kx) }
                    }
                }
            }
            p += l.inChannels * k2 * n
            let b = p
            for o in 0..<n { b[o] = l.bias[o0 + o] }
            p += n
            let s = p
            for o in 0..<n { s[o] = slopes[o0 + o] }
            p += n
            let kernels = (1...choice.vectors).map { v in
                microKernels[MicroKernelKey(kernel: l.kernel, outputs: n, vectors: v)]!
            }
            blocks.append(Block(firstChannel: o0, count: n, weights: w, bias: b, slopes: s, kernels: kernels))
        }
        self.blocks = blocks
    }

    deinit { storage.deallocate() }

    /// Kernel sizes the generated micro-kernels cover.
    static let supportedKernels: Set<Int> = [1, 3, 5]

    /// Picks (O, X) by a throughput model of an AVX2 core: 2 FMAs and ~3 loads per cycle. Per
    /// tap a tile costs max(O*X/2, (O+X)/3) cycles for O*X*8 multiply-adds; tail blocks count.
    static func chooseBlocking(kernel: Int, outChannels: Int) -> (outputs: Int, vectors: Int) {
        var best = (outputs: 1, vectors: 1), bestCost = Double.infinity
        for o in 1...min(8, outChannels) {
            for x in 1...4 where o * x <= maxAccumulators {
                var cycles = 0.0
                var c = 0
                while c < outChannels {
                    let n = min(o, outChannels - c)
                    cycles += max(Double(n * x) / 2, Double(n + x) / 3 + 0.35)
                    c += n
                }
                // Wider x tiles waste more of the last partial tile on narrow frames.
                let cost = cycles / Double(x) * (1 + 0.01 * Double(x))
                if cost < bestCost { bestCost = cost; best = (o, x) }
            }
        }
        return best
    }
}
