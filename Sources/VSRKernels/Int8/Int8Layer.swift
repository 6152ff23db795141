import CKernelsInt8

/// A convolution prepared for the int8 kernels: s8 weights packed once at load into
/// [block][group][ky][kx][o], four input channels' weights in each 32-bit word (the operand
/// vpdpbusd broadcasts), the input zero point folded into the accumulator's start
/// (-sum over channels of zeroPoint[c] * weights), and the requantisation constants per output
/// channel.
///
/// The first layer reads the luma "packed by rows": each word holds 4 neighbouring pixels, so its
/// weights are [ky][ceil(k/4)][o] words of 4 horizontal taps (see scripts/gen_int8_kernels.py).
///
/// Intermediate layers store u8 in channel groups of 4: their outputs are padded to a multiple of
/// 4 (padded channels have zero weights and come out as the zero point, and the next layer gives
/// them zero weights). The last layer stores floats for the fp32 pixel shuffle and residual.
final class Int8Layer: @unchecked Sendable {
    let kernel: Int, inChannels: Int, outChannels: Int
    /// Input channel groups of 4.
    let groups: Int
    /// Output channels as stored: rounded up to 4 for a u8 store.
    let storedChannels: Int
    let storesFloat: Bool
    /// The first layer's input form: 4 neighbouring pixels per word instead of 4 channels.
    let packedRows: Bool
    let isa: Int8ISA
    let blocking: LayerBlocking
    /// The next layer's input quantisation (nil for the float store).
    let output: Int8Quantization.Activations?
    private let blocks: UnsafeMutableBufferPointer<Block>
    /// kernels[b * blocking.vectors + n - 1] computes n vectors for block b.
    private let kernels: UnsafeMutableBufferPointer<vsr_i8_kernel>
    private let words: UnsafeMutablePointer<Int32>
    private let floats: UnsafeMutablePointer<Float>

    struct Block {
        let firstChannel: Int
        let weights: UnsafePointer<Int32>
        let bias: UnsafePointer<Int32>
        let scale: UnsafePointer<Float>
        let offset: UnsafePointer<Float>
        let slope: UnsafePointer<Float>
        let inverse: UnsafePointer<Float>
        let zero: UnsafePointer<Float>
    }

    /// `output`: the next layer's input quantisation, or nil for the last layer (float store).
    init(_ l: ConvLayer, _ q: Int8Quantization.Layer, output: Int8Quantization.Activations?, isa: Int8ISA,
         packedRows: Bool, blocking: LayerBlocking? = nil) {
        precondition(!packedRows || l.inChannels == 1)
        self.packedRows = packedRows
        kernel = l.kernel
        inChannels = l.inChannels
        outChannels = l.outChannels
        groups = (l.inChannels + 3) / 4
        storesFloat = output == nil
        storedChannels = storesFloat ? l.outChannels : (l.outChannels + 3) / 4 * 4
        self.isa = isa
        self.output = output
        let choice = blocking ?? Int8Layer.defaultBlocking(storedChannels: storedChannels, storesFloat: storesFloat, isa: isa)
        precondition(Int8Layer.candidates(storedChannels: storedChannels, storesFloat: storesFloat, isa: isa).contains(choice))
        self.blocking = choice
        let k = l.kernel, k2 = k * k, n = storedChannels
        // Words per output channel and group: k*k taps, or k rows of ceil(k/4) packed taps.
        let taps = packedRows ? k * ((k + 3) / 4) : k2
        words = .allocate(capacity: groups * taps * n + n)
        floats = .allocate(capacity: 5 * n)
        let slopes: [Float] = switch l.activation {
        case .none: [Float](repeating: 1, count: l.outChannels)
        case .relu: [Float](repeating: 0, count: l.outChannels)
        case .prelu(let s): s
        case .tanh: preconditionFailure("tanh has no int8 kernel (Int8Quantization.validate refuses it)")
        }
        var blocks: [Block] = [], kernels: [vsr_i8_kernel] = []
        var w = words
        let bias = words + groups * taps * n
        let scale = floats, offset = floats + n, slope = floats + 2 * n
        let inverse = floats + 3 * n, zero = floats + 4 * n
        for o in 0..<n {
            let real = o < l.outChannels
            var sum: Int32 = 0
            if real {
                for c in 0..<l.inChannels {
                    for t in 0..<k2 { sum -= Int32(q.input.zeroPoints[c]) * Int32(q.weights[(o * l.inChannels + c) * k2 + t]) }
                }
            }
            bias[o] = sum
            scale[o] = real ? q.weightScales[o] : 0
            offset[o] = real ? l.bias[o] : 0
            slope[o] = real ? slopes[o] : 1
            inverse[o] = real && output != nil ? 1 / output!.scales[o] : 1
            zero[o] = real && output != nil ? Float(output!.zeroPoints[o]) : 0
        }
        for o0 in stride(from: 0, to: n, by: choice.outputs) {
            let m = min(choice.outputs, n - o0)
            let start = w
            for g in 0..<groups {
                for t in 0..<taps {
                    for o in 0..<m {
                        var word: UInt32 = 0
                        for j in 0..<4 {
                            // Byte j: input channel 4g+j at tap t, or (packed rows) tap kx = 4m'+j of row ky.
                            let (ky, mx) = t.quotientAndRemainder(dividingBy: (k + 3) / 4)
                            let (c, tap) = packedRows ? (0, 4 * mx + j < k ? ky * k + 4 * mx + j : -1) : (g * 4 + j, t)
                            let oc = o0 + o
                            guard c < l.inChannels, oc < l.outChannels, tap >= 0 else { continue }
                            word |= UInt32(UInt8(bitPattern: q.weights[(oc * l.inChannels + c) * k2 + tap])) << (8 * j)
                        }
                        w[(g * taps + t) * m + o] = Int32(bitPattern: word)
                    }
                }
            }
            w += groups * taps * m
            blocks.append(Block(firstChannel: o0, weights: start, bias: bias + o0, scale: scale + o0,
                                offset: offset + o0, slope: slope + o0, inverse: inverse + o0, zero: zero + o0))
            for v in 1...choice.vectors {
                guard let f = isa.kernel(k, outputs: m, vectors: v, packedRows: packedRows) else {
                    preconditionFailure("no int8 kernel k\(k) o\(m) x\(v) for \(isa)")
                }
                kernels.append(f)
            }
        }
        self.blocks = .allocate(capacity: blocks.count)
        _ = self.blocks.initialize(from: blocks)
        self.kernels = .allocate(capacity: kernels.count)
        _ = self.kernels.initialize(from: kernels)
    }

    deinit {
        words.deallocate()
        floats.deallocate()
        blocks.deallocate()
        kernels.deallocate()
    }

    /// Computes one output row. `rows`: the k input rows (group 0, column -p); `vectors` =
    /// ceil(width / lanes); `out`: group 0's row (u8) or channel 0's row (float) at column 0;
    /// `outStride`: bytes between group rows, or floats between channel rows.
    @inline(__always)
    func convolveRow(rows: UnsafePointer<UnsafePointer<UInt8>?>, vectors: Int, groupStride: Int,
                     out: UnsafeMutableRawPointer, outStride: Int) {
        var tile = vsr_i8_tile()
        tile.rows = rows
        tile.group_stride = Int64(groupStride)
        tile.groups = Int64(groups)
        tile.out_stride = Int64(outStride)
        tile.store_float = storesFloat ? 1 : 0
        let lanes = isa.lanes, x = blocking.vectors
        var v = 0
        while v < vectors {
            let n = min(x, vectors &- v)
            tile.x = Int64(v &* lanes)
            for b in 0..<blocks.count {
                let block = blocks[b]
                tile.weights = block.weights
                tile.bias = block.bias
                tile.scale = block.scale
                tile.offset = block.offset
                tile.slope = block.slope
                tile.out_inverse_scale = block.inverse
                tile.out_zero_point = block.zero
                tile.out = storesFloat ? out + block.firstChannel &* outStride &* 4 : out + block.firstChannel / 4 &* outStride
                kernels[b &* x &+ n &- 1](&tile)
            }
            v &+= n
        }
    }

    /// Every blocking the generated kernels offer: O outputs (a multiple of 4 for the u8 store)
    /// x X vectors within the ISA's accumulator budget.
    static func candidates(storedChannels: Int, storesFloat: Bool, isa: Int8ISA) -> [LayerBlocking] {
        let outputs = storesFloat ? Array(1...min(16, storedChannels)) : Array(stride(from: 4, through: min(16, storedChannels), by: 4))
        return outputs.flatMap { o in
            (1...4).filter { o * $0 <= isa.maxAccumulators }.map { LayerBlocking(outputs: o, vectors: $0, lanes: isa.lanes) }
        }
    }

    /// Without measuring: blocks that divide the channels evenly, then the most accumulators,
    /// then more outputs per block (fewer passes over the input).
    static func defaultBlocking(storedChannels: Int, storesFloat: Bool, isa: Int8ISA) -> LayerBlocking {
        func key(_ b: LayerBlocking) -> (Int, Int, Int) { (storedChannels % b.outputs == 0 ? 1 : 0, b.outputs * b.vectors, b.outputs) }
        return candidates(storedChannels: storedChannels, storesFloat: storesFloat, isa: isa).max { key($0) < key($1) }!
    }
}
