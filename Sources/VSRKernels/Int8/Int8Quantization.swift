/// How a network runs in int8 (docs/MODEL_FORMAT.md, format 2): per layer, s8 weights with one
/// scale per output channel (weight = scale * q), and the u8 quantisation of the layer's input
/// (value = scale * (q - zeroPoint)). Layer 0's input is the luma sample itself (scale 1/255,
/// zero point 0), so 8-bit video enters the network without rounding.
public struct Int8Quantization: Sendable {
    public struct Activations: Sendable, Equatable {
        public var scale: Float
        public var zeroPoint: UInt8
        public init(scale: Float, zeroPoint: UInt8) {
            self.scale = scale
            self.zeroPoint = zeroPoint
        }
        /// 8-bit luma as the networks see it (luma/255).
        public static let luma = Activations(scale: 1 / 255, zeroPoint: 0)
    }

    public struct Layer: Sendable {
        /// [out][in][ky][kx], the fp32 weights' layout.
        public var weights: [Int8]
        public var weightScales: [Float]
        public var input: Activations
        public init(weights: [Int8], weightScales: [Float], input: Activations) {
            self.weights = weights
            self.weightScales = weightScales
            self.input = input
        }
    }

    public var layers: [Layer]
    public init(layers: [Layer]) { self.layers = layers }
}

extension Int8Quantization {
    /// Checks the quantisation against the network it belongs to.
    func validate(for network: Network) throws(NetworkError) {
        guard layers.count == network.layers.count else {
            throw NetworkError(description: "int8 data for \(layers.count) layers; the network has \(network.layers.count)")
        }
        for (i, (q, l)) in zip(layers, network.layers).enumerated() {
            guard q.weights.count == l.weights.count, q.weightScales.count == l.outChannels else {
                throw NetworkError(description: "layer \(i): int8 weights or scales do not match the layer's shape")
            }
            guard q.weightScales.allSatisfy({ $0.isFinite && $0 > 0 }), q.input.scale.isFinite, q.input.scale > 0 else {
                throw NetworkError(description: "layer \(i): int8 scales must be finite and positive")
            }
            if case .tanh = l.activation {
                throw NetworkError(description: "layer \(i): tanh has no int8 kernel")
            }
        }
        guard layers[0].input == .luma else {
            throw NetworkError(description: "layer 0's int8 input must be luma/255 with zero point 0")
        }
    }
}

/// Which arithmetic runs the networks.
public enum Precision: String, Sendable, CaseIterable {
    /// int8 where the CPU has VNNI and the model carries int8 data, else fp32.
    case auto
    case int8
    case fp32
}
