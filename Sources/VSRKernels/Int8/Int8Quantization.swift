/// How a network runs in int8 (docs/MODEL_FORMAT.md, format 2).
///
/// Activations are u8 per channel: input channel c of a layer holds value = scales[c] * (q -
/// zeroPoints[c]). Each layer's s8 weights already carry its input scales: weightScales[o] *
/// weights[o][c][ky][kx] approximates weight[o][c][ky][kx] * input.scales[c] (one weight scale per
/// output channel), so an output is weightScales[o] * sum(weights * (q - zeroPoint)) + bias, and
/// per-channel activation scales cost the kernels nothing. Layer 0's input is the 8-bit luma itself
/// (scale 1/255, zero point 0).
public struct Int8Quantization: Sendable {
    public struct Activations: Sendable, Equatable {
        public var scales: [Float]
        public var zeroPoints: [UInt8]
        public init(scales: [Float], zeroPoints: [UInt8]) {
            self.scales = scales
            self.zeroPoints = zeroPoints
        }
        /// 8-bit luma as the networks see it (luma/255).
        public static let luma = Activations(scales: [1 / 255], zeroPoints: [0])
        public var channels: Int { scales.count }
    }

    public struct Layer: Sendable {
        /// [out][in][ky][kx], the fp32 weights' layout, input scales folded in.
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
    public func validate(for network: Network) throws(NetworkError) {
        guard layers.count == network.layers.count else {
            throw NetworkError(description: "int8 data for \(layers.count) layers; the network has \(network.layers.count)")
        }
        for (i, (q, l)) in zip(layers, network.layers).enumerated() {
            guard q.weights.count == l.weights.count, q.weightScales.count == l.outChannels else {
                throw NetworkError(description: "layer \(i): int8 weights or scales do not match the layer's shape")
            }
            guard q.input.scales.count == l.inChannels, q.input.zeroPoints.count == l.inChannels else {
                throw NetworkError(description: "layer \(i): int8 input quantisation for \(q.input.scales.count) channels; the layer takes \(l.inChannels)")
            }
            guard q.weightScales.allSatisfy({ $0.isFinite && $0 > 0 }), q.input.scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
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
