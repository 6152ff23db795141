import VSRKernels

/// The obviously-correct int8 executor: whole feature maps, plain scalar loops. Integer
/// accumulation of s8 weights x (u8 - zero point), with zero padding at the zero point, then the
/// requantisation in the order the kernels do it (fused multiply-adds, round half to even): the
/// int8 kernels must match it bit for bit.
public enum Int8ReferenceExecutor {
    /// The network's output as floats before quantisation, (scale*height) rows of (scale*width),
    /// with the bicubic residual (computed in Double, so only the residual-free part is exact).
    public static func run(_ net: Network, luma: [UInt8], width w: Int, height h: Int) -> [Float] {
        let q = net.int8!
        var maps = luma.map { Int32($0) }  // channel-major u8 maps of the current layer's input
        var channels = 1
        var floats: [Float] = []
        for (i, l) in net.layers.enumerated() {
            let lq = q.layers[i], zp = Int32(lq.input.zeroPoint), p = l.kernel / 2
            let last = i == net.layers.count - 1
            let next = last ? nil : q.layers[i + 1].input
            var out = [Int32](repeating: 0, count: l.outChannels * w * h)
            floats = last ? [Float](repeating: 0, count: l.outChannels * w * h) : []
            for o in 0..<l.outChannels {
                let scale = lq.weightScales[o] * lq.input.scale
                for y in 0..<h {
                    for x in 0..<w {
                        var acc: Int32 = 0
                        for c in 0..<channels {
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
                            let r = Float(next.zeroPoint).addingProduct(f, 1 / next.scale)
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

/// Post-training quantisation for tests: per-channel symmetric s8 weights, and each activation's
/// u8 range from the fp32 reference run on `calibration` (min ... max, so nothing clips there).
public func quantizedForTests(_ net: Network, calibration: [Float], width: Int, height: Int) -> Network {
    var maps = calibration
    var layers: [Int8Quantization.Layer] = []
    var input = Int8Quantization.Activations.luma
    for l in net.layers {
        let k2 = l.kernel * l.kernel * l.inChannels
        var weights = [Int8](repeating: 0, count: l.weights.count), scales: [Float] = []
        for o in 0..<l.outChannels {
            let m = l.weights[(o * k2)..<((o + 1) * k2)].map(abs).max() ?? 0
            let s = m > 0 ? m / 127 : 1
            scales.append(s)
            for t in 0..<k2 { weights[o * k2 + t] = Int8((l.weights[o * k2 + t] / s).rounded()) }
        }
        layers.append(.init(weights: weights, weightScales: scales, input: input))
        maps = ReferenceExecutor.conv(l, maps, width: width, height: height)
        let lo = min(0, maps.min() ?? 0), hi = max(maps.max() ?? 0, lo + 1e-3)
        let scale = (hi - lo) / 255
        input = .init(scale: scale, zeroPoint: UInt8(min(255, max(0, (-lo / scale).rounded()))))
    }
    var n = net
    n.int8 = Int8Quantization(layers: layers)
    return n
}
