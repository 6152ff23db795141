/// A sub-pixel convolutional network: k x k convolutions (stride 1, zero "same" padding) with
/// bias and activation, the last one producing scale*scale channels that a pixel shuffle turns
/// into a scale-times larger plane, optionally plus a bicubic upscale of the input.
public struct Network: Sendable {
    public var layers: [ConvLayer]
    public var scale: Int
    public var residual: Residual
    /// The int8 form, when the model file carries one (format 2).
    public var int8: Int8Quantization?

    public enum Residual: String, Sendable { case none, bicubic }

    public init(layers: [ConvLayer], scale: Int, residual: Residual, int8: Int8Quantization? = nil) {
        self.layers = layers
        self.scale = scale
        self.residual = residual
        self.int8 = int8
    }

    /// Multiply-adds per input (low-resolution) pixel.
    public var macsPerPixel: Int { layers.reduce(0) { $0 + $1.kernel * $1.kernel * $1.inChannels * $1.outChannels } }
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.weights.count + $1.bias.count + ($1.activation.slopes?.count ?? 0) }
    }
}

public struct ConvLayer: Sendable {
    public var kernel: Int
    public var inChannels: Int
    public var outChannels: Int
    /// [out][in][ky][kx], PyTorch's Conv2d layout.
    public var weights: [Float]
    public var bias: [Float]
    public var activation: Activation

    public init(kernel: Int, inChannels: Int, outChannels: Int, weights: [Float], bias: [Float], activation: Activation) {
        precondition(kernel % 2 == 1 && weights.count == kernel * kernel * inChannels * outChannels && bias.count == outChannels)
        self.kernel = kernel
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }

    @inline(__always) public func weight(out o: Int, in c: Int, _ ky: Int, _ kx: Int) -> Float {
        weights[((o * inChannels + c) * kernel + ky) * kernel + kx]
    }
}

public enum Activation: Sendable, Equatable {
    case none, relu, tanh
    /// Per-channel slopes for negative inputs.
    case prelu([Float])

    public var name: String {
        switch self {
        case .none: "none"
        case .relu: "relu"
        case .tanh: "tanh"
        case .prelu: "prelu"
        }
    }

    var slopes: [Float]? { if case .prelu(let s) = self { s } else { nil } }

    @inline(__always) package func apply(_ v: Float, channel: Int) -> Float {
        switch self {
        case .none: v
        case .relu: max(v, 0)
        case .tanh: Foundation_tanh(v)
        case .prelu(let s): v < 0 ? v * s[channel] : v
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) package func Foundation_tanh(_ x: Float) -> Float { tanhf(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) package func Foundation_tanh(_ x: Float) -> Float { tanhf(x) }
#endif
