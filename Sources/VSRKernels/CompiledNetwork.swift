/// A network ready for the fast executors: every layer packed once, shared by all threads; the
/// fp32 form always (it runs deeper than 8-bit planes), the int8 form when the precision asks for
/// it and the CPU and the model allow it.
public final class CompiledNetwork: Sendable {
    public let network: Network
    let layers: [PackedLayer]
    let taps: BicubicTaps
    /// Single-thread GFLOP/s of each layer's chosen blocking, as the tuner measured it.
    public let measuredGflops: [Double]?
    let int8: Int8Network?

    public enum Blocking: Sendable {
        /// Time every candidate per layer at load (what the product uses).
        case measured
        /// A fixed rule: no start-up cost (tests, debug builds).
        case standard
        /// Exactly these blockings, one per layer (and these for the int8 form, else its rule):
        /// what another network of the same shapes was tuned to.
        case explicit([LayerBlocking], int8: [LayerBlocking]? = nil)
    }

    /// `precision`: `.auto` runs int8 where it can (VNNI and int8 data), `.int8` insists (an error
    /// says why it cannot), `.fp32` never. `int8ISA` overrides the CPU's choice (tests, benchmarks).
    public init(_ network: Network, blocking: Blocking = .measured, precision: Precision = .fp32,
                int8ISA: Int8ISA? = nil) throws(NetworkError) {
        try network.validate()
        self.network = network
        int8 = try Self.int8Form(network, precision: precision, isa: int8ISA, blocking: blocking)
        switch blocking {
        case .measured:
            let tuned = network.layers.map(BlockingTuner.tune)
            layers = tuned.map(\.layer)
            measuredGflops = tuned.map(\.gflops)
        case .standard:
            layers = network.layers.map { PackedLayer($0) }
            measuredGflops = nil
        case .explicit(let b, _):
            layers = zip(network.layers, b).map { PackedLayer($0, blocking: $1) }
            measuredGflops = nil
        }
        taps = BicubicTaps(scale: network.scale)
    }

    /// The blocking each layer runs with.
    public var blockings: [LayerBlocking] { layers.map(\.blocking) }

    /// What runs 8-bit planes: "int8 (zmm VNNI)" or "fp32".
    public var precisionDescription: String { int8.map { "int8 (\($0.isa.rawValue) VNNI)" } ?? "fp32" }
    public var runsInt8: Bool { int8 != nil }
    /// Giga multiply-adds per second per layer of the int8 form, as its tuner measured them.
    public var measuredInt8Gmacs: [Double]? { int8?.measuredGmacs }
    public var int8Blockings: [LayerBlocking]? { int8?.layers.map(\.blocking) }

    private static func int8Form(_ network: Network, precision: Precision, isa: Int8ISA?,
                                 blocking: Blocking) throws(NetworkError) -> Int8Network? {
        if precision == .fp32 { return nil }
        let reason: String?
        if network.int8 == nil {
            reason = "the model has no int8 data (training/quantize.py adds it)"
        } else if (isa ?? Int8ISA.best) == nil {
            reason = "this CPU has no VNNI (AVX512-VNNI or AVX-VNNI) int8 instructions"
        } else if let isa, !isa.isAvailable {
            reason = "this CPU cannot run the \(isa.rawValue) int8 kernels"
        } else {
            reason = nil
        }
        if let reason {
            if precision == .int8 { throw NetworkError(description: "--precision int8: \(reason)") }
            return nil
        }
        do {
            switch blocking {
            case .measured: return try Int8Network(network, isa: isa ?? Int8ISA.best!, measure: true)
            case .standard: return try Int8Network(network, isa: isa ?? Int8ISA.best!, measure: false)
            case .explicit(_, let b): return try Int8Network(network, isa: isa ?? Int8ISA.best!, measure: false, blockings: b)
            }
        } catch {
            if precision == .int8 { throw error }
            return nil
        }
    }
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
