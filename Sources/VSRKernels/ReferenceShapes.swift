/// The published network shapes the engine is measured on, with a sub-pixel last layer, and
/// deterministic weights (speed does not depend on the values).
public enum ReferenceShapes {
    public struct Shape: Sendable {
        public let name: String
        /// (kernel, out channels, activation) per layer; the last produces scale^2 channels.
        public let layers: [(Int, Int, Activation)]
    }

    public static func all(scale r: Int) -> [Shape] {
        let p = { (n: Int) in Activation.prelu([Float](repeating: 0.1, count: n)) }
        return [
            // FSRCNN(d=56, s=12, m=4), last layer a 3x3 sub-pixel conv instead of the 9x9 deconv.
            Shape(name: "FSRCNN(56,12,4)", layers: [(5, 56, p(56)), (1, 12, p(12)), (3, 12, p(12)), (3, 12, p(12)),
                                                   (3, 12, p(12)), (3, 12, p(12)), (1, 56, p(56)), (3, r * r, .none)]),
            Shape(name: "FSRCNN-s(32,5,1)", layers: [(5, 32, p(32)), (1, 5, p(5)), (3, 5, p(5)), (1, 32, p(32)),
                                                    (3, r * r, .none)]),
            // ESPCN(64, 32) as OpenCV's dnn_superres ships it (ReLU).
            Shape(name: "ESPCN(64,32)", layers: [(5, 64, .relu), (3, 32, .relu), (3, r * r, .none)]),
        ]
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
