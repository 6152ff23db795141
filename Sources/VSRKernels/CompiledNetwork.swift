/// A network ready for the fast executor: every layer packed once, shared by all threads.
public final class CompiledNetwork: Sendable {
    public let network: Network
    let layers: [PackedLayer]
    let taps: BicubicTaps
    /// Single-thread GFLOP/s of each layer's chosen blocking, as the tuner measured it.
    public let measuredGflops: [Double]?

    public enum Blocking: Sendable {
        /// Time every candidate per layer at load (what the product uses).
        case measured
        /// A fixed rule: no start-up cost (tests, debug builds).
        case standard
        /// Exactly these blockings, one per layer.
        case explicit([LayerBlocking])
    }

    public init(_ network: Network, blocking: Blocking = .measured) throws(NetworkError) {
        try network.validate()
        self.network = network
        switch blocking {
        case .measured:
            let tuned = network.layers.map(BlockingTuner.tune)
            layers = tuned.map(\.layer)
            measuredGflops = tuned.map(\.gflops)
        case .standard:
            layers = network.layers.map { PackedLayer($0) }
            measuredGflops = nil
        case .explicit(let b):
            layers = zip(network.layers, b).map { PackedLayer($0, blocking: $1) }
            measuredGflops = nil
        }
        taps = BicubicTaps(scale: network.scale)
    }

    /// The blocking each layer runs with.
    public var blockings: [LayerBlocking] { layers.map(\.blocking) }
}

public struct NetworkError: Error, CustomStringConvertible {
    public let description: String
}

extension Network {
    /// Checks that the layer chain is one the executors run.
    public func validate() throws(NetworkError) {
        guard (2...8).contains(scale) else { throw NetworkError(description: "scale \(scale) is not 2...8") }
        guard !layers.isEmpty else { throw NetworkError(description: "the network has no layers") }
        var channels = 1
        for (i, l) in layers.enumerated() {
            guard PackedLayer.supportedKernels.contains(l.kernel) else {
                throw NetworkError(description: "layer \(i): kernel size \(l.kernel) is not 1, 3 or 5")
            }
            guard l.inChannels == channels else {
                throw NetworkError(description: "layer \(i) takes \(l.inChannels) channels but receives \(channels)")
            }
            guard (1...256).contains(l.outChannels) else {
                throw NetworkError(description: "layer \(i): \(l.outChannels) output channels is outside 1...256")
            }
            if let s = l.activation.slopes, s.count != l.outChannels {
                throw NetworkError(description: "layer \(i): \(s.count) PReLU slopes for \(l.outChannels) channels")
            }
            channels = l.outChannels
        }
        guard channels == scale * scale else {
            throw NetworkError(description: "the last layer gives \(channels) channels; a x\(scale) pixel shuffle needs \(scale * scale)")
        }
    }
}
