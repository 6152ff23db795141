import VSRKernels

/// The published network shapes the engine is measured on, with a sub-pixel last layer, and
/// deterministic weights (speed does not depend on the values). Defined once, in
/// benchmarks/reference_shapes.json; `table` is generated from it.
public enum ReferenceShapes {
    public struct Shape: Sendable {
        public let name: String
        /// (kernel, out channels, activation) per layer; the last produces scale^2 channels.
        public let layers: [(Int, Int, Activation)]
    }

    public static func all(scale r: Int) -> [Shape] {
        table.map { entry in
            Shape(name: entry.name, layers: entry.layers.map { k, out, act in
                let n = out ?? r * r
                let activation: Activation = switch act {
                case "prelu": .prelu([Float](repeating: 0.1, count: n))
                case "relu": .relu
                default: .none
                }
                return (k, n, activation)
            })
        }
    }

    public static func network(_ s: Shape, scale: Int) -> Network {
        var cin = 1
        var layers: [ConvLayer] = []
        for (k, cout, act) in s.layers {
            let n = k * k * cin * cout
            let w = (0..<n).map { Float(($0 * 7919) % 97) / 97 * 0.02 - 0.01 }
            layers.append(ConvLayer(kernel: k, inChannels: cin, outChannels: cout, weights: w,
                                    bias: [Float](repeating: 0.01, count: cout), activation: act))
            cin = cout
        }
        return Network(layers: layers, scale: scale, residual: .none)
    }
}

extension ReferenceShapes {
    /// The network with int8 data for timing (speed does not depend on the values): per-channel
    /// weight scales from the fp32 weights, a fixed activation range.
    public static func withSyntheticInt8(_ net: Network) -> Network {
        var n = net
        n.int8 = Int8Quantization(layers: net.layers.enumerated().map { i, l in
            let perOut = l.inChannels * l.kernel * l.kernel
            let scales = (0..<l.outChannels).map { o in max(l.weights[o * perOut..<(o + 1) * perOut].map(abs).max() ?? 0, 1e-6) / 127 }
            let weights = l.weights.indices.map { Int8((l.weights[$0] / scales[$0 / perOut]).rounded()) }
            let input = Int8Quantization.Activations(scales: [Float](repeating: 1 / 128, count: l.inChannels),
                                                     zeroPoints: [UInt8](repeating: 32, count: l.inChannels))
            return .init(weights: weights, weightScales: scales, input: i == 0 ? .luma : input)
        })
        return n
    }
}
