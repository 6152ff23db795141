import VSRKernels

/// The obviously-correct int8 executor: whole feature maps, plain scalar loops. Integer
/// accumulation of s8 weights x (u8 - the channel's zero point), with zero padding at the zero
/// point, then the requantisation in the order the kernels do it (fused multiply-adds, round half
/// to even, per-channel output quantisation): the int8 kernels must match it bit for bit.
public enum Int8ReferenceExecutor {
    /// The network's output as floats before quantisation, (scale*height) rows of (scale*width),
    /// with the bicubic residual (computed in Double, so only the residual-free part is exact).
    public static func run(_ net: Network, luma: [UInt8], width w: Int, height h: Int) -> [Float] {
        let q = net.int8!
        var maps = luma.map { Int32($0) }  // channel-major u8 maps of the current layer's input
        var channels = 1
        var floats: [Float] = []
        for (i, l) in net.layers.enumerated() {
            let lq = q.layers[i], p = l.kernel / 2
            let last = i == net.layers.count - 1
            let next = last ? nil : q.layers[i + 1].input
            var out = [Int32](repeating: 0, count: l.outChannels * w * h)
            floats = last ? [Float](repeating: 0, count: l.outChannels * w * h) : []
            for o in 0..<l.outChannels {
                let scale = lq.weightScales[o]
                for y in 0..<h {
                    for x in 0..<w {
                        var acc: Int32 = 0
                        for c in 0..<channels {
                            let zp = Int32(lq.input.zeroPoints[c])
                            for ky in 0..<l.kernel {
                                for kx in 0..<l.kernel {
                                    let sy = y + ky - p, sx = x + kx - p
                                    let v = sy < 0 || sy >= h || sx < 0 || sx >= w ? zp : maps[(c * h + sy) * w + sx]
                                    let wq = Int32(lq.weights[((o * channels + c) * l.kernel + ky) * l.kernel + kx])
                                    acc += wq * (v - zp)
                                }
                            }
                        }
                        var f = l.bias[o].addingProduct(Float(acc), scale)
                        if f < 0 {
                            switch l.activation {
                            case .none: break
                            case .relu: f = f * 0
                            case .prelu(let s): f = f * s[o]
                            case .tanh: fatalError("no int8 tanh")
                            }
                        }
                        if let next {
                            let r = Float(next.zeroPoints[o]).addingProduct(f, 1 / next.scales[o])
                            out[(o * h + y) * w + x] = Int32(min(max(r, 0), 255).rounded(.toNearestOrEven))
                        } else {
                            floats[(o * h + y) * w + x] = f
                        }
                    }
                }
            }
            maps = out
            channels = l.outChannels
        }
        let r = net.scale
        let residual = net.residual == .bicubic
            ? ReferenceExecutor.bicubic(luma.map { Float($0) / 255 }, width: w, height: h, scale: r) : nil
        var result = [Float](repeating: 0, count: w * h * r * r)
        for c in 0..<r * r {
            for y in 0..<h {
                for x in 0..<w {
                    let o = (y * r + c / r) * w * r + x * r + c % r
                    result[o] = floats[(c * h + y) * w + x] + (residual?[o] ?? 0)
                }
            }
        }
        return result
    }
}

/// Post-training quantisation for tests: each activation's u8 range per channel from the fp32
/// reference run on `calibration` (min ... max, so nothing clips there), the input scales folded
/// into per-output-channel symmetric s8 weights.
public func quantizedForTests(_ net: Network, calibration: [Float], width: Int, height: Int) -> Network {
    var maps = calibration
    var layers: [Int8Quantization.Layer] = []
    var input = Int8Quantization.Activations.luma
    let plane = width * height
    for l in net.layers {
        let perOut = l.kernel * l.kernel * l.inChannels, k2 = l.kernel * l.kernel
        let folded = l.weights.indices.map { l.weights[$0] * input.scales[($0 % perOut) / k2] }
        var weights = [Int8](repeating: 0, count: folded.count), scales: [Float] = []
        for o in 0..<l.outChannels {
            let m = folded[(o * perOut)..<((o + 1) * perOut)].map(abs).max() ?? 0
            let s = m > 0 ? m / 127 : 1
            scales.append(s)
            for t in 0..<perOut { weights[o * perOut + t] = Int8((folded[o * perOut + t] / s).rounded()) }
        }
        layers.append(.init(weights: weights, weightScales: scales, input: input))
        maps = ReferenceExecutor.conv(l, maps, width: width, height: height)
        var next = Int8Quantization.Activations(scales: [], zeroPoints: [])
        for c in 0..<l.outChannels {
            let channel = maps[(c * plane)..<((c + 1) * plane)]
            let lo = min(0, channel.min() ?? 0), hi = max(channel.max() ?? 0, lo + 1e-3)
            let scale = (hi - lo) / 255
            next.scales.append(scale)
            next.zeroPoints.append(UInt8(min(255, max(0, (-lo / scale).rounded()))))
        }
        input = next
    }
    var n = net
    n.int8 = Int8Quantization(layers: layers)
    return n
}
