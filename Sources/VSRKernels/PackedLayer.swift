/// How one layer's output is tiled: O output channels x X vectors of 8 or 16 lanes.
public struct LayerBlocking: Sendable, Equatable, CustomStringConvertible {
    public var outputs: Int
    public var vectors: Int
    public var lanes: Int
    public init(outputs: Int, vectors: Int, lanes: Int = 8) {
        self.outputs = outputs
        self.vectors = vectors
        self.lanes = lanes
    }
    public var description: String { "\(outputs)x\(vectors)@\(lanes)" }
}

/// A convolution prepared for the micro-kernels: weights re-packed once at load into
/// [block][c][ky][kx][o] so each tap's O weights are adjacent (the same layout serves 8- and
/// 16-lane kernels), and a blocking chosen per shape.
final class PackedLayer: @unchecked Sendable {
    let kernel: Int, inChannels: Int, outChannels: Int
    let blocking: LayerBlocking
    let activation: ActivationCode
    /// Per block of `blocking.outputs` output channels: where its weights are and which kernels
    /// run it. Flat unsafe tables, so the per-tile loop touches no reference-counted object
    /// (iterating an array of structs holding arrays cost ~9 % of a small network in retain/release).
    let blocks: UnsafeMutableBufferPointer<Block>
    /// kernels[b * blocking.vectors + v - 1] computes v vectors of `blocking.lanes` lanes for block b.
    private let kernels: UnsafeMutableBufferPointer<MicroKernel>
    /// tails[b]: one 8-lane vector, the odd tail of a 16-lane row.
    private let tails: UnsafeMutableBufferPointer<MicroKernel>
    private let storage: UnsafeMutablePointer<Float>

    struct Block {
        let firstChannel: Int
        let weights: UnsafePointer<Float>
        let bias: UnsafePointer<Float>
        let slopes: UnsafePointer<Float>
    }

    init(_ l: ConvLayer, blocking: LayerBlocking? = nil) {
        kernel = l.kernel
        inChannels = l.inChannels
        outChannels = l.outChannels
        let choice = blocking ?? PackedLayer.defaultBlocking(outChannels: l.outChannels)
        self.blocking = choice
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
        var blocks: [Block] = [], kernels: [MicroKernel] = [], tails: [MicroKernel] = []
        let slopes = l.activation.slopes ?? [Float](repeating: 0, count: l.outChannels)
        let table = choice.lanes == 16 ? KernelRegistry.wideKernels : microKernels
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
            kernels += (1...choice.vectors).map { v in table[MicroKernelKey(kernel: l.kernel, outputs: n, vectors: v)]! }
            tails.append(microKernels[MicroKernelKey(kernel: l.kernel, outputs: n, vectors: 1)]!)
            blocks.append(Block(firstChannel: o0, weights: w, bias: b, slopes: s))
        }
        self.blocks = .allocate(capacity: blocks.count)
        _ = self.blocks.initialize(from: blocks)
        self.kernels = .allocate(capacity: kernels.count)
        _ = self.kernels.initialize(from: kernels)
        self.tails = .allocate(capacity: tails.count)
        _ = self.tails.initialize(from: tails)
    }

    deinit {
        storage.deallocate()
        blocks.deallocate()
        kernels.deinitialize().deallocate()
        tails.deinitialize().deallocate()
    }

    /// Kernel sizes the generated micro-kernels cover.
    static let supportedKernels: Set<Int> = [1, 3, 5]

    /// Computes one output row: `rows` are the k input rows (channel 0, column -p), `out` the
    /// first output channel at column 0; `vectors` = ceil(width / 8). x outer, channel blocks
    /// inner, so a tile's input stays in L1 while every block uses it.
    @inline(__always)
    func convolveRow(rows: UnsafePointer<UnsafePointer<Float>>, vectors: Int, stride: Int,
                     out: UnsafeMutablePointer<Float>) {
        var tile = ConvTile(rows: rows, x: 0, channelStride: stride, inChannels: inChannels,
                            weights: blocks[0].weights, bias: blocks[0].bias, slopes: blocks[0].slopes,
                            activation: activation, out: out, outChannelStride: stride)
        let step = blocking.lanes / 8  // 8-lane vectors per kernel vector
        var v = 0
        while v < vectors {
            let n = min(blocking.vectors, (vectors - v) / step)
            tile.x = v &* 8
            for b in 0..<blocks.count {
                let block = blocks[b]
                tile.weights = block.weights
                tile.bias = block.bias
                tile.slopes = block.slopes
                tile.out = out + block.firstChannel &* stride
                // A 16-lane row ending in an odd 8-lane vector finishes with one 8-lane tile.
                if n == 0 { tails[b](tile) } else { kernels[b &* blocking.vectors &+ n &- 1](tile) }
            }
            v &+= n == 0 ? 1 : n &* step
        }
    }

    /// Every blocking the available micro-kernels offer for this many output channels.
    static func candidates(outChannels: Int) -> [LayerBlocking] {
        var widths = [(lanes: 8, accumulators: maxAccumulators)]
        if KernelRegistry.hasWideKernels { widths.append((16, KernelRegistry.wideMaxAccumulators)) }
        return widths.flatMap { w in
            (1...min(8, outChannels)).flatMap { o in
                (1...4).filter { o * $0 <= w.accumulators }.map { LayerBlocking(outputs: o, vectors: $0, lanes: w.lanes) }
            }
        }
    }

    /// A good blocking without measuring (tests, debug builds): 12 accumulators as 6x2 or 4x3.
    static func defaultBlocking(outChannels: Int) -> LayerBlocking {
        if outChannels >= 6 && outChannels % 6 == 0 || outChannels > 8 { return LayerBlocking(outputs: 6, vectors: 2) }
        return LayerBlocking(outputs: outChannels, vectors: min(4, maxAccumulators / outChannels))
    }
}
