import Foundation

/// A network compiled for the int8 kernels of one ISA: every layer packed once, shared by all
/// threads (each thread runs its own Int8StreamingExecutor).
final class Int8Network: Sendable {
    let network: Network
    let isa: Int8ISA
    let layers: [Int8Layer]
    let taps: BicubicTaps
    /// Single-thread giga multiply-adds per second of each layer's chosen blocking (measured).
    let measuredGmacs: [Double]?

    init(_ network: Network, _ q: Int8Quantization, isa: Int8ISA, blocking: CompiledNetwork.Blocking) throws(NetworkError) {
        try q.validate(for: network)
        self.network = network
        self.isa = isa
        let last = network.layers.count - 1
        func output(_ i: Int) -> Int8Quantization.Activations? { i == last ? nil : q.layers[i + 1].input }
        switch blocking {
        case .measured:
            let tuned = network.layers.indices.map { i in
                Int8Tuner.tune(network.layers[i], q.layers[i], output: output(i), isa: isa, packedRows: i == 0)
            }
            layers = tuned.map(\.layer)
            measuredGmacs = tuned.map(\.gmacs)
        case .standard, .explicit:
            layers = network.layers.indices.map {
                Int8Layer(network.layers[$0], q.layers[$0], output: output($0), isa: isa, packedRows: $0 == 0)
            }
            measuredGmacs = nil
        }
        taps = BicubicTaps(scale: network.scale)
    }

    /// Exactly these blockings, one per layer (tests).
    init(_ network: Network, isa: Int8ISA, blockings: [LayerBlocking]) throws(NetworkError) {
        let q = network.int8!
        try q.validate(for: network)
        self.network = network
        self.isa = isa
        let last = network.layers.count - 1
        layers = network.layers.indices.map { i in
            Int8Layer(network.layers[i], q.layers[i], output: i == last ? nil : q.layers[i + 1].input, isa: isa,
                      packedRows: i == 0, blocking: blockings[i])
        }
        measuredGmacs = nil
        taps = BicubicTaps(scale: network.scale)
    }
}

/// Times every int8 blocking of a layer on synthetic rows and keeps the fastest (as
/// BlockingTuner does for fp32).
enum Int8Tuner {
    static let width = 480

    static func tune(_ l: ConvLayer, _ q: Int8Quantization.Layer, output: Int8Quantization.Activations?,
                     isa: Int8ISA, packedRows: Bool) -> (layer: Int8Layer, gmacs: Double) {
        let margin = Int8StreamingExecutor.margin
        let groups = (l.inChannels + 3) / 4, stored = output == nil ? l.outChannels : (l.outChannels + 3) / 4 * 4
        let groupStride = (margin + width + margin) * 4
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: l.kernel * groups * groupStride)
        let out = UnsafeMutableRawPointer.allocate(byteCount: stored * (margin + width + margin) * 4, alignment: 64)
        let rows = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: l.kernel)
        defer { input.deallocate(); out.deallocate(); rows.deallocate() }
        for i in 0..<(l.kernel * groups * groupStride) { input[i] = UInt8(truncatingIfNeeded: i &* 37) }
        for ky in 0..<l.kernel { rows[ky] = UnsafePointer(input + ky * groups * groupStride + (margin - l.kernel / 2) * 4) }
        let macsPerRow = width * l.inChannels * l.outChannels * l.kernel * l.kernel
        let repeats = max(1, 12_000_000 / max(1, macsPerRow))
        let outStride = output == nil ? margin + width + margin : groupStride
        var best: Int8Layer? = nil, bestTime = UInt64.max
        for c in Int8Layer.candidates(storedChannels: stored, storesFloat: output == nil, isa: isa) {
            let packed = Int8Layer(l, q, output: output, isa: isa, packedRows: packedRows, blocking: c)
            var fastest = UInt64.max
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeats {
                    packed.convolveRow(rows: UnsafePointer(rows), vectors: width / isa.lanes, groupStride: groupStride,
                                       out: out + margin * 4, outStride: outStride)
                }
                fastest = min(fastest, DispatchTime.now().uptimeNanoseconds - start)
            }
            if fastest < bestTime { bestTime = fastest; best = packed }
        }
        return (best!, Double(macsPerRow * repeats) / Double(bestTime))
    }
}
