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

    /// `measure`: time every blocking of each layer and keep the fastest (what the product does);
    /// otherwise `blockings`, one per layer (tests), or the default rule.
    init(_ network: Network, isa: Int8ISA, measure: Bool, blockings: [LayerBlocking]? = nil) throws(NetworkError) {
        guard let q = network.int8 else { throw NetworkError(description: "the network has no int8 data") }
        try q.validate(for: network)
        self.network = network
        self.isa = isa
        let last = network.layers.count - 1
        var layers: [Int8Layer] = [], gmacs: [Double] = []
        for (i, l) in network.layers.enumerated() {
            let output = i == last ? nil : q.layers[i + 1].input
            if measure {
                let tuned = Int8Tuner.tune(l, q.layers[i], output: output, isa: isa, packedRows: i == 0)
                layers.append(tuned.layer)
                gmacs.append(tuned.gmacs)
            } else {
                layers.append(Int8Layer(l, q.layers[i], output: output, isa: isa, packedRows: i == 0, blocking: blockings?[i]))
            }
        }
        self.layers = layers
        measuredGmacs = measure ? gmacs : nil
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
